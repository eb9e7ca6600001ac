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

// Holds nothing for sure: Pending without an IP (no sandbox, so no process
// could have accepted a session) and never read. A Pending pod with an IP
// may serve -- a sidecar still pulling its image keeps the pod Pending while
// the main container takes sessions -- and "no reading" may only mean "not
// polled yet" or 401/5xx: unknown, never zero.
bool neverRan(const std::map<std::string, DrainReading>& readings, const ObservedPod& pod);
// Never ran, or no container of it has a process now (CrashLoopBackOff
// between two restarts): no process holds a TCP session; its crash cut what
// it held. Such a pod is deleted without a drain: an undo of a crash-looping
// pod would otherwise wait forever for a count its dead process cannot give.
bool holdsNothing(const std::map<std::string, DrainReading>& readings, const ObservedPod& pod);

// Whether the pod's workload may be draining now, which is what
// maxConcurrentDrains limits: labelled draining (the record is written
// before the request); terminating (a relay deleted by anyone hands its
// sessions over on SIGTERM until its process exits, and an outside watcher
// must never see one too many); or reading non-Serving while labelled
// serving (a stray drain, or a label the cache has not caught up with:
// counted until its cancel is observed).
bool holdsDrainSlot(const std::map<std::string, DrainReading>& readings, const ObservedPod& pod);
// Labelled draining, but its workload says Serving: the request has not
// landed yet, or a cancel did while the cache lagged. Asking it (again)
// starts a drain, so it needs a free slot like any new one.
bool awaitsDrainRequest(const std::map<std::string, DrainReading>& readings,
                        const ObservedPod& pod);

}  // namespace baton::rollout
