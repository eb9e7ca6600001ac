#include "controller/crash_point.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <thread>

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
  if (const char* crash = std::getenv("BATON_CRASH_AFTER"); crash && *crash) {
    return CrashPoint(Parse(crash));
  }
  const char* stall = std::getenv("BATON_STALL_AFTER");
  auto spec = Parse(stall ? stall : "");
  if (spec) spec->action = Action::Stall;
  return CrashPoint(std::move(spec));
}

bool CrashPoint::Reached(std::string_view write) {
  if (!spec_ || write != spec_->write) return false;
  return ++seen_ == spec_->nth;
}

void CrashPoint::After(std::string_view write) {
  if (!Reached(write)) return;
  if (spec_->action == Action::Stall) {
    spdlog::critical("stall point reached: after {} #{}; this worker hangs", write, spec_->nth);
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }
  // The test greps this line to know which point it covered.
  spdlog::critical("crash point reached: after {} #{}; SIGKILL", write, spec_->nth);
  spdlog::default_logger()->flush();
  std::raise(SIGKILL);
}

}  // namespace baton::controller
