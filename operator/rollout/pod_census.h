// PURE: one pass's count of a tier's pods against the rollout's budgets,
// taken once before any step, as the Deployment controller reads its
// ReplicaSets' counts before it scales: the create and drain-start steps
// then spend these figures explicitly (rollout_budget.h), and no step
// depends on another having counted first.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rollout/observed_state.h"
#include "rollout/plan_fragment.h"

namespace baton::rollout {

struct PodCensus {
  // Against replicas + maxSurge: live pods, and failed pods still holding
  // their slot during their backoff.
  std::int32_t pods = 0;
  // Against maxConcurrentDrains: pods whose workload may be draining
  // (holdsDrainSlot).
  std::int32_t draining = 0;
  // Of those, labelled draining while the workload serves: asking one again
  // starts a drain (awaitsDrainRequest).
  std::int32_t awaiting_request = 0;
  // Against replicas - maxUnavailable.
  std::int32_t available = 0;
  // Every pod's name, failed and terminating ones too: a new pod must not
  // take one.
  std::set<std::string, std::less<>> names;
  // Failed pods (failed_pod_backoff.h): waiting out their backoff, and those
  // whose backoff has passed (or that are outdated, or the tier is being
  // deleted), which go once replaced or once nothing will replace them.
  std::vector<const ObservedPod*> backing_off;
  std::vector<const ObservedPod*> replaceable;
  // A failed pod that is not terminating yet: the tier is not all available.
  bool has_failed_pods = false;
  // A wait per failed pod in backoff, and when the first backoff ends.
  PlanFragment plan;
  std::optional<TimePoint> requeue_at;
};

PodCensus takeCensus(const ObservedState& state);

// The failed pods in backoff of shard `ordinal`.
bool shardBackingOff(const PodCensus& census, std::int32_t ordinal);

// " (why)" of a failed or crash-looping pod, for messages; empty without a why.
std::string failureText(const ObservedPod& pod);

}  // namespace baton::rollout
