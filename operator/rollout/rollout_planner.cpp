#include "rollout/rollout_planner.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "api/contract.h"
#include "rollout/drain_order.h"
#include "rollout/drain_step.h"
#include "rollout/failed_pod_backoff.h"
#include "rollout/pod_naming.h"
#include "rollout/pod_predicates.h"
#include "rollout/progress.h"
#include "rollout/quantity_format.h"
#include "rollout/rollout_budget.h"
#include "rollout/undo.h"

namespace baton::rollout {
namespace {

namespace event = baton::api::event;

// A drain candidate, with what to tell the workload.
struct Candidate {
  const ObservedPod* pod = nullptr;
  std::string successor;
};

enum class DrainStart { Started, Removed, NoSlot, Availability, Unknown };

class Planner {
 public:
  explicit Planner(const ObservedState& state)
      : state_(state), policy_(state.policy), now_(state.now) {}

  Plan run() {
    countPods();
    if (policy_.deleting && policy_.orphaning) {
      planOrphaning();
      return std::move(plan_);
    }
    if (policy_.deleting) deleteFailedPods();
    if (!policy_.deleting) settleStrayDrains();
    decideCancels();
    for (const ObservedPod& pod : state_.pods) {
      if (isLiveDraining(pod) && !cancelled_.contains(pod.name)) advanceDrain(pod);
    }
    if (policy_.restart_at && *policy_.restart_at > now_) requeueAt(*policy_.restart_at);
    if (policy_.deleting) {
      planDeletion();
      return std::move(plan_);
    }
    assessBlockers();
    if (policy_.kind == TierKind::Session) {
      planShards();
    } else {
      planSlots();
    }
    settleFailedPods();
    plan_.assessment.failing_pods = failingPods(policy_, state_.pods, now_);
    plan_.assessment.complete =
        plan_.actions.empty() && need_ == 0 && plan_.assessment.surplus_pods == 0 &&
        plan_.assessment.outdated_pods == 0 && draining_at_start_ == 0 && all_live_available_ &&
        // Not blocked() alone: a pause with nothing
        // left to do is a finished rollout (and a
        // drain finishing during it completes it).
        plan_.assessment.timed_out_paused.empty() && plan_.assessment.deadline_exceeded.empty();
    return std::move(plan_);
  }

 private:
  // --- classification -----------------------------------------------------------

  // The shared predicates (pod_predicates.h) at this pass's policy and clock.
  bool restartDue(const ObservedPod& pod) const { return rollout::restartDue(policy_, pod, now_); }
  bool needsReplacing(const ObservedPod& pod) const {
    return rollout::needsReplacing(policy_, pod, now_);
  }
  bool isLiveServing(const ObservedPod& pod) const {
    return isLive(pod) && !adopted_.contains(pod.name) &&
           (pod.role == PodRole::Serving || cancelled_.contains(pod.name));
  }
  // A cancelled drain is not available in this very pass: it counts once
  // it is observed serving again.
  bool isAvailable(const ObservedPod& pod) const {
    return rollout::isAvailable(policy_, pod, now_);
  }
  const DrainReading* knownReading(const ObservedPod& pod) const {
    return rollout::knownReading(state_.readings, pod);
  }
  std::optional<TimePoint> effectiveRestart() const {
    if (policy_.restart_at && *policy_.restart_at <= now_) return policy_.restart_at;
    return std::nullopt;
  }
  std::string incarnationPart() const {
    return incarnation(policy_.update_revision, effectiveRestart());
  }
  bool blocked() const {
    return policy_.paused || !plan_.assessment.timed_out_paused.empty() ||
           !plan_.assessment.deadline_exceeded.empty();
  }

  // --- output helpers --------------------------------------------------------------

