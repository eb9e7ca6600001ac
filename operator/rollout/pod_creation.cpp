#include "rollout/pod_creation.h"

#include "api/contract.h"
#include "rollout/failed_pod_backoff.h"
#include "rollout/pod_census.h"

namespace baton::rollout {
namespace {

namespace event = baton::api::event;

// The failed pod a new pod replaces: the worst series first (its count
// goes on the new pod), and for a SessionTier one of the same shard.
const ObservedPod* worstReplaceable(const std::vector<const ObservedPod*>& replaceable,
                                    const std::map<std::string, std::string, std::less<>>& taken,
                                    std::int32_t ordinal) {
  const ObservedPod* best = nullptr;
  for (const ObservedPod* pod : replaceable) {
    if (taken.contains(pod->name)) continue;
    if (ordinal >= 0 && pod->ordinal != ordinal) continue;
    if (best == nullptr || failuresInARow(*pod) > failuresInARow(*best)) best = pod;
  }
  return best;
}

}  // namespace

Creations createPods(const RolloutPolicy& policy, std::optional<TimePoint> restart,
                     const std::vector<NewPod>& pods,
                     const std::vector<const ObservedPod*>& replaceable) {
  Creations out;
  for (const NewPod& pod : pods) {
    const ObservedPod* replacing = worstReplaceable(replaceable, out.replacement_of, pod.ordinal);
    const std::int32_t attempts = replacing != nullptr ? failuresInARow(*replacing) : 0;
    if (replacing != nullptr) out.replacement_of[replacing->name] = pod.name;
    out.plan.actions.push_back(
        CreatePod{pod.name, policy.update_revision, pod.ordinal, restart, attempts});
    out.plan.emit(
        event::kPodCreated, pod.name,
        "creating " + pod.name + " at revision " + policy.update_revision +
            (pod.ordinal >= 0 ? " for shard " + std::to_string(pod.ordinal) : std::string()) +
            (replacing != nullptr ? " in place of failed " + replacing->name : std::string()));
  }
  return out;
}

PlanFragment settleFailedPods(const std::vector<const ObservedPod*>& replaceable,
                              const std::map<std::string, std::string, std::less<>>& replacement_of,
                              const std::set<std::string, std::less<>>& still_wanted) {
  PlanFragment plan;
  for (const ObservedPod* pod : replaceable) {
    if (const auto it = replacement_of.find(pod->name); it != replacement_of.end()) {
      plan.actions.push_back(DeletePod{pod->name, pod->uid, DeleteReason::Failed, std::nullopt});
      plan.emit(event::kPodReplaced, pod->name,
                "deleted failed pod " + pod->name + failureText(*pod) + ", failure " +
                    std::to_string(failuresInARow(*pod)) + " in a row; replaced by " + it->second,
                true);
    } else if (!still_wanted.contains(pod->name)) {
      plan.actions.push_back(DeletePod{pod->name, pod->uid, DeleteReason::Failed, std::nullopt});
      plan.emit(event::kPodDeleted, pod->name,
                "deleted failed pod " + pod->name + failureText(*pod) + "; no pod replaces it",
                true);
    }
  }
  return plan;
}

}  // namespace baton::rollout
