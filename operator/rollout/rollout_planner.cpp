#include "rollout/rollout_planner.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "api/contract.h"
#include "rollout/drain_start.h"
#include "rollout/drain_step.h"
#include "rollout/pod_census.h"
#include "rollout/pod_creation.h"
#include "rollout/pod_naming.h"
#include "rollout/pod_predicates.h"
#include "rollout/progress.h"
#include "rollout/rollout_budget.h"
#include "rollout/undo.h"

// The planner is a pipeline of pure steps (docs/architecture.md, "The
// rollout planner"): the census counts the pods once (pod_census.h); stray
// drains and undos decide which drains stand (undo.h); each drain under way
// takes its next step (drain_step.h); then, unless the rollout is blocked,
// the tier's shape decides what to create (pod_creation.h) and which drains
// to start (drain_start.h), spending the census' budget explicitly.
namespace baton::rollout {
namespace {

namespace event = baton::api::event;

void requeueAt(Plan& plan, std::optional<TimePoint> at) {
  if (at && (!plan.requeue_at || *at < *plan.requeue_at)) plan.requeue_at = at;
}

// spec.rollout.restartAt once it is due: new pods carry it.
std::optional<TimePoint> restartInForce(const RolloutPolicy& policy, TimePoint now) {
  if (policy.restart_at && *policy.restart_at <= now) return policy.restart_at;
  return std::nullopt;
}

// This pass's decisions about drains already under way or stray, which
// change what counts as serving in the rest of the pass.
struct DrainDecisions {
  std::set<std::string, std::less<>> cancelled;  // undone: serving again
  std::set<std::string, std::less<>> adopted;    // stray drains recorded: draining
};

// Live and serving once this pass's decisions are written. A cancelled
// drain is serving but not available in this very pass: it counts as
// available once it is observed serving again.
bool servesAfter(const DrainDecisions& decisions, const ObservedPod& pod) {
  return isLive(pod) && !decisions.adopted.contains(pod.name) &&
         (pod.role == PodRole::Serving || decisions.cancelled.contains(pod.name));
}

// --- drains under way ----------------------------------------------------------------

struct DrainAdvance {
  PlanFragment plan;
  std::optional<TimePoint> requeue_at;
  std::vector<std::string> timed_out_paused;
  bool any = false;  // a drain under way: the tier is not all available
};

// Each draining pod's next step (drain_step.h). A pod labelled draining
// whose workload serves holds a slot but is not active; asking it again
// starts its drain, so only while fewer than maxConcurrentDrains are
// active. Worked numbers, max 1: A labelled draining but cancelled while
// the cache lagged (Serving), B labelled and draining: draining 2,
// awaiting 1, so 1 drain is active and A waits until B is gone.
DrainAdvance advanceDrains(const ObservedState& state, const PodCensus& census,
                           const DrainDecisions& decisions) {
  DrainAdvance out;
  std::int32_t active = census.draining - census.awaiting_request;
  for (const ObservedPod& pod : state.pods) {
    if (!isLiveDraining(pod) || decisions.cancelled.contains(pod.name)) continue;
    out.any = true;
    DrainStepInput in;
    in.policy = &state.policy;
    in.pod = &pod;
    in.reading = knownReading(state.readings, pod);
    if (const auto it = state.readings.find(pod.name); it != state.readings.end()) {
      in.last_known_sessions = it->second.last_known_sessions;
    }
    in.now = state.now;
    in.reason = drainReason(state.policy, pod, state.now);
    in.draining = active;
    in.slot_free = active < drainLimit(state.policy);
    DrainStep step = stepDrain(in);
    if (step.took_slot) ++active;
    step.plan.appendTo(out.plan);
    if (step.requeue_at && (!out.requeue_at || *step.requeue_at < *out.requeue_at)) {
      out.requeue_at = step.requeue_at;
    }
    if (step.timed_out_paused) out.timed_out_paused.push_back(pod.name);
  }
  return out;
}

// --- what the tier's shape asks for -----------------------------------------------------

struct ShapeSteps {
  PlanFragment plan;
  std::vector<std::string> drain_queue;
  std::int32_t still_to_create = 0;  // pods wanted that do not exist yet
  std::int32_t outdated = 0;         // serving pods to replace
  std::int32_t surplus = 0;          // serving pods beyond replicas
  std::map<std::string, std::string, std::less<>> replacement_of;  // failed pod -> new pod
  // Failed pods whose place a new pod is still to take (pod_creation.h).
  std::set<std::string, std::less<>> failed_still_wanted;
};

void appendQueue(std::vector<std::string>& queue, std::vector<std::string> more) {
  for (std::string& name : more) queue.push_back(std::move(name));
}

void appendCreations(ShapeSteps& out, Creations creations) {
  creations.plan.appendTo(out.plan);
  out.replacement_of = std::move(creations.replacement_of);
}

void waitForSurge(PlanFragment& plan, const RolloutPolicy& policy, std::int32_t pods,
                  std::string more) {
  plan.wait(WaitReason::SurgeLimit, "",
            std::to_string(pods) + " pods exist (replicas " + std::to_string(policy.replicas) +
                " + maxSurge " + std::to_string(policy.max_surge) + ")" + more);
}

// RelayTier / BusinessTier: interchangeable slots. Old pods are replaced
// down to the partition; updated pods beyond what is wanted drain too.
ShapeSteps planSlots(const ObservedState& state, const PodCensus& census,
                     const DrainDecisions& decisions, bool blocked) {
  const RolloutPolicy& policy = state.policy;
  ShapeSteps out;
  std::vector<DrainCandidate> old_candidates;
  std::vector<DrainCandidate> new_candidates;
  for (const ObservedPod& pod : state.pods) {
    if (!servesAfter(decisions, pod)) continue;
    if (needsReplacing(policy, pod, state.now)) {
      old_candidates.push_back(DrainCandidate{&pod, ""});
    } else if (!decisions.cancelled.contains(pod.name)) {
      new_candidates.push_back(DrainCandidate{&pod, ""});
    }
  }
  const auto old_serving = static_cast<std::int32_t>(old_candidates.size());
  const auto updated_serving =
      static_cast<std::int32_t>(new_candidates.size() + decisions.cancelled.size());
  const std::int32_t wanted = wantedUpdated(policy, old_serving);
  const std::int32_t surplus_old = old_serving - keptOld(policy, old_serving);
  const std::int32_t surplus_new = std::max(0, updated_serving - wanted);
  // A failed pod in backoff still fills its slot (pod_census.h).
  out.still_to_create =
      std::max(0, wanted - updated_serving - static_cast<std::int32_t>(census.backing_off.size()));
  out.outdated = surplus_old;
  out.surplus = std::max(0, old_serving + updated_serving - policy.replicas);
  if (out.still_to_create > 0) {
    for (const ObservedPod* pod : census.replaceable) out.failed_still_wanted.insert(pod->name);
  }
  appendQueue(out.drain_queue, drainQueue(state, old_candidates, surplus_old));
  appendQueue(out.drain_queue, drainQueue(state, new_candidates, surplus_new));
  if (blocked) return out;

  if (out.still_to_create > 0) {
    const std::int32_t count =
        std::max(0, std::min(out.still_to_create, surgeRoom(policy, census.pods)));
    std::set<std::string, std::less<>> taken = census.names;
    const std::string inc = incarnation(policy.update_revision, restartInForce(policy, state.now));
    std::vector<NewPod> pods;
    for (std::int32_t i = 0; i < count; ++i) {
      pods.push_back(NewPod{slotPodName(policy.tier_name, inc, taken), -1});
      taken.insert(pods.back().name);
    }
    appendCreations(
        out, createPods(policy, restartInForce(policy, state.now), pods, census.replaceable));
    if (count < out.still_to_create) {
      waitForSurge(
          out.plan, policy, census.pods + count,
          "; " + std::to_string(out.still_to_create - count) + " more wait for a drain to finish");
    }
  }
  DrainBudget budget{census.draining, census.available};
  if (surplus_old > 0) {
    DrainStarts starts = startDrains(state, std::move(old_candidates), surplus_old, true, budget);
    budget = starts.budget;
    starts.plan.appendTo(out.plan);
  }
  if (surplus_new > 0) {
    startDrains(state, std::move(new_candidates), surplus_new, true, budget)
        .plan.appendTo(out.plan);
  }
  return out;
}

// SessionTier: shards with stable ordinals. Each shard gets its new pod
// first; its old pod then drains with the new one as its successor.

struct ShardCreate {
  std::int32_t ordinal;
  std::string name;
  int rank;               // 0: the shard has no serving pod (heal / scale up), 1: rollout
  std::int64_t sessions;  // of the old pod it replaces (fewest first)
};

// The name of shard k's new pod. When a pod of this very incarnation is
// leaving its node, or failed and is replaced before it is deleted (it
// keeps the record of its failures until then), the new pod cannot have
// its name: it gets the next move name after it ("s-2-abc" -> "s-2-abc-m1").
std::string shardNameFor(const ObservedState& state, const PodCensus& census, std::int32_t k,
                         const std::string& inc, const std::vector<const ObservedPod*>& old) {
  const RolloutPolicy& policy = state.policy;
  const std::string base = shardPodName(policy.tier_name, k, inc);
  const auto ofThisIncarnation = [&base](const ObservedPod* pod) {
    return pod->name == base || pod->name.rfind(base + "-m", 0) == 0;
  };
  for (const ObservedPod* pod : old) {
    if (pod->departure && pod->revision == policy.update_revision &&
        !restartDue(policy, *pod, state.now) && ofThisIncarnation(pod)) {
      return movedShardPodName(pod->name, base);
    }
  }
  for (const ObservedPod* pod : census.replaceable) {
    if (pod->ordinal == k && ofThisIncarnation(pod)) return movedShardPodName(pod->name, base);
  }
  return base;
}

ShapeSteps planShards(const ObservedState& state, const PodCensus& census,
                      const DrainDecisions& decisions, bool blocked) {
  const RolloutPolicy& policy = state.policy;
  ShapeSteps out;
  std::vector<ShardCreate> creates;
  std::vector<DrainCandidate> candidates;
  std::vector<DrainCandidate> awaiting_successor;  // queued to drain, not candidates yet
  std::int32_t names_in_use = 0;                   // shards whose new pod's name is still taken
  const std::string inc = incarnation(policy.update_revision, restartInForce(policy, state.now));
  for (std::int32_t k = 0; k < policy.replicas; ++k) {
    std::vector<const ObservedPod*> updated;
    std::vector<const ObservedPod*> old;
    for (const ObservedPod& pod : state.pods) {
      if (pod.ordinal != k || !servesAfter(decisions, pod)) continue;
      (needsReplacing(policy, pod, state.now) ? old : updated).push_back(&pod);
    }
    const bool keep_old = k < policy.partition;
    if (!old.empty() && !keep_old) ++out.outdated;
    if (updated.empty() && (old.empty() || !keep_old) && shardBackingOff(census, k)) {
      ++names_in_use;  // counted as still to create, as the backoff holds it back
    } else if (updated.empty() && (old.empty() || !keep_old)) {
      // Never two new pods for one shard: its name is fixed per incarnation
      // (and per move off a leaving node: movedShardPodName).
      const std::string name = shardNameFor(state, census, k, inc, old);
      if (census.names.contains(name)) {
        ++names_in_use;
        out.plan.wait(WaitReason::WaitingForPodGone, name,
                      "shard " + std::to_string(k) + " waits for the old " + name + " to be gone");
      } else {
        std::int64_t sessions = std::numeric_limits<std::int64_t>::max();
        for (const ObservedPod* pod : old) {
          if (const DrainReading* r = knownReading(state.readings, *pod)) {
            sessions = std::min(sessions, r->sessions);
          }
        }
        creates.push_back(ShardCreate{k, name, old.empty() ? 0 : 1, sessions});
      }
    }
    // The pod that takes over the shard: the available updated one.
    const ObservedPod* successor = nullptr;
    for (const ObservedPod* pod : updated) {
      if (isAvailable(policy, *pod, state.now) &&
          (successor == nullptr || pod->name < successor->name)) {
        successor = pod;
      }
    }
    if (keep_old) {
      // Partition: the old pod keeps the shard; a second pod is surplus.
      const ObservedPod* keeper = !old.empty() ? old.front() : successor;
      for (const ObservedPod* pod : old) {
        if (pod != keeper) candidates.push_back(DrainCandidate{pod, keeper->name});
      }
      for (const ObservedPod* pod : updated) {
        if (pod != keeper && keeper != nullptr) {
          candidates.push_back(DrainCandidate{pod, keeper->name});
        }
      }
    } else if (successor != nullptr || policy.max_surge == 0) {
      const std::string successor_name = successor != nullptr ? successor->name : "";
      for (const ObservedPod* pod : old) candidates.push_back(DrainCandidate{pod, successor_name});
      for (const ObservedPod* pod : updated) {
        if (successor != nullptr && pod != successor) {
          candidates.push_back(DrainCandidate{pod, successor_name});
        }
      }
    } else {
      for (const ObservedPod* pod : old) awaiting_successor.push_back(DrainCandidate{pod, ""});
    }
  }
  // Shards beyond the shard count: drained away with no successor.
  std::set<std::int32_t> served_shards;
  for (const ObservedPod& pod : state.pods) {
    if (!servesAfter(decisions, pod)) continue;
    served_shards.insert(pod.ordinal);
    if (pod.ordinal < 0 || pod.ordinal >= policy.replicas) {
      candidates.push_back(DrainCandidate{&pod, ""});
      ++out.surplus;
    }
  }
  // A failed pod's shard still wants a new pod while no pod serves it.
  for (const ObservedPod* pod : census.replaceable) {
    if (pod->ordinal >= 0 && pod->ordinal < policy.replicas &&
        !served_shards.contains(pod->ordinal)) {
      out.failed_still_wanted.insert(pod->name);
    }
  }
  const auto creatable = static_cast<std::int32_t>(creates.size());
  const auto wanted_drains = static_cast<std::int32_t>(candidates.size());
  out.still_to_create = creatable + names_in_use;
  awaiting_successor.insert(awaiting_successor.end(), candidates.begin(), candidates.end());
  out.drain_queue =
      drainQueue(state, std::move(awaiting_successor), std::numeric_limits<std::int32_t>::max());
  if (blocked) return out;

  std::sort(creates.begin(), creates.end(), [](const ShardCreate& a, const ShardCreate& b) {
    return std::tie(a.rank, a.sessions, a.ordinal) < std::tie(b.rank, b.sessions, b.ordinal);
  });
  const std::int32_t count = std::max(0, std::min(creatable, surgeRoom(policy, census.pods)));
  std::vector<NewPod> pods;
  for (std::int32_t i = 0; i < count; ++i) {
    const ShardCreate& create = creates[static_cast<std::size_t>(i)];
    pods.push_back(NewPod{create.name, create.ordinal});
  }
  appendCreations(out,
                  createPods(policy, restartInForce(policy, state.now), pods, census.replaceable));
  if (count < creatable) waitForSurge(out.plan, policy, census.pods + count, "");
  if (wanted_drains > 0) {
    startDrains(state, std::move(candidates), wanted_drains, true,
                DrainBudget{census.draining, census.available})
        .plan.appendTo(out.plan);
  }
  return out;
}

// --- deleting the tier ---------------------------------------------------------------------

// Failed pods of a tier being deleted go at once: nothing replaces them.
PlanFragment deleteFailedPods(const ObservedState& state) {
  PlanFragment plan;
  for (const ObservedPod& pod : state.pods) {
    if (pod.terminating || !isFailed(pod)) continue;
    plan.actions.push_back(DeletePod{pod.name, pod.uid, DeleteReason::Failed, std::nullopt});
    plan.emit(event::kPodDeleted, pod.name,
              "deleted failed pod " + pod.name + "; it will be replaced", true);
  }
  return plan;
}

// --cascade=orphan: the user keeps the pods, so nothing is drained or
// deleted; a drain under way is cancelled (the pod goes on serving, as the
// user asked), then the finalizer goes and the garbage collector takes the
// owner references off.
PlanFragment planOrphaning(const ObservedState& state) {
  PlanFragment plan;
  for (const ObservedPod& pod : state.pods) {
    if (!isLiveDraining(pod)) continue;
    cancelDrain(plan, pod,
                "drain of " + pod.name + " cancelled: tier " + state.policy.tier_name +
                    " deleted, pods orphaned");
  }
  plan.actions.push_back(ReleaseFinalizer{});
  plan.emit(
      event::kFinalizerRemoved, "",
      "tier " + state.policy.tier_name + " deleted with its pods orphaned; finalizer removed");
  return plan;
}

// Every pod drains before the finalizer goes, with no availability floor
// but still one drain at a time (or maxConcurrentDrains), so that the tier's
// sessions migrate at a pace.
PlanFragment planDeletion(const ObservedState& state, const PodCensus& census,
                          std::vector<std::string>& drain_queue) {
  PlanFragment plan;
  std::vector<DrainCandidate> candidates;
  std::int32_t live = 0;
  for (const ObservedPod& pod : state.pods) {
    if (pod.terminating) continue;
    ++live;
    if (isLive(pod) && pod.role == PodRole::Serving) candidates.push_back(DrainCandidate{&pod, ""});
  }
  if (live == 0) {
    plan.actions.push_back(ReleaseFinalizer{});
    plan.emit(event::kFinalizerRemoved, "",
              "every pod of " + state.policy.tier_name + " drained; finalizer removed");
    return plan;
  }
  const auto wanted = static_cast<std::int32_t>(candidates.size());
  drain_queue = drainQueue(state, candidates, wanted);
  if (wanted > 0) {
    startDrains(state, std::move(candidates), wanted, false,
                DrainBudget{census.draining, census.available})
        .plan.appendTo(plan);
  }
  return plan;
}

}  // namespace

Plan planRollout(const ObservedState& state) {
  const RolloutPolicy& policy = state.policy;
  Plan plan;
  PodCensus census = takeCensus(state);
  census.plan.appendTo(plan);
  requeueAt(plan, census.requeue_at);
  if (policy.deleting && policy.orphaning) {
    planOrphaning(state).appendTo(plan);
    return plan;
  }
  bool all_live_available = !census.has_failed_pods;
  DrainDecisions decisions;
  if (policy.deleting) {
    deleteFailedPods(state).appendTo(plan);
  } else {
    // Stray drains hold their slot (pod_census.h) until seen serving.
    StrayDrains strays = settleStrayDrains(state, census.draining);
    decisions.adopted = std::move(strays.adopted);
    strays.plan.appendTo(plan);
  }
  Undo undo = planUndo(state, decisions.adopted);
  decisions.cancelled = std::move(undo.cancelled);
  undo.plan.appendTo(plan);

  DrainAdvance advance = advanceDrains(state, census, decisions);
  advance.plan.appendTo(plan);
  requeueAt(plan, advance.requeue_at);
  plan.assessment.timed_out_paused = std::move(advance.timed_out_paused);
  if (advance.any) all_live_available = false;
  if (policy.restart_at && *policy.restart_at > state.now) requeueAt(plan, policy.restart_at);
  if (policy.deleting) {
    planDeletion(state, census, plan.drain_queue).appendTo(plan);
    return plan;
  }

  // Paused, new pods not Ready yet or past their deadline (progress.h).
  ProgressAssessment progress = assessProgress(policy, state.pods, state.now);
  plan.assessment.paused = progress.paused;
  for (Wait& w : progress.waits) plan.waits.push_back(std::move(w));
  plan.assessment.deadline_exceeded = std::move(progress.deadline_exceeded);
  requeueAt(plan, progress.requeue_at);
  if (!progress.all_available) all_live_available = false;
  const bool blocked = policy.paused || !plan.assessment.timed_out_paused.empty() ||
                       !plan.assessment.deadline_exceeded.empty();

  ShapeSteps shape = policy.kind == TierKind::Session
                         ? planShards(state, census, decisions, blocked)
                         : planSlots(state, census, decisions, blocked);
  shape.plan.appendTo(plan);
  plan.drain_queue = std::move(shape.drain_queue);
  plan.assessment.outdated_pods = shape.outdated;
  plan.assessment.surplus_pods = shape.surplus;
  settleFailedPods(census.replaceable, shape.replacement_of, shape.failed_still_wanted)
      .appendTo(plan);

  plan.assessment.failing_pods = failingPods(policy, state.pods, state.now);
  plan.assessment.complete =
      plan.actions.empty() && shape.still_to_create == 0 && shape.surplus == 0 &&
      shape.outdated == 0 && census.draining == 0 && all_live_available &&
      // Not `blocked` alone: a pause with nothing left to do is a finished
      // rollout (and a drain finishing during it completes it).
      plan.assessment.timed_out_paused.empty() && plan.assessment.deadline_exceeded.empty();
  return plan;
}

}  // namespace baton::rollout
