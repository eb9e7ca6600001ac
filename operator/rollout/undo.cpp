#include "rollout/undo.h"

#include <algorithm>
#include <tuple>

#include "api/contract.h"
#include "rollout/pod_predicates.h"
#include "rollout/rollout_budget.h"

namespace baton::rollout {
namespace {

namespace event = baton::api::event;

}  // namespace

void cancelDrain(PlanFragment& plan, const ObservedPod& pod, std::string message, bool warning) {
  plan.actions.push_back(CancelDrain{pod.name});
  plan.actions.push_back(MarkServing{pod.name, pod.uid});
  plan.emit(event::kDrainCancelled, pod.name, std::move(message), warning);
}

StrayDrains settleStrayDrains(const ObservedState& state, std::int32_t draining) {
  StrayDrains out;
  const RolloutPolicy& policy = state.policy;
  std::int32_t others = draining;
  std::vector<const ObservedPod*> strays;
  for (const ObservedPod& pod : state.pods) {
    if (!isLive(pod) || pod.role != PodRole::Serving) continue;
    const DrainReading* reading = knownReading(state.readings, pod);
    if (reading == nullptr || reading->state == DrainState::Serving) continue;
    strays.push_back(&pod);
    --others;
  }
  for (const ObservedPod* pod : strays) {
    const DrainReading& reading = *knownReading(state.readings, *pod);
    if (needsReplacing(policy, *pod, state.now) && others < drainLimit(policy)) {
      ++others;
      out.adopted.insert(pod->name);
      // The drain began when the workload says (never later than now):
      // recording `now` would push its timeout back on every lagging pass.
      const TimePoint began = std::min(reading.drain_started_at.value_or(state.now), state.now);
      out.plan.actions.push_back(MarkDraining{pod->name, pod->uid, reading.instance_id, began,
                                              reading.sessions, drainDeadline(policy, began), ""});
      continue;
    }
    cancelDrain(out.plan, *pod,
                "pod " + pod->name + " is labelled serving but was draining; drain cancelled",
                true);
  }
  return out;
}

Undo planUndo(const ObservedState& state, const std::set<std::string, std::less<>>& adopted) {
  Undo out;
  const RolloutPolicy& policy = state.policy;
  if (policy.deleting) return out;
  const auto outdated = [&](const ObservedPod& pod) {
    return needsReplacing(policy, pod, state.now);
  };
  // Serving in this pass: labelled serving (a stray drain just recorded is
  // not), or un-drained a moment ago by this very undo.
  const auto serving = [&](const ObservedPod& pod) {
    return isLive(pod) && !adopted.contains(pod.name) &&
           (pod.role == PodRole::Serving || out.cancelled.contains(pod.name));
  };
  std::vector<const ObservedPod*> candidates;
  for (const ObservedPod& pod : state.pods) {
    if (isLiveDraining(pod) && !outdated(pod)) candidates.push_back(&pod);
  }
  std::sort(candidates.begin(), candidates.end(), [&](const ObservedPod* a, const ObservedPod* b) {
    const DrainReading* ra = knownReading(state.readings, *a);
    const DrainReading* rb = knownReading(state.readings, *b);
    const std::int64_t sa = ra != nullptr ? ra->sessions : -1;
    const std::int64_t sb = rb != nullptr ? rb->sessions : -1;
    return std::tie(sb, a->name) < std::tie(sa, b->name);
  });
  const auto cancel = [&](const ObservedPod& pod, const std::string& why) {
    out.cancelled.insert(pod.name);
    cancelDrain(out.plan, pod, "drain of " + pod.name + " cancelled: " + why);
  };

  if (policy.kind == TierKind::Session) {
    for (const ObservedPod* pod : candidates) {
      const std::int32_t k = pod->ordinal;
      if (k < 0 || k >= policy.replicas) continue;  // a removed shard keeps draining
      bool has_updated = false;
      bool has_old = false;
      for (const ObservedPod& other : state.pods) {
        if (other.ordinal != k || !serving(other)) continue;
        (outdated(other) ? has_old : has_updated) = true;
      }
      if (has_updated || (k < policy.partition && has_old)) continue;
      cancel(*pod,
             "shard " + std::to_string(k) + " needs it at revision " + policy.update_revision);
    }
    return out;
  }
  std::int32_t updated_serving = 0;
  std::int32_t old_serving = 0;
  for (const ObservedPod& pod : state.pods) {
    if (!serving(pod)) continue;
    (outdated(pod) ? old_serving : updated_serving) += 1;
  }
  const std::int32_t wanted = wantedUpdated(policy, old_serving);
  for (const ObservedPod* pod : candidates) {
    if (updated_serving >= wanted) break;
    cancel(*pod, "it matches update revision " + policy.update_revision + " again");
    ++updated_serving;
  }
  return out;
}

}  // namespace baton::rollout
