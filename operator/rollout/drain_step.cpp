#include "rollout/drain_step.h"

#include "api/contract.h"
#include "rollout/quantity_format.h"
#include "rollout/rollout_budget.h"

namespace baton::rollout {
namespace {

namespace event = baton::api::event;

class Step {
 public:
  explicit Step(const DrainStepInput& in) : in_(in), pod_(*in.pod), policy_(*in.policy) {}

  DrainStep run() {
    const DrainReading* reading = in_.reading;
    const bool same_instance = reading != nullptr && pod_.drain_started_at &&
                               !pod_.drain_instance_id.empty() &&
                               reading->instance_id == pod_.drain_instance_id;
    const std::optional<TimePoint> deadline =
        pod_.drain_started_at ? deadlineOf(*pod_.drain_started_at) : std::nullopt;
    const bool timed_out = deadline && in_.now >= *deadline;
    if (deadline && !timed_out) out_.requeue_at = *deadline;

    if (pod_.skip_drain) {
      const std::optional<std::int64_t> left =
          same_instance ? std::optional<std::int64_t>(reading->sessions) : std::nullopt;
      deletePod(DeleteReason::SkipDrain, left);
      emit(event::kDrainSkipped, "drain of " + pod_.name + " skipped by request", true);
      emit(event::kPodDeleted, "deleted " + pod_.name + " (drain skipped)");
      return std::move(out_);
    }
    if (same_instance && reading->state != DrainState::Serving &&
        reading->sessions <= policy_.drain.threshold) {
      deletePod(DeleteReason::Drained, reading->sessions);
      emit(event::kDrainCompleted,
           "pod " + pod_.name + " drained: " + formatCount(reading->sessions) +
               " sessions left (threshold " + formatCount(policy_.drain.threshold) + ")");
      emit(event::kPodDeleted, "deleted drained pod " + pod_.name);
      return std::move(out_);
    }
    if (timed_out && policy_.drain.on_timeout == OnTimeout::Proceed) {
      const std::optional<std::int64_t> cut =
          same_instance ? std::optional<std::int64_t>(reading->sessions) : in_.last_known_sessions;
      deletePod(DeleteReason::TimeoutProceed, cut);
      const std::string cut_text = cut ? formatCount(*cut) : std::string("an unknown number of");
      emit(event::kDrainTimedOut, "drain of " + pod_.name + " timed out; onTimeout Proceed", true);
      emit(event::kSessionsCut, "deleting " + pod_.name + " cuts " + cut_text + " sessions", true);
      emit(event::kPodDeleted, "deleted " + pod_.name + " after drain timeout");
      return std::move(out_);
    }

    // The pod stays. Keep its drain alive and say why it stays.
    if (reading != nullptr && reading->state == DrainState::Serving && !in_.slot_free) {
      // Asking it again would start a drain: it waits for a slot; timeouts
      // still apply below.
      wait(WaitReason::ConcurrentDrainLimit,
           "pod " + pod_.name + " waits to be asked to drain: " + std::to_string(in_.draining) +
               " pod(s) draining (maxConcurrentDrains " +
               std::to_string(policy_.max_concurrent_drains) + ")");
    } else if (reading != nullptr && !same_instance) {
      // Restarted (or never recorded): the new instance's count is not a
      // drain result. Re-arm the record for this instance, keeping the start
      // so the timeout is not extended, and ask again.
      const TimePoint started = pod_.drain_started_at.value_or(in_.now);
      const std::optional<TimePoint> rearmed_deadline = deadlineOf(started);
      out_.plan.actions.push_back(MarkDraining{pod_.name, pod_.uid, reading->instance_id, started,
                                               reading->sessions, rearmed_deadline,
                                               pod_.drain_successor});
      requestDrain(rearmed_deadline);
      out_.took_slot = reading->state == DrainState::Serving;
      emit(event::kDrainInstanceChanged,
           "pod " + pod_.name + " restarted while draining (instance " + reading->instance_id +
               "); its count is not trusted until the new instance drains",
           true);
      wait(WaitReason::DrainInstanceChanged,
           "pod " + pod_.name + " restarted while draining; drain re-requested");
    } else if (same_instance && reading->state == DrainState::Serving) {
      requestDrain(deadline);
      out_.took_slot = true;
    }

    if (timed_out) {
      out_.timed_out_paused = true;
      const std::string left =
          same_instance ? formatCount(reading->sessions) + " sessions left" : "sessions unknown";
      wait(WaitReason::DrainTimedOutPaused,
           "drain of " + pod_.name + " timed out (" + left +
               "); onTimeout Pause: run kubectl baton skip-drain " + pod_.name +
               " or change the drain policy");
    } else if (reading == nullptr) {
      wait(WaitReason::DrainReadingUnknown,
           "cannot read the session count of " + pod_.name + "; it is unknown, not zero");
    } else if (same_instance) {
      const std::string what = pod_.departure
                                   ? "evacuating " + pod_.name + " from " + *pod_.departure
                                   : "draining " + pod_.name;
      wait(WaitReason::DrainInProgress,
           what + ": " + formatCount(reading->sessions) + " sessions left");
    }
    return std::move(out_);
  }

 private:
  std::optional<TimePoint> deadlineOf(TimePoint started) const {
    return drainDeadline(policy_, started);
  }
  void deletePod(DeleteReason reason, std::optional<std::int64_t> left) {
    out_.plan.actions.push_back(DeletePod{pod_.name, pod_.uid, reason, left});
  }
  void requestDrain(std::optional<TimePoint> deadline) {
    out_.plan.actions.push_back(
        RequestDrain{pod_.name, policy_.drain.pace, deadline, pod_.drain_successor, in_.reason});
  }
  void emit(std::string_view reason, std::string message, bool warning = false) {
    out_.plan.emit(reason, pod_.name, std::move(message), warning);
  }
  void wait(WaitReason reason, std::string message) {
    out_.plan.wait(reason, pod_.name, std::move(message));
  }

  const DrainStepInput& in_;
  const ObservedPod& pod_;
  const RolloutPolicy& policy_;
  DrainStep out_;
};

}  // namespace

DrainStep stepDrain(const DrainStepInput& in) {
  return Step(in).run();
}

}  // namespace baton::rollout
