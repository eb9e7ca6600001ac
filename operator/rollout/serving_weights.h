// PURE: where new sessions and reconnects should go (the serving directory's
// `weight` and `drainOrder`, docs/drain-protocol.md). During a rollout every
// session should move once: to a pod the rollout keeps first, then to the
// pods that drain last, never to the pod that drains next, and no pod above
// its share of the tier's load or its reported capacity. Which pods drain,
// and in what order, is the planner's drain queue (Plan::drain_queue), so a
// restart, an evacuation and a partition steer like a rollout.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace baton::rollout {

// One serving (ready, not draining) pod.
struct ServingPod {
  std::string_view name;
  // Place in the planner's drain queue (Plan::drain_queue); nullopt: the
  // rollout keeps this pod.
  std::optional<std::int32_t> queue_position;
  std::optional<std::int64_t> sessions;  // nullopt: unknown
  std::optional<std::int64_t> capacity;  // nullopt: not reported (unknown, never 0)
};

struct ServingWeight {
  // Relative share of new sessions; 0 = send none. All 0 only when no pod
  // can take any (readers then fall back to their own choice).
  std::int64_t weight = 0;
  // Queued pods only: 0 drains next of these pods, 1 after it, ...
  std::optional<std::int32_t> drain_order;
};

struct TierLoad {
  std::int64_t sessions = 0;  // known sessions on every pod of the tier, draining ones included
  std::int64_t moving = 0;    // known sessions on draining pods: what must find a place now
  std::int32_t replicas = 1;
};

// One entry per pod, same index. The target per pod is the tier's mean load
// after the rollout, ceil(sessions / replicas), capped by the pod's capacity;
// a pod's weight is its room below that target. Pods are filled in
// preference order — pods not in the queue, then queued pods from the last
// to drain (the one that drains next never, while any other pod serves) —
// taking whole preference levels until their room covers what is moving
// (at least one level with room). When no pod has room below the target
// (e.g. nothing is loaded yet), the first level with any pod not at its
// capacity gets weight 1 each -- only its pods of unknown count, if it has
// any, so that readers hold sessions until those are read. A pod at or
// above its capacity gets 0.
std::vector<ServingWeight> ServingWeights(const std::vector<ServingPod>& pods,
                                          const TierLoad& load);

}  // namespace baton::rollout
