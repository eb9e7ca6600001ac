// What one read of a pod's drain endpoint told us (docs/drain-protocol.md):
// one type from the drain client to the pure planner.
//
// The rule the whole operator rests on: an answer is *known* only when it is
// a well-formed v1 status object. Anything else -- refused, reset, timed out,
// 401, 5xx, a body that does not parse, a negative or missing count -- is
// unknown, and unknown is never zero. drain/drain_reading.h parses answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "api/shared_enums.h"

namespace baton::api {

// The workload's own opinion of its health: the optional `verdict` of the
// status object (docs/drain-protocol.md). A canary bake fails on an
// unhealthy verdict from a pod of the update revision.
struct WorkloadVerdict {
  bool healthy = true;
  std::string reason;  // the workload's words, e.g. "dropped 31% of messages in 10 s"
  bool operator==(const WorkloadVerdict&) const = default;
};

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
  // nullopt when the workload reports no verdict (or a malformed one): no
  // opinion, which never fails a bake. Meaningful only when known.
  std::optional<WorkloadVerdict> verdict;
  // Why the reading is unknown (for status messages, Events and logs).
  std::string error;
  std::chrono::system_clock::time_point read_at{};
  // Not from the wire: the last count known for this pod, kept across
  // unknown answers by whoever keeps readings over time (the controller).
  // What a delete under onTimeout Proceed reports as cut when it has
  // nothing newer; and a pod once read is never taken for one that never ran.
  std::optional<int64_t> last_known_sessions;

  static DrainReading Unknown(std::string why, std::chrono::system_clock::time_point at) {
    DrainReading r;
    r.error = std::move(why);
    r.read_at = at;
    return r;
  }
};

}  // namespace baton::api
