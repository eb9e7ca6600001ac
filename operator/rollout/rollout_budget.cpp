#include "rollout/rollout_budget.h"

#include <algorithm>

namespace baton::rollout {

std::int32_t surgeRoom(const RolloutPolicy& policy, std::int32_t pods) {
  return std::max(policy.replicas, 0) + std::max(policy.max_surge, 0) - pods;
}

std::int32_t drainLimit(const RolloutPolicy& policy) {
  return std::max(policy.max_concurrent_drains, 1);
}

std::optional<TimePoint> drainDeadline(const RolloutPolicy& policy, TimePoint started) {
  if (!policy.drain.timeout) return std::nullopt;
  return started + *policy.drain.timeout;
}

bool mayTakeOneOut(const RolloutPolicy& policy, std::int32_t available) {
  return available - 1 >= policy.replicas - policy.max_unavailable;
}

std::int32_t keptOld(const RolloutPolicy& policy, std::int32_t old_serving) {
  const std::int32_t partition = std::clamp(policy.partition, 0, std::max(policy.replicas, 0));
  return std::min(partition, old_serving);
}

std::int32_t wantedUpdated(const RolloutPolicy& policy, std::int32_t old_serving) {
  return std::max(policy.replicas, 0) - keptOld(policy, old_serving);
}

}  // namespace baton::rollout