  void requeueAt(TimePoint at) {
    if (!plan_.requeue_at || at < *plan_.requeue_at) plan_.requeue_at = at;
  }
  void wait(WaitReason reason, std::string pod, std::string message) {
    plan_.waits.push_back(Wait{reason, std::move(pod), std::move(message)});
  }
  // Every planner Event describes the action pushed just before it.
  void emit(std::string_view reason, std::string pod, std::string message, bool warning = false) {
    std::optional<std::size_t> after;
    if (!plan_.actions.empty()) after = plan_.actions.size() - 1;
    plan_.events.push_back(
        PlannedEvent{reason, std::move(pod), std::move(message), warning, after});
  }

  // --- counting ------------------------------------------------------------------

  // Whether the pod's workload may be draining now, which is what
  // maxConcurrentDrains limits: labelled draining (the record is written
  // before the request); terminating (a relay deleted by anyone hands its
  // sessions over on SIGTERM until its process exits, and an outside watcher
  // must never see one too many); or reading non-Serving while labelled
  // serving (a stray drain, or a label the cache has not caught up with:
  // counted until its cancel is observed).
  bool holdsDrainSlot(const ObservedPod& pod) const {
    if (isFailed(pod)) return false;
    if (pod.role == PodRole::Draining) return true;
    if (pod.terminating) return !holdsNothing(pod);
    const DrainReading* reading = knownReading(pod);
    return reading != nullptr && reading->state != DrainState::Serving;
  }
  // Labelled draining, but its workload says Serving: the request has not
  // landed yet, or a cancel did while the cache lagged. Asking it (again)
  // starts a drain, so it needs a free slot like any new one.
  bool awaitsDrainRequest(const ObservedPod& pod) const {
    if (!isLiveDraining(pod)) return false;
    const DrainReading* reading = knownReading(pod);
    return reading != nullptr && reading->state == DrainState::Serving;
  }

  void countPods() {
    for (const ObservedPod& pod : state_.pods) {
      taken_.insert(pod.name);
      if (isFailed(pod)) {
        countFailedPod(pod);
        continue;
      }
      ++total_;
      if (holdsDrainSlot(pod)) ++draining_;
      if (awaitsDrainRequest(pod)) ++awaiting_request_;
      if (isAvailable(pod)) ++available_;
    }
    draining_at_start_ = draining_;
  }

  // A failed pod holds nothing, but it holds its slot until its backoff has
  // passed (failed_pod_backoff.h): counted against replicas + maxSurge and
  // against the pods still to create, so that no replacement is made yet.
  // The backoff is for the update revision's pods failing again and again;
  // an outdated failed pod (after an undo, say) goes at once.
  void countFailedPod(const ObservedPod& pod) {
    if (pod.terminating) return;
    all_live_available_ = false;
    const TimePoint replace_at = replaceFailedPodAt(pod);
    if (now_ < replace_at && !policy_.deleting && !needsReplacing(pod)) {
      ++total_;
      backing_off_.push_back(&pod);
      requeueAt(replace_at);
      wait(WaitReason::FailedPodBackoff, pod.name,
           "pod " + pod.name + " failed" + failureText(pod) + "; replaced in " +
               formatDuration(std::chrono::ceil<Seconds>(replace_at - now_)) + " (failure " +
               std::to_string(failuresInARow(pod)) + " in a row)");
    } else {
      replaceable_.push_back(&pod);
    }
  }
  static std::string failureText(const ObservedPod& pod) {
    return pod.failure.empty() ? std::string() : " (" + pod.failure + ")";
  }
  // Pods of shard k in backoff after a failure.
  bool backingOff(std::int32_t ordinal) const {
    return std::any_of(backing_off_.begin(), backing_off_.end(),
                       [ordinal](const ObservedPod* pod) { return pod->ordinal == ordinal; });
  }
  // The failed pod a new pod replaces: the worst series first (its count
  // goes on the new pod), and for a SessionTier one of the same shard.
  const ObservedPod* takeReplaceable(std::int32_t ordinal) {
    auto best = replaceable_.end();
    for (auto it = replaceable_.begin(); it != replaceable_.end(); ++it) {
      if (replaced_.contains((*it)->name)) continue;
      if (ordinal >= 0 && (*it)->ordinal != ordinal) continue;
      if (best == replaceable_.end() || failuresInARow(**it) > failuresInARow(**best)) best = it;
    }
    if (best == replaceable_.end()) return nullptr;
    replaced_.insert((*best)->name);
    return *best;
  }

