// PURE: whether the rollout can make progress, as the Deployment
// controller's progress.go judges it: paused by spec, new pods not Ready yet
// or past progressDeadlineSeconds, pods that keep failing. Read-only over
// the observed pods; the planner turns the verdict into waits and requeues.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rollout/observed_state.h"
#include "rollout/plan.h"

namespace baton::rollout {

struct ProgressAssessment {
  bool paused = false;                         // spec.rollout.paused
  bool all_available = true;                   // every live serving pod available, none terminating
  std::vector<std::string> deadline_exceeded;  // updated pods past progressDeadlineSeconds
  std::vector<Wait> waits;                     // why the updated pods hold the rollout back
  // When the verdict changes by time alone (minReadySeconds or a progress
  // deadline passing); never in the past.
  std::optional<TimePoint> requeue_at;
};

ProgressAssessment assessProgress(const RolloutPolicy& policy, const std::vector<ObservedPod>& pods,
                                  TimePoint now);

// kFailuresBeforeStalled failures in a row make the tier Stalled: failed
// pods, and their replacement until it is available (so the status does not
// flap between two failures); and crash-looping pods of the update revision,
// which the kubelet restarts but which never serve. Worst first.
std::vector<RolloutAssessment::FailingPod> failingPods(const RolloutPolicy& policy,
                                                       const std::vector<ObservedPod>& pods,
                                                       TimePoint now);

}  // namespace baton::rollout
