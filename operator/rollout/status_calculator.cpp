#include "rollout/status_calculator.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "api/contract.h"
#include "rollout/pod_predicates.h"
#include "rollout/quantity_format.h"

namespace baton::rollout {
namespace {

namespace api = baton::api;
namespace reason = baton::api::reason;

// Known and from the instance the drain was recorded for (a restarted pod's
// count says nothing about the drain).
std::optional<std::int64_t> drainCount(const ObservedState& state, const ObservedPod& pod) {
  const auto it = state.readings.find(pod.name);
  if (it == state.readings.end() || !it->second.known) return std::nullopt;
  if (pod.drain_instance_id.empty() || it->second.instance_id != pod.drain_instance_id) {
    return std::nullopt;
  }
  return it->second.sessions;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

const Condition* findCondition(const std::vector<Condition>& conditions, std::string_view type) {
  for (const Condition& condition : conditions) {
    if (condition.type == type) return &condition;
  }
  return nullptr;
}

class ConditionBuilder {
 public:
  ConditionBuilder(const std::vector<Condition>& previous, std::int64_t generation, TimePoint now)
      : previous_(previous), generation_(generation), now_(now) {}

  void set(std::string_view type, std::string_view status, std::string_view why,
           std::string message) {
    Condition condition{std::string(type),  std::string(status), std::string(why),
                        std::move(message), generation_,         now_};
    // Kubernetes convention: lastTransitionTime moves only when status does.
    if (const Condition* before = findCondition(previous_, type);
        before != nullptr && before->status == condition.status) {
      condition.last_transition_time = before->last_transition_time;
    }
    conditions_.push_back(std::move(condition));
  }

  const Condition* find(std::string_view type) const { return findCondition(conditions_, type); }

  std::vector<Condition> take() { return std::move(conditions_); }

 private:
  const std::vector<Condition>& previous_;
  std::int64_t generation_;
  TimePoint now_;
  std::vector<Condition> conditions_;
};

std::string drainLine(const DrainingPodStatus& drain) {
  // "evacuating relay-3 from node n7 (cordoned): 41,200 sessions left, ETA 40s"
  std::string line = drain.departure
                         ? "evacuating " + drain.pod + " from " + *drain.departure + ": "
                         : "draining " + drain.pod + ": ";
  if (!drain.sessions_now) return line + "session count unknown";
  line += formatCount(*drain.sessions_now) + " sessions left";
  if (drain.eta) line += ", ETA " + formatDuration(*drain.eta);
  return line;
}

// "pod relay-new-7 failed 4 times in a row (container relay: Error, exit code
// 127); replaced again in 40s".
std::string failingMessage(const RolloutAssessment::FailingPod& pod, TimePoint now) {
  using How = RolloutAssessment::FailingPod::How;
  const std::string why = pod.failure.empty() ? "" : " (" + pod.failure + ")";
  switch (pod.how) {
    case How::CrashLooping:
      return "pod " + pod.pod + " keeps crashing" + why;
    case How::Replacement:
      return "pod " + pod.pod + " replaces a pod that failed " +
             std::to_string(pod.failures_in_a_row) + " times in a row; not available yet";
    case How::Failed:
      break;
  }
  std::string message = "pod " + pod.pod + " failed " + std::to_string(pod.failures_in_a_row) +
                        " times in a row" + why;
  if (pod.replace_at) {
    const auto left = std::max(Seconds(0), std::chrono::ceil<Seconds>(*pod.replace_at - now));
    message += "; replaced again in " + formatDuration(left);
  }
  return message;
}

// Reconciling and Ready, for kstatus (Flux, Helm 4 --wait, kpt), which
// reads Reconciling=True as InProgress before it looks at Stalled: so
// Reconciling is False whenever Stalled is True, and a tier waiting for a
// person reads Failed, not InProgress. Derived from the phase and Stalled as
// already decided, so that every path to them is covered.
void setKstatusConditions(ConditionBuilder& conditions, const TierStatus& status, bool paused,
                          std::string_view step) {
  const Condition* stalled = conditions.find(api::kConditionStalled);
  const bool is_stalled = stalled != nullptr && stalled->status == "True";
  const bool working = !is_stalled && status.phase == api::Phase::Progressing;
  // A copy: set() below grows the list that `stalled` points into.
  std::string why(step);
  if (is_stalled) {
    why = stalled->reason;
  } else if (status.phase == api::Phase::Healthy) {
    why = reason::kRolloutComplete;
  } else if (paused && !working) {
    why = reason::kPausedBySpec;
  }
  conditions.set(api::kConditionReconciling, working ? "True" : "False", why, status.message);
  conditions.set(api::kConditionReady, status.phase == api::Phase::Healthy ? "True" : "False", why,
                 status.message);
}

}  // namespace

// Worked example. A relay began draining at 12:00:00 holding 20,000
// sessions (annotation drain-sessions-at-start); at 12:02:00 it reports
// 12,800 and the threshold is 100:
//   rate = (20,000 - 12,800) / 120 s = 60 sessions/s   (observed, not the pace:
//          clients also leave on their own, and a slow client slows it down)
//   left = 12,800 - 100 = 12,700
//   ETA  = ceil(12,700 / 60) = 212 s -> "ETA 3m32s"
// Before any session has moved (or if the count went up), the observed rate
// says nothing, so the requested pace stands in: at pace 1,000/s the same
// 12,700 would read "ETA 13s".
DrainProgress drainProgress(std::int64_t sessions_at_start, std::int64_t sessions_now,
                            std::int64_t threshold, Seconds elapsed, double pace) {
  DrainProgress progress;
  const std::int64_t moved = sessions_at_start - sessions_now;
  if (moved > 0 && elapsed.count() > 0) {
    progress.rate = static_cast<double>(moved) / static_cast<double>(elapsed.count());
  } else if (pace > 0) {
    progress.rate = pace;
  }
  const std::int64_t left = std::max<std::int64_t>(0, sessions_now - threshold);
  if (left == 0) {
    progress.eta = Seconds{0};
  } else if (progress.rate && *progress.rate > 0) {
    progress.eta =
        Seconds{static_cast<std::int64_t>(std::ceil(static_cast<double>(left) / *progress.rate))};
  }
  return progress;
}

StatusResult calculateStatus(const ObservedState& state, const Plan& plan,
                             const std::vector<Condition>& previous_conditions,
                             const std::optional<CanaryView>& canary) {
  const RolloutPolicy& policy = state.policy;
  const TimePoint now = state.now;
  StatusResult result;
  TierStatus& status = result.status;
  status.observed_generation = policy.generation;
  status.update_revision = policy.update_revision;
  status.canary = canary;
  const CanaryState canary_state = canary ? canary->record.state : CanaryState::Complete;
  const bool rolled_back = canary_state == CanaryState::RolledBack;
  // A canary step reached is not the rollout complete: the current revision
  // stays the one a rollback returns to until every step has passed.
  const RolloutAssessment& assessment = plan.assessment;
  const bool complete = assessment.complete && (canary_state == CanaryState::Complete ||
                                                canary_state == CanaryState::RolledBack);

  std::map<std::string, std::int32_t> outdated_revisions;
  std::optional<TimePoint> newest_unavailable_update;
  for (const ObservedPod& pod : state.pods) {
    const auto reading = state.readings.find(pod.name);
    const bool known = reading != state.readings.end() && reading->second.known;
    // Terminating pods' sessions are moving elsewhere (or being cut): counted
    // there once they reconnect, not twice.
    if (!isLive(pod)) continue;
    if (known) status.total_sessions += reading->second.sessions;
    ++status.replicas;
    if (!known) ++status.unknown_session_pods;
    if (pod.ready) ++status.ready_replicas;
    if (isAvailable(policy, pod, now)) ++status.available_replicas;
    const bool updated = isUpdated(policy, pod, now);
    if (updated && pod.role == PodRole::Serving) {
      ++status.updated_replicas;
      if (!isAvailable(policy, pod, now) &&
          (!newest_unavailable_update || pod.created_at > *newest_unavailable_update)) {
        newest_unavailable_update = pod.created_at;
      }
    }
    if (pod.revision != policy.update_revision) ++outdated_revisions[pod.revision];
  }

  for (const ObservedPod& pod : state.pods) {
    if (pod.role != PodRole::Draining || isFailed(pod)) continue;
    DrainingPodStatus drain;
    drain.pod = pod.name;
    drain.sessions_at_start = pod.drain_sessions_at_start;
    drain.sessions_now = drainCount(state, pod);
    drain.step_started_at = pod.drain_started_at;
    drain.departure = pod.departure;
    if (pod.drain_started_at && policy.drain.timeout) {
      drain.deadline = *pod.drain_started_at + *policy.drain.timeout;
    }
    drain.timed_out = contains(plan.assessment.timed_out_paused, pod.name) ||
                      (drain.deadline && now >= *drain.deadline);
    if (drain.sessions_now) {
      const std::int64_t at_start = drain.sessions_at_start.value_or(*drain.sessions_now);
      const Seconds elapsed = pod.drain_started_at
                                  ? std::chrono::duration_cast<Seconds>(now - *pod.drain_started_at)
                                  : Seconds{0};
      const DrainProgress progress = drainProgress(
          at_start, *drain.sessions_now, policy.drain.threshold, elapsed, policy.drain.pace);
      drain.rate = progress.rate;
      drain.eta = progress.eta;
    }
    if (drain.step_started_at &&
        (!status.step_started_at || *drain.step_started_at < *status.step_started_at)) {
      status.step_started_at = drain.step_started_at;
    }
    status.draining_pods.push_back(std::move(drain));
  }
  std::sort(status.draining_pods.begin(), status.draining_pods.end(),
            [](const DrainingPodStatus& a, const DrainingPodStatus& b) { return a.pod < b.pod; });
  if (!status.step_started_at) status.step_started_at = newest_unavailable_update;

  if (complete) {
    status.current_revision = policy.update_revision;
  } else if (!policy.current_revision.empty()) {
    status.current_revision = policy.current_revision;
  } else if (!outdated_revisions.empty()) {
    status.current_revision =
        std::max_element(outdated_revisions.begin(), outdated_revisions.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; })
            ->first;
  } else {
    status.current_revision = policy.update_revision;
  }