  // After the creates: a failed pod whose backoff passed is deleted once its
  // replacement is planned (create first: the failed pod is the record of
  // the series until the new pod carries it), or when nothing will replace
  // it (scaled down, or its slot already filled). While a pause or the surge
  // limit holds its replacement back, it stays.
  void settleFailedPods() {
    for (const ObservedPod* pod : replaceable_) {
      if (replaced_.contains(pod->name)) {
        deletePod(*pod, DeleteReason::Failed, std::nullopt);
        emit(event::kPodReplaced, pod->name,
             "deleted failed pod " + pod->name + failureText(*pod) + ", failure " +
                 std::to_string(failuresInARow(*pod)) + " in a row; replaced by " +
                 replacement_of_.at(pod->name),
             true);
      } else if (!stillWanted(*pod)) {
        deletePod(*pod, DeleteReason::Failed, std::nullopt);
        emit(event::kPodDeleted, pod->name,
             "deleted failed pod " + pod->name + failureText(*pod) + "; no pod replaces it", true);
      }
    }
  }
  // Whether a new pod is still to be made in the failed pod's place.
  bool stillWanted(const ObservedPod& pod) const {
    if (policy_.kind != TierKind::Session) return need_ > 0;
    if (pod.ordinal < 0 || pod.ordinal >= policy_.replicas) return false;
    return std::none_of(state_.pods.begin(), state_.pods.end(), [&](const ObservedPod& other) {
      return other.ordinal == pod.ordinal && isLiveServing(other);
    });
  }

  void deleteFailedPods() {
    for (const ObservedPod& pod : state_.pods) {
      if (pod.terminating || !isFailed(pod)) continue;
      plan_.actions.push_back(DeletePod{pod.name, pod.uid, DeleteReason::Failed, std::nullopt});
      emit(event::kPodDeleted, pod.name, "deleted failed pod " + pod.name + "; it will be replaced",
           true);
      all_live_available_ = false;
    }
  }

  // Stray drains (undo.h): recorded or cancelled; they hold their slot
  // (countPods) until seen serving.
  void settleStrayDrains() {
    StrayDrains strays = rollout::settleStrayDrains(state_, draining_);
    adopted_ = std::move(strays.adopted);
    strays.plan.appendTo(plan_);
  }

  // --- undo: drains that are no longer wanted (undo.h) ----------------------------

  void decideCancels() {
    Undo undo = planUndo(state_, adopted_);
    cancelled_ = std::move(undo.cancelled);
    undo.plan.appendTo(plan_);
  }

  // The budget helpers (rollout_budget.h) at this pass's policy.
  std::int32_t keptOld(std::int32_t old_serving) const {
    return rollout::keptOld(policy_, old_serving);
  }
  std::int32_t wantedUpdated(std::int32_t old_serving) const {
    return rollout::wantedUpdated(policy_, old_serving);
  }

  // --- a drain in progress ---------------------------------------------------------

  std::optional<TimePoint> deadlineOf(TimePoint started) const {
    return drainDeadline(policy_, started);
  }

  std::string drainReason(const ObservedPod& pod) const {
    if (policy_.deleting) return "tier " + policy_.tier_name + " is being deleted";
    if (pod.departure) return "evacuating " + pod.name + " from " + *pod.departure;
    if (pod.revision != policy_.update_revision) {
      return "rollout to revision " + policy_.update_revision;
    }
    if (restartDue(pod)) return "restart";
    return "scale down";
  }

  // A drain-labelled pod whose workload serves: asking it starts a drain,
  // so only while fewer than maxConcurrentDrains workloads may be draining.
  // Worked numbers, max 1: A labelled draining but cancelled while the cache
  // lagged (Serving), B labelled and draining: draining_ 2, awaiting 1, so
  // 1 drain is active and A waits until B is gone.
  std::int32_t activeDrains() const { return draining_ - awaiting_request_ + restarted_drains_; }

