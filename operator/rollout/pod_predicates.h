// PURE: what a pod is, for the planner and the status calculator alike. One
// home, so that "available" or "updated" can never mean one thing in the
// plan and another in status.
#pragma once

#include <map>
#include <string>

#include "rollout/observed_state.h"

namespace baton::rollout {

// Phase Failed or Succeeded: holds nothing, is replaced (failed_pod_backoff.h).
bool isFailed(const ObservedPod& pod);
// Counted as one of the tier's pods: not failed and not terminating.
bool isLive(const ObservedPod& pod);
// spec.rollout.restartAt is in force and the pod was made before it.
bool restartDue(const RolloutPolicy& policy, const ObservedPod& pod, TimePoint now);
// At the update revision and its restart: what status.updatedReplicas counts.
bool isUpdated(const RolloutPolicy& policy, const ObservedPod& pod, TimePoint now);
// To be replaced by a pod of the update revision: not updated, or on a node
// on its way out (the replacement is created first, the scheduler places it
// elsewhere, then this pod drains at the tier's pace — as in a rollout).
bool needsReplacing(const RolloutPolicy& policy, const ObservedPod& pod, TimePoint now);
// Live, labelled serving, Running and Ready for minReadySeconds.
bool isAvailable(const RolloutPolicy& policy, const ObservedPod& pod, TimePoint now);
// Live and labelled draining.
bool isLiveDraining(const ObservedPod& pod);
// The pod's reading when it is known and names its instance (a drain is
// recorded against an instance); nullptr otherwise: unknown, never zero.
const DrainReading* knownReading(const std::map<std::string, DrainReading>& readings,
                                 const ObservedPod& pod);

}  // namespace baton::rollout