  // The message: the one line a person watching most wants to read.
  std::string drains;
  for (const DrainingPodStatus& drain : status.draining_pods) {
    drains += (drains.empty() ? "" : "; ") + drainLine(drain);
  }
  std::string first_wait;
  for (const Wait& wait : plan.waits) {
    if (wait.reason != WaitReason::Paused && wait.reason != WaitReason::DrainInProgress) {
      first_wait = wait.message;
      break;
    }
  }

  ConditionBuilder conditions(previous_conditions, policy.generation, now);
  const std::int32_t floor = std::max(0, policy.replicas - policy.max_unavailable);
  if (status.available_replicas >= floor) {
    conditions.set(api::kConditionAvailable, "True", reason::kMinimumPodsAvailable,
                   std::to_string(status.available_replicas) + " of " +
                       std::to_string(policy.replicas) + " pods available");
  } else {
    conditions.set(api::kConditionAvailable, "False", reason::kMinimumPodsUnavailable,
                   std::to_string(status.available_replicas) + " of " +
                       std::to_string(policy.replicas) + " pods available, fewer than " +
                       std::to_string(floor));
  }

  // Pods that keep failing come first: a missed progress deadline is often
  // only their consequence, and the failure says what to fix.
  // A refused create comes first of all: nothing can go on until the
  // template, the namespace's quota or its admission policy change.
  const bool refused = state.create_refused.has_value() && !policy.deleting;
  const bool failing = !assessment.failing_pods.empty();
  const bool unreadable = state.unreadable_since && policy.progress_deadline &&
                          now - *state.unreadable_since >= *policy.progress_deadline;
  const bool degraded =
      rolled_back || refused || failing || unreadable || !assessment.deadline_exceeded.empty();
  const std::string_view degraded_reason = rolled_back  ? reason::kCanaryRolledBack
                                           : refused    ? reason::kFailedCreate
                                           : failing    ? reason::kPodsFailing
                                           : unreadable ? reason::kSessionCountsUnknown
                                                        : reason::kProgressDeadlineExceeded;
  const bool drain_stalled = !assessment.timed_out_paused.empty();
  std::string stalled_message;
  if (rolled_back) {
    // The rollback moves sessions back through the drain: say how far it is.
    stalled_message = canary->message + (drains.empty() ? "" : "; " + drains);
  } else if (refused) {
    stalled_message = "creating pod " + state.create_refused->pod +
                      " was refused by the API server: " + state.create_refused->message;
  } else if (failing) {
    stalled_message = failingMessage(assessment.failing_pods.front(), now);
  } else if (unreadable) {
    stalled_message =
        "every pod that could drain next has had an unknown session count for " +
        formatDuration(std::chrono::duration_cast<Seconds>(now - *state.unreadable_since)) +
        " (progressDeadlineSeconds " + formatDuration(*policy.progress_deadline) +
        "); none is drained blind: check their drain endpoints";
  } else if (degraded) {
    stalled_message =
        "pod " + assessment.deadline_exceeded.front() + " not Ready within progressDeadlineSeconds";
  } else if (drain_stalled) {
    for (const Wait& wait : plan.waits) {
      if (wait.reason == WaitReason::DrainTimedOutPaused) {
        stalled_message = wait.message;
        break;
      }
    }
  }