  void requestDrain(const ObservedPod& pod, std::optional<TimePoint> deadline,
                    std::string successor) {
    plan_.actions.push_back(RequestDrain{pod.name, policy_.drain.pace, deadline,
                                         std::move(successor), drainReason(pod)});
  }

  void deletePod(const ObservedPod& pod, DeleteReason reason, std::optional<std::int64_t> left) {
    plan_.actions.push_back(DeletePod{pod.name, pod.uid, reason, left});
  }

  // One draining pod's step (drain_step.h), appended to the plan.
  void advanceDrain(const ObservedPod& pod) {
    all_live_available_ = false;
    DrainStepInput in;
    in.policy = &policy_;
    in.pod = &pod;
    in.reading = knownReading(pod);
    if (const auto it = state_.readings.find(pod.name); it != state_.readings.end()) {
      in.last_known_sessions = it->second.last_known_sessions;
    }
    in.now = now_;
    in.reason = drainReason(pod);
    in.draining = activeDrains();
    in.slot_free = in.draining < drainLimit(policy_);
    DrainStep step = stepDrain(in);
    if (step.took_slot) ++restarted_drains_;
    step.plan.appendTo(plan_);
    if (step.requeue_at) requeueAt(*step.requeue_at);
    if (step.timed_out_paused) plan_.assessment.timed_out_paused.push_back(pod.name);
  }

  // --- starting drains ---------------------------------------------------------------

  // Pods that never ran first (they hold nothing), then fewest known
  // sessions; unknown readings last (and they are never drained: there is no
  // instanceId to record), then by name so that the choice is deterministic.
  void sortCandidates(std::vector<Candidate>& candidates) const {
    auto key = [this](const Candidate& c) {
      const DrainReading* reading = knownReading(*c.pod);
      return DrainOrderKey{c.pod->name, holdsNothing(*c.pod),
                           reading != nullptr ? std::optional(reading->sessions) : std::nullopt};
    };
    std::sort(candidates.begin(), candidates.end(), [&key](const Candidate& a, const Candidate& b) {
      return DrainsBefore(key(a), key(b));
    });
  }

  // Holds nothing for sure: Pending without an IP (no sandbox, so no process
  // could have accepted a session) and never read. A Pending pod with an IP
  // may serve -- a sidecar still pulling its image keeps the pod Pending while
  // the main container takes sessions -- and "no reading" may only mean "not
  // polled yet" or 401/5xx: unknown, never zero.
  bool neverRan(const ObservedPod& pod) const {
    if (pod.phase != PodPhase::Pending || !pod.ip.empty()) return false;
    const auto it = state_.readings.find(pod.name);
    return it == state_.readings.end() || (!it->second.known && !it->second.last_known_sessions);
  }
  // Or no container of it has a process now (CrashLoopBackOff between two
  // restarts): no process holds a TCP session; its crash cut what it held.
  // Without this, an undo of a crash-looping pod waited forever for a count
  // its dead process could not give.
  bool holdsNothing(const ObservedPod& pod) const { return neverRan(pod) || pod.no_process; }

