#include "rollout/canary_progress.h"

#include <algorithm>

#include "api/contract.h"
#include "rollout/canary_signals.h"
#include "rollout/canary_steps.h"
#include "rollout/quantity_format.h"

namespace baton::rollout {
namespace {

namespace event = baton::api::event;

std::string stepLabel(const CanaryInput& in, std::int32_t step) {
  const auto total = static_cast<std::int32_t>(in.canary->steps.size());
  const std::int32_t pods =
      stepReplicas(in.canary->steps[static_cast<std::size_t>(step)], in.policy->replicas);
  return "canary step " + std::to_string(step + 1) + " of " + std::to_string(total) + " (" +
         std::to_string(pods) + (pods == 1 ? " pod" : " pods") + " of revision " +
         in.record.revision + ")";
}

void rollBack(CanaryOutcome& out, const CanaryInput& in, const SignalReading& signal) {
  std::string message = signal.message;
  if (!signal.value.empty() && message.find(signal.value) == std::string::npos) {
    message = signal.value + ": " + message;
  }
  out.record.state = CanaryState::RolledBack;
  out.record.bake_ends_at.reset();
  out.record.rollback =
      CanaryRollbackRecord{in.record.revision, signal.name, std::move(message), in.now};
  out.persist_first = true;
  out.message = "canary of revision " + in.record.revision + " rolled back on " + signal.name +
                ": " + out.record.rollback->message;
  out.events.push_back(PlannedEvent{event::kCanaryRolledBack, "", out.message, true});
}

void passStep(CanaryOutcome& out, const CanaryInput& in, bool promoted, bool full) {
  const auto total = static_cast<std::int32_t>(in.canary->steps.size());
  const std::string label = stepLabel(in, out.record.step);
  out.events.push_back(PlannedEvent{
      promoted ? event::kCanaryPromoted : event::kCanaryStepPassed, "",
      label + (promoted ? " promoted" : " passed") + (full ? "; every step left skipped" : ""),
      false});
  out.record.step = full ? total : out.record.step + 1;
  out.record.bake_ends_at.reset();
  out.record.state = out.record.step >= total ? CanaryState::Complete : CanaryState::Scaling;
  out.persist_first = true;
  out.message = out.record.step >= total
                    ? "canary of revision " + in.record.revision + " passed; rolling out the rest"
                    : stepLabel(in, out.record.step) + ": creating pods";
}

}  // namespace

CanaryOutcome advanceCanary(const CanaryInput& in) {
  CanaryOutcome out;
  out.record = in.record;
  CanaryRecord& record = out.record;
  const auto total = static_cast<std::int32_t>(in.canary->steps.size());
  if (record.state == CanaryState::RolledBack) {
    out.message = "canary of revision " + record.revision + " rolled back on " +
                  record.rollback->signal + ": " + record.rollback->message;
    return out;
  }
  if (record.state == CanaryState::Complete || record.step >= total) {
    record.state = CanaryState::Complete;
    record.signals.clear();
    return out;
  }
  if (!in.requests.abort.empty() && in.requests.abort == record.revision) {
    rollBack(out, in,
             SignalReading{std::string(kSignalAbort), SignalStatus::Failing, "aborted",
                           "aborted by request (annotation baton.dev/abort)"});
    return out;
  }
  const bool baking = in.step_reached;
  if (!baking) {
    record.state = CanaryState::Scaling;
    record.bake_ends_at.reset();
  } else if (!record.bake_ends_at) {
    record.bake_ends_at = in.now + in.canary->steps[static_cast<std::size_t>(record.step)].bake;
  }
  const CanaryStepPolicy& step = in.canary->steps[static_cast<std::size_t>(record.step)];
  // Only an answer taken during this bake speaks for it.
  std::optional<MetricReading> metric;
  if (baking && in.metric && in.metric->read_at >= *record.bake_ends_at - step.bake) {
    metric = in.metric;
  }
  SignalInput signal_in{in.canary,   in.policy, record.revision, in.pods,
                        in.readings, baking,    metric};
  record.signals = readSignals(signal_in);
  for (const SignalReading& signal : record.signals) {
    if (signal.status == SignalStatus::Failing) {
      rollBack(out, in, signal);
      return out;
    }
  }
  const std::string label = stepLabel(in, record.step);
  if (!baking) {
    out.message = label + ": waiting for its pods";
    return out;
  }
  const std::string prefix = in.record.revision + "/";
  const bool full = in.requests.promote == prefix + "full";
  const bool promoted = full || in.requests.promote == prefix + std::to_string(record.step);
  if (promoted) {
    passStep(out, in, true, full);
    return out;
  }
  if (in.canary->prometheus) {
    const TimePoint due = metric ? metric->read_at + in.canary->prometheus->interval : in.now;
    out.metric_due_at = std::max(due, in.now);
    out.requeue_at = out.metric_due_at;
  }
  if (in.now < *record.bake_ends_at) {
    record.state = CanaryState::Baking;
    const auto left = std::chrono::ceil<Seconds>(*record.bake_ends_at - in.now);
    out.message = label + ": baking, " + formatDuration(left) + " left";
    if (!out.requeue_at || *record.bake_ends_at < *out.requeue_at) {
      out.requeue_at = record.bake_ends_at;
    }
    return out;
  }
  for (const SignalReading& signal : record.signals) {
    if (signal.name == kSignalPrometheus && signal.status != SignalStatus::Passing) {
      record.state = CanaryState::Baking;
      out.message = label + ": baked; waiting for a value from Prometheus (" + signal.message + ")";
      return out;
    }
  }
  if (step.wait_for_promote) {
    record.state = CanaryState::AwaitingPromotion;
    out.message = label + ": baked; waiting for kubectl baton promote";
    return out;
  }
  passStep(out, in, false, false);
  return out;
}

}  // namespace baton::rollout