  // Progressing, and the phase that goes with it.
  std::string_view progressing_reason;
  if (policy.deleting) {
    status.phase = api::Phase::Progressing;
    progressing_reason = reason::kDeleting;
    status.message = "deleting: " + (drains.empty() ? first_wait : drains);
    if (status.message == "deleting: ") status.message = "deleting: removing the last pods";
    conditions.set(api::kConditionProgressing, "True", reason::kDeleting, status.message);
  } else if (degraded) {
    status.phase = api::Phase::Degraded;
    progressing_reason = degraded_reason;
    status.message = stalled_message;
    conditions.set(api::kConditionProgressing, "False", degraded_reason, stalled_message);
  } else if (complete) {
    status.phase = api::Phase::Healthy;  // paused or not: nothing is left to do
    progressing_reason = reason::kRolloutComplete;
    status.message = std::to_string(status.updated_replicas) + " of " +
                     std::to_string(policy.replicas) + " pods at revision " +
                     policy.update_revision;
    conditions.set(api::kConditionProgressing, "True", reason::kRolloutComplete, status.message);
  } else {
    const bool awaiting_promotion = canary_state == CanaryState::AwaitingPromotion;
    status.phase = (policy.paused || drain_stalled || awaiting_promotion) ? api::Phase::Paused
                                                                          : api::Phase::Progressing;
    bool creating = false;
    for (const Action& action : plan.actions) creating |= std::holds_alternative<CreatePod>(action);
    if (!status.draining_pods.empty()) {
      // Drains of pods already at the update revision are a scale-down.
      const bool all_updated =
          std::all_of(state.pods.begin(), state.pods.end(), [&](const ObservedPod& pod) {
            return pod.role != PodRole::Draining || isUpdated(policy, pod, now);
          });
      const bool evacuating = std::any_of(
          state.pods.begin(), state.pods.end(),
          [](const ObservedPod& pod) { return pod.role == PodRole::Draining && pod.departure; });
      progressing_reason = evacuating    ? reason::kEvacuating
                           : all_updated ? reason::kScalingDown
                                         : reason::kDraining;
    } else if (creating) {
      progressing_reason = reason::kCreatingPod;
    } else if (status.updated_replicas > status.available_replicas) {
      progressing_reason = reason::kWaitingForReady;
    } else if (assessment.outdated_pods == 0 && assessment.surplus_pods > 0) {
      progressing_reason = reason::kScalingDown;
    } else {
      progressing_reason = reason::kCreatingPod;
    }
    if (canary_state == CanaryState::Baking) progressing_reason = reason::kCanaryBaking;
    if (awaiting_promotion) progressing_reason = reason::kCanaryAwaitingPromotion;
    if (drain_stalled) {
      status.message = stalled_message;
    } else if (canary && canary_state != CanaryState::Complete) {
      status.message = canary->message + (drains.empty() ? "" : "; " + drains);
    } else if (policy.paused) {
      status.message = "paused by spec.rollout.paused" + (drains.empty() ? "" : "; " + drains);
    } else if (!drains.empty()) {
      status.message = drains;
    } else {
      status.message = first_wait.empty()
                           ? std::string("rolling out revision ") + policy.update_revision
                           : first_wait;
    }
    // Deployment's convention: a paused rollout is neither progressing nor failing.
    const bool held = policy.paused || awaiting_promotion;
    conditions.set(api::kConditionProgressing, held ? "Unknown" : "True",
                   policy.paused ? reason::kPausedBySpec : progressing_reason, status.message);
  }

