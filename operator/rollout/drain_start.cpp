#include "rollout/drain_start.h"

#include <algorithm>
#include <optional>

#include "api/contract.h"
#include "rollout/drain_order.h"
#include "rollout/pod_census.h"
#include "rollout/pod_predicates.h"
#include "rollout/quantity_format.h"
#include "rollout/rollout_budget.h"

namespace baton::rollout {
namespace {

namespace event = baton::api::event;

enum class Outcome { Started, Removed, NoSlot, Availability, Unknown };

// Pods that hold nothing first, then fewest known sessions; unknown
// readings last (and they are never drained: there is no instanceId to
// record), then by name so that the choice is deterministic.
void sortCandidates(const ObservedState& state, std::vector<DrainCandidate>& candidates) {
  auto key = [&state](const DrainCandidate& c) {
    const DrainReading* reading = knownReading(state.readings, *c.pod);
    return DrainOrderKey{c.pod->name, holdsNothing(state.readings, *c.pod),
                         reading != nullptr ? std::optional(reading->sessions) : std::nullopt};
  };
  std::sort(candidates.begin(), candidates.end(),
            [&key](const DrainCandidate& a, const DrainCandidate& b) {
              return DrainsBefore(key(a), key(b));
            });
}

Outcome startOne(const ObservedState& state, const DrainCandidate& candidate, bool keep_available,
                 DrainStarts& out) {
  const RolloutPolicy& policy = state.policy;
  const ObservedPod& pod = *candidate.pod;
  if (holdsNothing(state.readings, pod)) {
    const bool never_ran = neverRan(state.readings, pod);
    out.plan.actions.push_back(
        DeletePod{pod.name, pod.uid, never_ran ? DeleteReason::NeverRan : DeleteReason::NoProcess,
                  std::nullopt});
    out.plan.emit(event::kPodDeleted, pod.name,
                  "deleted " + pod.name +
                      (never_ran ? ", which never ran"
                                 : ", whose containers are not running" + failureText(pod)));
    return Outcome::Removed;
  }
  if (out.budget.draining >= drainLimit(policy)) return Outcome::NoSlot;
  const DrainReading* reading = knownReading(state.readings, pod);
  if (reading == nullptr) return Outcome::Unknown;
  const bool was_available = isAvailable(policy, pod, state.now);
  if (keep_available && was_available && !mayTakeOneOut(policy, out.budget.available)) {
    return Outcome::Availability;
  }
  const std::optional<TimePoint> deadline = drainDeadline(policy, state.now);
  const std::string reason = drainReason(policy, pod, state.now);
  // The record first: a crash between the two leaves a draining-labelled
  // pod whose workload serves, which the next pass asks again.
  out.plan.actions.push_back(MarkDraining{pod.name, pod.uid, reading->instance_id, state.now,
                                          reading->sessions, deadline, candidate.successor});
  out.plan.actions.push_back(
      RequestDrain{pod.name, policy.drain.pace, deadline, candidate.successor, reason});
  std::string message = "draining " + pod.name + " (" + formatCount(reading->sessions) +
                        " sessions) at " +
                        formatCount(static_cast<std::int64_t>(policy.drain.pace)) + " sessions/s";
  if (!candidate.successor.empty()) message += ", successor " + candidate.successor;
  message += ": " + reason;
  out.plan.emit(event::kDrainStarted, pod.name, std::move(message));
  if (pod.departure && !policy.deleting) {
    out.plan.emit(event::kEvacuationStarted, pod.name,
                  "evacuating " + pod.name + " from " + *pod.departure + ": " +
                      formatCount(reading->sessions) + " sessions move to the tier's other pods");
  }
  ++out.budget.draining;
  if (was_available) --out.budget.available;
  return Outcome::Started;
}

void explainObstacle(const RolloutPolicy& policy, Outcome obstacle, const DrainBudget& budget,
                     PlanFragment& plan) {
  switch (obstacle) {
    case Outcome::NoSlot:
      plan.wait(WaitReason::ConcurrentDrainLimit, "",
                std::to_string(budget.draining) + " pod(s) draining (maxConcurrentDrains " +
                    std::to_string(policy.max_concurrent_drains) + ")");
      break;
    case Outcome::Availability:
      plan.wait(WaitReason::AvailabilityLimit, "",
                std::to_string(budget.available) +
                    " pod(s) available; draining one more would go below " +
                    std::to_string(policy.replicas - policy.max_unavailable) +
                    " (replicas - maxUnavailable)");
      break;
    case Outcome::Unknown:
      plan.wait(WaitReason::NoReadableCandidate, "",
                "every pod that could drain next has an unknown session count");
      break;
    case Outcome::Started:
    case Outcome::Removed:
      break;
  }
}

}  // namespace

std::string drainReason(const RolloutPolicy& policy, const ObservedPod& pod, TimePoint now) {
  if (policy.deleting) return "tier " + policy.tier_name + " is being deleted";
  if (pod.departure) return "evacuating " + pod.name + " from " + *pod.departure;
  if (pod.revision != policy.update_revision) {
    return "rollout to revision " + policy.update_revision;
  }
  if (restartDue(policy, pod, now)) return "restart";
  return "scale down";
}

std::vector<std::string> drainQueue(const ObservedState& state,
                                    std::vector<DrainCandidate> candidates, std::int32_t wanted) {
  sortCandidates(state, candidates);
  const auto count = std::min<std::size_t>(candidates.size(), std::max(wanted, 0));
  std::vector<std::string> queue;
  queue.reserve(count);
  for (std::size_t i = 0; i < count; ++i) queue.push_back(candidates[i].pod->name);
  return queue;
}

DrainStarts startDrains(const ObservedState& state, std::vector<DrainCandidate> candidates,
                        std::int32_t wanted, bool keep_available, DrainBudget budget) {
  DrainStarts out;
  out.budget = budget;
  sortCandidates(state, candidates);
  // The obstacle worth telling: the first one met, but a known obstacle
  // over "unknown count" (that pod is merely skipped).
  std::optional<Outcome> obstacle;
  for (const DrainCandidate& candidate : candidates) {
    if (out.started >= wanted) break;
    const Outcome result = startOne(state, candidate, keep_available, out);
    if (result == Outcome::Started || result == Outcome::Removed) {
      ++out.started;
    } else if (!obstacle || (*obstacle == Outcome::Unknown && result != Outcome::Unknown)) {
      obstacle = result;
    }
    if (result == Outcome::NoSlot) break;
  }
  if (out.started < wanted && obstacle) {
    explainObstacle(state.policy, *obstacle, out.budget, out.plan);
  }
  return out;
}

}  // namespace baton::rollout