  DrainStart startDrain(const Candidate& candidate, bool keep_available) {
    const ObservedPod& pod = *candidate.pod;
    if (holdsNothing(pod)) {
      const bool never_ran = neverRan(pod);
      deletePod(pod, never_ran ? DeleteReason::NeverRan : DeleteReason::NoProcess, std::nullopt);
      emit(event::kPodDeleted, pod.name,
           "deleted " + pod.name +
               (never_ran ? ", which never ran"
                          : ", whose containers are not running" + failureText(pod)));
      --total_;
      return DrainStart::Removed;
    }
    if (draining_ >= drainLimit(policy_)) return DrainStart::NoSlot;
    const DrainReading* reading = knownReading(pod);
    if (reading == nullptr) return DrainStart::Unknown;
    const bool was_available = isAvailable(pod);
    if (keep_available && was_available && !mayTakeOneOut(policy_, available_)) {
      return DrainStart::Availability;
    }
    const std::optional<TimePoint> deadline = deadlineOf(now_);
    plan_.actions.push_back(MarkDraining{pod.name, pod.uid, reading->instance_id, now_,
                                         reading->sessions, deadline, candidate.successor});
    requestDrain(pod, deadline, candidate.successor);
    std::string message =
        "draining " + pod.name + " (" + formatCount(reading->sessions) + " sessions) at " +
        formatCount(static_cast<std::int64_t>(policy_.drain.pace)) + " sessions/s";
    if (!candidate.successor.empty()) message += ", successor " + candidate.successor;
    message += ": " + drainReason(pod);
    emit(event::kDrainStarted, pod.name, std::move(message));
    if (pod.departure && !policy_.deleting) {
      emit(event::kEvacuationStarted, pod.name,
           "evacuating " + pod.name + " from " + *pod.departure + ": " +
               formatCount(reading->sessions) + " sessions move to the tier's other pods");
    }
    ++draining_;
    if (was_available) --available_;
    return DrainStart::Started;
  }

  // Publishes the first `wanted` candidates, in the order startDrains takes
  // them, as the rest of the rollout's drain queue (Plan::drain_queue).
  void queueDrains(std::vector<Candidate> candidates, std::int32_t wanted) {
    sortCandidates(candidates);
    const auto count = std::min<std::size_t>(candidates.size(), std::max(wanted, 0));
    for (std::size_t i = 0; i < count; ++i) plan_.drain_queue.push_back(candidates[i].pod->name);
  }

  // Starts up to `wanted` drains from the sorted candidates; explains the
  // first obstacle when it starts fewer.
  std::int32_t startDrains(std::vector<Candidate> candidates, std::int32_t wanted,
                           bool keep_available) {
    sortCandidates(candidates);
    std::int32_t started = 0;
    std::optional<DrainStart> obstacle;
    for (const Candidate& candidate : candidates) {
      if (started >= wanted) break;
      const DrainStart result = startDrain(candidate, keep_available);
      if (result == DrainStart::Started || result == DrainStart::Removed) {
        ++started;
      } else if (!obstacle || (*obstacle == DrainStart::Unknown && result != DrainStart::Unknown)) {
        obstacle = result;
      }
      if (result == DrainStart::NoSlot) break;
    }
    if (started < wanted && obstacle) explainDrainObstacle(*obstacle);
    return started;
  }

  void explainDrainObstacle(DrainStart obstacle) {
    switch (obstacle) {
      case DrainStart::NoSlot:
        wait(WaitReason::ConcurrentDrainLimit, "",
             std::to_string(draining_) + " pod(s) draining (maxConcurrentDrains " +
                 std::to_string(policy_.max_concurrent_drains) + ")");
        break;
      case DrainStart::Availability:
        wait(WaitReason::AvailabilityLimit, "",
             std::to_string(available_) + " pod(s) available; draining one more would go below " +
                 std::to_string(policy_.replicas - policy_.max_unavailable) +
                 " (replicas - maxUnavailable)");
        break;
      case DrainStart::Unknown:
        wait(WaitReason::NoReadableCandidate, "",
             "every pod that could drain next has an unknown session count");
        break;
      case DrainStart::Started:
      case DrainStart::Removed:
        break;
    }
  }

  // --- creating pods ----------------------------------------------------------------

  std::int32_t surgeBudget() const { return surgeRoom(policy_, total_); }

  // `replacing`: the failed pod whose place the new pod takes, if any; the
  // new pod carries its series (failed_pod_backoff.h).
  void createPod(std::string name, std::int32_t ordinal, const ObservedPod* replacing) {
    taken_.insert(name);
    ++total_;
    const std::int32_t attempts = replacing != nullptr ? failuresInARow(*replacing) : 0;
    if (replacing != nullptr) replacement_of_[replacing->name] = name;
    plan_.actions.push_back(
        CreatePod{name, policy_.update_revision, ordinal, effectiveRestart(), attempts});
    emit(event::kPodCreated, name,
         "creating " + name + " at revision " + policy_.update_revision +
             (ordinal >= 0 ? " for shard " + std::to_string(ordinal) : std::string()) +
             (replacing != nullptr ? " in place of failed " + replacing->name : std::string()));
  }

