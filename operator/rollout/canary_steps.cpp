#include "rollout/canary_steps.h"

#include <algorithm>

namespace baton::rollout {

std::int32_t stepReplicas(const CanaryStepPolicy& step, std::int32_t replicas) {
  const std::int32_t most = std::max(replicas, 1);
  if (step.percent) {
    const std::int64_t share = (std::int64_t{*step.percent} * replicas + 99) / 100;
    return static_cast<std::int32_t>(std::clamp<std::int64_t>(share, 1, most));
  }
  return std::clamp(step.replicas, 1, most);
}

std::optional<CanaryRecord> canaryInForce(const CanaryPolicy& canary,
                                          const std::optional<CanaryRecord>& previous,
                                          const RolloutPolicy& policy,
                                          const std::string& spec_revision) {
  if (previous && previous->rollback && previous->rollback->revision == spec_revision) {
    CanaryRecord kept = *previous;
    kept.state = CanaryState::RolledBack;
    return kept;
  }
  if (canary.steps.empty() || policy.current_revision.empty()) return std::nullopt;
  if (policy.current_revision == policy.update_revision) {
    // Finished: the record stays on show until another revision comes.
    if (previous && previous->revision == policy.update_revision && !previous->rollback) {
      CanaryRecord done = *previous;
      done.state = CanaryState::Complete;
      done.bake_ends_at.reset();
      return done;
    }
    return std::nullopt;
  }
  if (previous && previous->revision == policy.update_revision && !previous->rollback) {
    return previous;
  }
  CanaryRecord fresh;
  fresh.revision = policy.update_revision;
  return fresh;
}

std::int32_t canaryPartition(const CanaryPolicy& canary, const CanaryRecord& record,
                             const RolloutPolicy& policy) {
  if (record.state == CanaryState::Complete || record.state == CanaryState::RolledBack ||
      record.step < 0 || record.step >= static_cast<std::int32_t>(canary.steps.size())) {
    return policy.partition;
  }
  const std::int32_t replicas = std::max(policy.replicas, 0);
  const std::int32_t updated =
      stepReplicas(canary.steps[static_cast<std::size_t>(record.step)], replicas);
  return std::max(policy.partition, replicas - updated);
}

}  // namespace baton::rollout
