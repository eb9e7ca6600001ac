#include "controller/crash_point.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <stdexcept>

namespace baton::controller {

std::optional<CrashPoint::Spec> CrashPoint::Parse(std::string_view value) {
  if (value.empty()) return std::nullopt;
  Spec spec;
  auto colon = value.find(':');
  spec.write = std::string(value.substr(0, colon));
  if (std::find(write_point::kAll.begin(), write_point::kAll.end(), spec.write) ==
      write_point::kAll.end()) {
    throw std::invalid_argument("BATON_CRASH_AFTER: unknown write '" + spec.write + "'");
  }
  if (colon != std::string_view::npos) {
    std::string n(value.substr(colon + 1));
    char* end = nullptr;
    long parsed = std::strtol(n.c_str(), &end, 10);
    if (n.empty() || *end != '\0' || parsed < 1 || parsed > 1000000) {
      throw std::invalid_argument("BATON_CRASH_AFTER: bad count '" + n + "'");
    }
    spec.nth = static_cast<int>(parsed);
  }
  return spec;
}

CrashPoint CrashPoint::FromEnvironment() {
  const char* value = std::getenv("BATON_CRASH_AFTER");
  return CrashPoint(Parse(value ? value : ""));
}

bool CrashPoint::Reached(std::string_view write) {
  if (!spec_ || write != spec_->write) return false;
  return ++seen_ == spec_->nth;
}

void CrashPoint::After(std::string_view write) {
  if (!Reached(write)) return;
  // The test greps this line to know which point it covered.
  spdlog::critical("crash point reached: after {} #{}; SIGKILL", write, spec_->nth);
  spdlog::default_logger()->flush();
  std::raise(SIGKILL);
}

}  // namespace baton::controller