  // --- blockers and new pods' readiness ------------------------------------------------

  // Paused, new pods not Ready yet or past their deadline (progress.h).
  void assessBlockers() {
    ProgressAssessment progress = assessProgress(policy_, state_.pods, now_);
    plan_.assessment.paused = progress.paused;
    for (Wait& w : progress.waits) plan_.waits.push_back(std::move(w));
    for (std::string& pod : progress.deadline_exceeded) {
      plan_.assessment.deadline_exceeded.push_back(std::move(pod));
    }
    if (progress.requeue_at) requeueAt(*progress.requeue_at);
    if (!progress.all_available) all_live_available_ = false;
  }

  // --- RelayTier / BusinessTier: interchangeable slots -----------------------------------

  void planSlots() {
    std::vector<Candidate> old_candidates;
    std::vector<Candidate> new_candidates;
    for (const ObservedPod& pod : state_.pods) {
      if (!isLiveServing(pod)) continue;
      if (needsReplacing(pod)) {
        old_candidates.push_back(Candidate{&pod, ""});
      } else if (!cancelled_.contains(pod.name)) {
        new_candidates.push_back(Candidate{&pod, ""});
      }
    }
    const auto old_serving = static_cast<std::int32_t>(old_candidates.size());
    const std::int32_t updated_serving =
        static_cast<std::int32_t>(new_candidates.size() + cancelled_.size());
    const std::int32_t wanted = wantedUpdated(old_serving);
    const std::int32_t surplus_old = old_serving - keptOld(old_serving);
    const std::int32_t surplus_new = std::max(0, updated_serving - wanted);
    // A failed pod in backoff still fills its slot (countFailedPod).
    need_ = std::max(0, wanted - updated_serving - static_cast<std::int32_t>(backing_off_.size()));
    plan_.assessment.outdated_pods = surplus_old;
    plan_.assessment.surplus_pods = std::max(0, old_serving + updated_serving - policy_.replicas);
    queueDrains(old_candidates, surplus_old);
    queueDrains(new_candidates, surplus_new);
    if (blocked()) return;

    if (need_ > 0) {
      const std::int32_t count = std::min(need_, surgeBudget());
      for (std::int32_t i = 0; i < count; ++i) {
        createPod(slotPodName(policy_.tier_name, incarnationPart(), taken_), -1,
                  takeReplaceable(-1));
      }
      if (count < need_) {
        wait(WaitReason::SurgeLimit, "",
             std::to_string(total_) + " pods exist (replicas " + std::to_string(policy_.replicas) +
                 " + maxSurge " + std::to_string(policy_.max_surge) + "); " +
                 std::to_string(need_ - std::max(count, 0)) + " more wait for a drain to finish");
      }
    }
    if (surplus_old > 0) startDrains(std::move(old_candidates), surplus_old, true);
    if (surplus_new > 0) startDrains(std::move(new_candidates), surplus_new, true);
  }

  // --- SessionTier: shards with stable ordinals --------------------------------------------

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
  std::string shardNameFor(std::int32_t k, const std::string& inc,
                           const std::vector<const ObservedPod*>& old) const {
    const std::string base = shardPodName(policy_.tier_name, k, inc);
    const auto ofThisIncarnation = [&base](const ObservedPod* pod) {
      return pod->name == base || pod->name.rfind(base + "-m", 0) == 0;
    };
    for (const ObservedPod* pod : old) {
      if (pod->departure && pod->revision == policy_.update_revision && !restartDue(*pod) &&
          ofThisIncarnation(pod)) {
        return movedShardPodName(pod->name, base);
      }
    }
    for (const ObservedPod* pod : replaceable_) {
      if (pod->ordinal == k && ofThisIncarnation(pod)) return movedShardPodName(pod->name, base);
    }
    return base;
  }

