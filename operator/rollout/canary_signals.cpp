#include "rollout/canary_signals.h"

#include <cmath>
#include <sstream>

#include "rollout/pod_predicates.h"

namespace baton::rollout {
namespace {

SignalReading reading(std::string_view name, SignalStatus status, std::string value,
                      std::string message) {
  return SignalReading{std::string(name), status, std::move(value), std::move(message)};
}

// The canary revision's pods that hold or may hold sessions.
std::vector<const ObservedPod*> canaryPods(const SignalInput& in) {
  std::vector<const ObservedPod*> pods;
  for (const ObservedPod& pod : *in.pods) {
    if (pod.revision == in.revision && !pod.terminating) pods.push_back(&pod);
  }
  return pods;
}

std::string formatValue(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

}  // namespace

SignalReading podHealth(const SignalInput& in) {
  const auto pods = canaryPods(in);
  for (const ObservedPod* pod : pods) {
    const std::string why = pod->failure.empty() ? "" : " (" + pod->failure + ")";
    if (isFailed(*pod)) {
      return reading(kSignalPodHealth, SignalStatus::Failing, "failed",
                     "pod " + pod->name + " failed" + why);
    }
    if (pod->crash_looping) {
      return reading(kSignalPodHealth, SignalStatus::Failing, "crash-looping",
                     "pod " + pod->name + " keeps crashing" + why);
    }
    if (pod->restarts > 0) {
      return reading(kSignalPodHealth, SignalStatus::Failing,
                     "restarted " + std::to_string(pod->restarts) + " times",
                     "pod " + pod->name + " restarted " + std::to_string(pod->restarts) + " times");
    }
    if (in.baking && pod->role == PodRole::Serving && !pod->ready) {
      return reading(kSignalPodHealth, SignalStatus::Failing, "not ready",
                     "pod " + pod->name + " is not Ready during the bake");
    }
  }
  return reading(kSignalPodHealth, SignalStatus::Passing, std::to_string(pods.size()) + " healthy",
                 "");
}

SignalReading workloadVerdict(const SignalInput& in) {
  std::int32_t healthy = 0;
  for (const ObservedPod* pod : canaryPods(in)) {
    const DrainReading* r = knownReading(*in.readings, *pod);
    if (r == nullptr || !r->verdict) continue;
    if (!r->verdict->healthy) {
      return reading(kSignalWorkloadVerdict, SignalStatus::Failing, "unhealthy",
                     "pod " + pod->name + ": " + r->verdict->reason);
    }
    ++healthy;
  }
  if (healthy == 0) {
    return reading(kSignalWorkloadVerdict, SignalStatus::Unknown, "",
                   "no pod of the revision reports a verdict");
  }
  return reading(kSignalWorkloadVerdict, SignalStatus::Passing, "healthy", "");
}

SignalReading prometheusSignal(const PrometheusPolicy& check,
                               const std::optional<MetricReading>& metric) {
  if (!metric) {
    return reading(kSignalPrometheus, SignalStatus::Unknown, "", "not queried yet in this bake");
  }
  if (!metric->known) {
    return reading(kSignalPrometheus, SignalStatus::Unknown, "", metric->error);
  }
  const std::string value = formatValue(metric->value);
  if (check.max && metric->value > *check.max) {
    return reading(kSignalPrometheus, SignalStatus::Failing, value,
                   "query value " + value + " is above max " + formatValue(*check.max));
  }
  if (check.min && metric->value < *check.min) {
    return reading(kSignalPrometheus, SignalStatus::Failing, value,
                   "query value " + value + " is below min " + formatValue(*check.min));
  }
  return reading(kSignalPrometheus, SignalStatus::Passing, value, "");
}

std::vector<SignalReading> readSignals(const SignalInput& in) {
  std::vector<SignalReading> signals{podHealth(in)};
  if (in.canary->workload_verdict) signals.push_back(workloadVerdict(in));
  if (in.canary->prometheus && in.baking) {
    signals.push_back(prometheusSignal(*in.canary->prometheus, in.metric));
  }
  return signals;
}

}  // namespace baton::rollout
