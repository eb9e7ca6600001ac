// PURE: the rollout's budget arithmetic — how many pods may exist, drain and
// be out of service at once — in one place, with the numbers worked, as the
// Deployment controller keeps it apart from the steps that spend it.
#pragma once

#include <cstdint>
#include <optional>

#include "rollout/observed_state.h"

namespace baton::rollout {

// Pods that may still be created: replicas + maxSurge - pods that count
// (live ones and failed ones holding their slot). Worked: replicas 4,
// maxSurge 1, 4 old + 1 new = 5 pods -> 0: the next create waits for a drain
// to finish. Negative after a scale-down; callers take it as 0.
std::int32_t surgeRoom(const RolloutPolicy& policy, std::int32_t pods);

// The limit on pods whose workloads may be draining at once; at least 1, so
// that a tier whose CR says 0 still rolls.
std::int32_t drainLimit(const RolloutPolicy& policy);

// When a drain begun at `started` times out: started + drain.timeoutSeconds;
// nullopt when the tier has no timeout (the CRD defaults one; the planner
// does not invent one).
std::optional<TimePoint> drainDeadline(const RolloutPolicy& policy, TimePoint started);

// Whether one more available pod may go out of service (start draining)
// without going below replicas - maxUnavailable. Worked: replicas 4,
// maxUnavailable 0, 5 available (a surge pod is up) -> 4 left: yes; 4
// available -> 3 left: no.
bool mayTakeOneOut(const RolloutPolicy& policy, std::int32_t available);

// CloneSet's partition: how many of the serving old pods stay old. Worked:
// replicas 4, partition 1, 3 old serving -> 1 stays, 2 are replaced; 0 old
// left -> 0 (the partition never asks for an old pod back).
std::int32_t keptOld(const RolloutPolicy& policy, std::int32_t old_serving);

// Pods wanted at the update revision: replicas - keptOld. Worked: replicas 4,
// partition 1, 3 old serving -> 3.
std::int32_t wantedUpdated(const RolloutPolicy& policy, std::int32_t old_serving);

}  // namespace baton::rollout