  void planShards() {
    std::vector<ShardCreate> creates;
    std::vector<Candidate> candidates;
    std::vector<Candidate> awaiting_successor;  // queued to drain, not candidates yet
    std::int32_t wanted_drains = 0;
    std::int32_t names_in_use = 0;  // shards whose new pod's name is still taken
    const std::string inc = incarnationPart();
    for (std::int32_t k = 0; k < policy_.replicas; ++k) {
      std::vector<const ObservedPod*> updated;
      std::vector<const ObservedPod*> old;
      for (const ObservedPod& pod : state_.pods) {
        if (pod.ordinal != k || !isLiveServing(pod)) continue;
        (needsReplacing(pod) ? old : updated).push_back(&pod);
      }
      const bool keep_old = k < policy_.partition;
      if (!old.empty() && !keep_old) ++plan_.assessment.outdated_pods;
      if (updated.empty() && (old.empty() || !keep_old) && backingOff(k)) {
        ++names_in_use;  // counted as still to create, as the backoff holds it back
      } else if (updated.empty() && (old.empty() || !keep_old)) {
        // Never two new pods for one shard: its name is fixed per incarnation
        // (and per move off a leaving node: movedShardPodName).
        const std::string name = shardNameFor(k, inc, old);
        if (taken_.contains(name)) {
          ++names_in_use;
          wait(WaitReason::WaitingForPodGone, name,
               "shard " + std::to_string(k) + " waits for the old " + name + " to be gone");
        } else {
          std::int64_t sessions = std::numeric_limits<std::int64_t>::max();
          for (const ObservedPod* pod : old) {
            if (const DrainReading* r = knownReading(*pod))
              sessions = std::min(sessions, r->sessions);
          }
          creates.push_back(ShardCreate{k, name, old.empty() ? 0 : 1, sessions});
        }
      }
      // The pod that takes over the shard: the available updated one.
      const ObservedPod* successor = nullptr;
      for (const ObservedPod* pod : updated) {
        if (isAvailable(*pod) && (successor == nullptr || pod->name < successor->name))
          successor = pod;
      }
      if (keep_old) {
        // Partition: the old pod keeps the shard; a second pod is surplus.
        const ObservedPod* keeper = !old.empty() ? old.front() : successor;
        for (const ObservedPod* pod : old) {
          if (pod != keeper) candidates.push_back(Candidate{pod, keeper->name});
        }
        for (const ObservedPod* pod : updated) {
          if (pod != keeper && keeper != nullptr)
            candidates.push_back(Candidate{pod, keeper->name});
        }
      } else if (successor != nullptr || policy_.max_surge == 0) {
        const std::string successor_name = successor != nullptr ? successor->name : "";
        for (const ObservedPod* pod : old) candidates.push_back(Candidate{pod, successor_name});
        for (const ObservedPod* pod : updated) {
          if (successor != nullptr && pod != successor)
            candidates.push_back(Candidate{pod, successor_name});
        }
      } else {
        for (const ObservedPod* pod : old) awaiting_successor.push_back(Candidate{pod, ""});
      }
    }
    // Shards beyond the shard count: drained away with no successor.
    for (const ObservedPod& pod : state_.pods) {
      if (isLiveServing(pod) && (pod.ordinal < 0 || pod.ordinal >= policy_.replicas)) {
        candidates.push_back(Candidate{&pod, ""});
        ++plan_.assessment.surplus_pods;
      }
    }
    need_ = static_cast<std::int32_t>(creates.size());
    wanted_drains = static_cast<std::int32_t>(candidates.size());
    const std::int32_t creatable = need_;
    need_ += names_in_use;
    awaiting_successor.insert(awaiting_successor.end(), candidates.begin(), candidates.end());
    queueDrains(std::move(awaiting_successor), std::numeric_limits<std::int32_t>::max());
    if (blocked()) return;

    std::sort(creates.begin(), creates.end(), [](const ShardCreate& a, const ShardCreate& b) {
      return std::tie(a.rank, a.sessions, a.ordinal) < std::tie(b.rank, b.sessions, b.ordinal);
    });
    const std::int32_t count = std::min(creatable, surgeBudget());
    for (std::int32_t i = 0; i < count; ++i) {
      const std::int32_t k = creates[static_cast<std::size_t>(i)].ordinal;
      createPod(creates[static_cast<std::size_t>(i)].name, k, takeReplaceable(k));
    }
    if (count < creatable) {
      wait(WaitReason::SurgeLimit, "",
           std::to_string(total_) + " pods exist (replicas " + std::to_string(policy_.replicas) +
               " + maxSurge " + std::to_string(policy_.max_surge) + ")");
    }
    if (wanted_drains > 0) startDrains(std::move(candidates), wanted_drains, true);
  }

