// PURE: the canary's next state, after the planner has run with the
// canary's partition: a step whose pods are all available starts baking; a
// bake that ran its time with every signal passing (or was promoted) passes
// the step; any failing signal, or an abort, rolls the canary back.
//
// A step passed or a rollback decided changes what the planner may do next
// (more pods of the revision, or none at all), so it is written to status
// before any pod is touched (persist_first): a restarted operator resumes
// at the step the status shows and never undoes a step it already took.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "rollout/canary.h"
#include "rollout/plan.h"

namespace baton::rollout {

struct CanaryInput {
  const CanaryPolicy* canary = nullptr;
  CanaryRecord record;  // in force this pass (canary_steps.h)
  const RolloutPolicy* policy = nullptr;
  const std::vector<ObservedPod>* pods = nullptr;
  const std::map<std::string, DrainReading>* readings = nullptr;
  // The planner found nothing left to do under the canary's partition: the
  // step's pods are updated and available, nothing drains.
  bool step_reached = false;
  std::optional<MetricReading> metric;  // the query's latest answer, any time
  CanaryRequests requests;
  TimePoint now{};
};

struct CanaryOutcome {
  CanaryRecord record;
  std::vector<PlannedEvent> events;  // recorded after the status write
  std::optional<TimePoint> requeue_at;
  bool persist_first = false;
  // Query Prometheus on the next pass (it is baking and the last answer is
  // older than the interval, or from before the bake).
  std::optional<TimePoint> metric_due_at;
  std::string message;  // for status.message
};

CanaryOutcome advanceCanary(const CanaryInput& in);

}  // namespace baton::rollout
