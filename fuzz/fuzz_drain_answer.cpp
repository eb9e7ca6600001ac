// Fuzzes the drain-answer parser (operator/drain/drain_reading.cpp) with
// arbitrary bodies and status codes. Beyond "no crash": whatever it calls
// known must satisfy the contract's rule for a known answer, because the
// planner deletes pods on the strength of it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drain/drain_reading.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using baton::drain::DrainState;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto at = std::chrono::system_clock::time_point{};
  auto r = baton::drain::ParseDrainAnswer(200, body, at);
  if (r.known) {
    Check(r.sessions >= 0 && r.sessions <= baton::drain::kMaxPlausibleSessions);
    Check(!r.instance_id.empty());
    Check(r.state != DrainState::Drained || r.sessions == 0);
    Check(r.error.empty());
  } else {
    Check(!r.error.empty());
  }
  // The same body under a non-2xx status is never known.
  const int status = size > 0 ? 100 + data[0] * 2 : 500;
  auto other = baton::drain::ParseDrainAnswer(status, body, at);
  if (status < 200 || status > 299) Check(!other.known);
  return 0;
}
