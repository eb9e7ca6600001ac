// PURE: what the canary's signals say now. Each signal is Passing, Failing
// or Unknown; any Failing one rolls the canary back, an Unknown one never
// passes a bake that needs it (docs/canary.md, "Signals").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rollout/canary.h"

namespace baton::rollout {

struct SignalInput {
  const CanaryPolicy* canary = nullptr;
  const RolloutPolicy* policy = nullptr;
  std::string revision;  // the canary's: whose pods are judged
  const std::vector<ObservedPod>* pods = nullptr;
  const std::map<std::string, DrainReading>* readings = nullptr;
  bool baking = false;  // the step's pods were all available: now they must stay Ready
  // The Prometheus query's latest answer taken during this bake, if any.
  std::optional<MetricReading> metric;
};

// The canary revision's live pods: Failing when one failed, crash-loops,
// restarted at all, or (baking) is not Ready.
SignalReading podHealth(const SignalInput& in);

// The pods' own verdicts: Failing on any unhealthy one, Unknown when none
// reports a verdict (no opinion), else Passing.
SignalReading workloadVerdict(const SignalInput& in);

// The query's value against [min, max]; Unknown before the first answer of
// this bake or when the answer is unknown.
SignalReading prometheusSignal(const PrometheusPolicy& check,
                               const std::optional<MetricReading>& metric);

// Every signal the tier asks for, in a fixed order: PodHealth,
// WorkloadVerdict (unless turned off), Prometheus (only while baking).
std::vector<SignalReading> readSignals(const SignalInput& in);

}  // namespace baton::rollout