  // --- deleting the tier -------------------------------------------------------------------

  // --cascade=orphan: the user keeps the pods, so nothing is drained or
  // deleted; a drain under way is cancelled (the pod goes on serving, as the
  // user asked), then the finalizer goes and the garbage collector takes the
  // owner references off.
  void planOrphaning() {
    for (const ObservedPod& pod : state_.pods) {
      if (!isLiveDraining(pod)) continue;
      cancelled_.insert(pod.name);
      PlanFragment part;
      cancelDrain(part, pod,
                  "drain of " + pod.name + " cancelled: tier " + policy_.tier_name +
                      " deleted, pods orphaned");
      part.appendTo(plan_);
    }
    plan_.actions.push_back(ReleaseFinalizer{});
    emit(event::kFinalizerRemoved, "",
         "tier " + policy_.tier_name + " deleted with its pods orphaned; finalizer removed");
  }

  void planDeletion() {
    std::vector<Candidate> candidates;
    std::int32_t live = 0;
    for (const ObservedPod& pod : state_.pods) {
      if (pod.terminating) continue;
      ++live;
      if (isLive(pod) && pod.role == PodRole::Serving) candidates.push_back(Candidate{&pod, ""});
    }
    if (live == 0) {
      plan_.actions.push_back(ReleaseFinalizer{});
      emit(event::kFinalizerRemoved, "",
           "every pod of " + policy_.tier_name + " drained; finalizer removed");
      return;
    }
    queueDrains(candidates, static_cast<std::int32_t>(candidates.size()));
    if (!candidates.empty()) {
      // Going away: no availability floor, but still one drain at a time (or
      // maxConcurrentDrains), so that the tier's sessions migrate at a pace.
      const auto wanted = static_cast<std::int32_t>(candidates.size());
      startDrains(std::move(candidates), wanted, false);
    }
  }

  const ObservedState& state_;
  const RolloutPolicy& policy_;
  TimePoint now_;
  Plan plan_;
  std::set<std::string, std::less<>> taken_;  // names of pods that exist or are planned
  std::set<std::string, std::less<>> cancelled_;
  std::set<std::string, std::less<>> adopted_;   // stray drains recorded in this pass
  std::vector<const ObservedPod*> backing_off_;  // failed, waiting out their backoff
  std::vector<const ObservedPod*> replaceable_;  // failed, backoff passed
  std::set<std::string, std::less<>> replaced_;  // of those, replaced in this pass
  std::map<std::string, std::string, std::less<>> replacement_of_;  // failed pod -> new pod
  std::int32_t total_ = 0;                                          // against replicas + maxSurge
  std::int32_t draining_ = 0;                                       // against maxConcurrentDrains
  std::int32_t draining_at_start_ = 0;
  std::int32_t awaiting_request_ = 0;  // labelled draining, workload serving
  std::int32_t restarted_drains_ = 0;  // of those, asked again in this pass
  std::int32_t available_ = 0;         // against replicas - maxUnavailable
  std::int32_t need_ = 0;              // pods still to create
  bool all_live_available_ = true;
};

}  // namespace

Plan planRollout(const ObservedState& state) {
  return Planner(state).run();
}

}  // namespace baton::rollout
