// What one read of a pod's drain endpoint told us (docs/drain-protocol.md).
//
// The rule the whole operator rests on: an answer is *known* only when it is
// a well-formed v1 status object. Anything else — refused, reset, timed out,
// 401, 5xx, a body that does not parse, a negative or missing count — is
// unknown, and unknown is never zero.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/shared_enums.h"

namespace baton::drain {

using api::DrainState;

std::string_view ToString(DrainState s);

struct DrainReading {
  bool known = false;
  // Meaningful only when known.
  int64_t sessions = 0;
  DrainState state = DrainState::Serving;
  std::string instance_id;
  std::string version;
  // The optional `capacity` (sessions the pod can hold): a load hint for the
  // serving directory. nullopt when absent or not a non-negative integer:
  // unknown, never 0. Meaningful only when known.
  std::optional<int64_t> capacity;
  // drain.startedAt of a Draining/Drained answer: when this instance began
  // its drain. nullopt when absent or malformed. Meaningful only when known.
  std::optional<std::chrono::system_clock::time_point> drain_started_at;
  // Why the reading is unknown (for status messages, Events and logs).
  std::string error;
  std::chrono::system_clock::time_point read_at{};

  static DrainReading Unknown(std::string why, std::chrono::system_clock::time_point at) {
    DrainReading r;
    r.error = std::move(why);
    r.read_at = at;
    return r;
  }
};

// Counts above this are refused as garbage: no process holds 2^40 sessions,
// and a count that large is a sign of a broken or hostile endpoint.
inline constexpr int64_t kMaxPlausibleSessions = int64_t{1} << 40;

// Pure: decides known/unknown from an HTTP status code and body.
DrainReading ParseDrainAnswer(int http_status, std::string_view body,
                              std::chrono::system_clock::time_point at);

}  // namespace baton::drain