  if (!policy.deleting && policy.paused) {
    conditions.set(api::kConditionPaused, "True", reason::kPausedBySpec,
                   "spec.rollout.paused is true");
  } else if (!policy.deleting && drain_stalled) {
    conditions.set(api::kConditionPaused, "True", reason::kDrainTimedOut, stalled_message);
  } else if (!policy.deleting && !degraded && canary_state == CanaryState::AwaitingPromotion) {
    conditions.set(api::kConditionPaused, "True", reason::kCanaryAwaitingPromotion, status.message);
  } else {
    conditions.set(api::kConditionPaused, "False", reason::kNotPaused, "");
  }
  if (degraded) {
    conditions.set(api::kConditionStalled, "True", degraded_reason, stalled_message);
  } else if (drain_stalled) {
    conditions.set(api::kConditionStalled, "True", reason::kDrainTimedOut, stalled_message);
  } else {
    conditions.set(api::kConditionStalled, "False", reason::kNotStalled, "");
  }
  setKstatusConditions(conditions, status, policy.paused, progressing_reason);
  status.conditions = conditions.take();

  // Events for transitions, judged against the conditions as last written.
  const auto before = [&](std::string_view type) {
    return findCondition(previous_conditions, type);
  };
  const auto now_is = [&](std::string_view type) { return findCondition(status.conditions, type); };
  const Condition* paused_before = before(api::kConditionPaused);
  const Condition* paused_now = now_is(api::kConditionPaused);
  if (paused_now->status == "True" &&
      (paused_before == nullptr || paused_before->status != "True")) {
    result.events.push_back(PlannedEvent{api::event::kRolloutPaused, "", paused_now->message,
                                         paused_now->reason == reason::kDrainTimedOut});
  } else if (paused_now->status != "True" && paused_before != nullptr &&
             paused_before->status == "True") {
    result.events.push_back(
        PlannedEvent{api::event::kRolloutResumed, "", "rollout resumed", false});
  }
  const Condition* stalled_before = before(api::kConditionStalled);
  const Condition* stalled_now = now_is(api::kConditionStalled);
  if (stalled_now->status == "True" && stalled_now->reason == reason::kProgressDeadlineExceeded &&
      (stalled_before == nullptr || stalled_before->status != "True" ||
       stalled_before->reason != stalled_now->reason)) {
    result.events.push_back(
        PlannedEvent{api::event::kProgressDeadlineExceeded, "", stalled_now->message, true});
  }
  if (stalled_now->status == "True" && stalled_now->reason == reason::kPodsFailing &&
      (stalled_before == nullptr || stalled_before->status != "True" ||
       stalled_before->reason != stalled_now->reason)) {
    result.events.push_back(PlannedEvent{api::event::kPodsFailing, "", stalled_now->message, true});
  }
  // onTimeout Pause: the planner only waits, so the Event that a drain timed
  // out comes from here, once, as the tier stalls on it.
  if (stalled_now->status == "True" && stalled_now->reason == reason::kDrainTimedOut &&
      (stalled_before == nullptr || stalled_before->status != "True" ||
       stalled_before->reason != stalled_now->reason)) {
    result.events.push_back(
        PlannedEvent{api::event::kDrainTimedOut, "", stalled_now->message, true});
  }
  const Condition* progressing_before = before(api::kConditionProgressing);
  const bool was_complete =
      progressing_before != nullptr && progressing_before->reason == reason::kRolloutComplete;
  if (progressing_reason == reason::kRolloutComplete && !was_complete) {
    result.events.push_back(
        PlannedEvent{api::event::kRolloutCompleted, "",
                     "rollout to revision " + policy.update_revision + " complete", false});
  } else if (was_complete && progressing_reason != reason::kRolloutComplete && !policy.deleting &&
             assessment.outdated_pods > 0) {
    result.events.push_back(PlannedEvent{api::event::kRolloutStarted, "",
                                         "rolling out revision " + policy.update_revision, false});
  }
  return result;
}

}  // namespace baton::rollout
