#include "rollout/pod_census.h"

#include <algorithm>
#include <chrono>

#include "rollout/failed_pod_backoff.h"
#include "rollout/pod_predicates.h"
#include "rollout/quantity_format.h"

namespace baton::rollout {
namespace {

// A failed pod holds nothing, but it holds its slot until its backoff has
// passed: counted against replicas + maxSurge and against the pods still to
// create, so that no replacement is made yet. The backoff is for the update
// revision's pods failing again and again; an outdated failed pod (after an
// undo, say) goes at once, and so does every failed pod of a tier being
// deleted.
void countFailedPod(const ObservedState& state, const ObservedPod& pod, PodCensus& census) {
  if (pod.terminating) return;
  census.has_failed_pods = true;
  const RolloutPolicy& policy = state.policy;
  const TimePoint replace_at = replaceFailedPodAt(pod);
  if (state.now < replace_at && !policy.deleting && !needsReplacing(policy, pod, state.now)) {
    ++census.pods;
    census.backing_off.push_back(&pod);
    if (!census.requeue_at || replace_at < *census.requeue_at) census.requeue_at = replace_at;
    census.plan.wait(WaitReason::FailedPodBackoff, pod.name,
                     "pod " + pod.name + " failed" + failureText(pod) + "; replaced in " +
                         formatDuration(std::chrono::ceil<Seconds>(replace_at - state.now)) +
                         " (failure " + std::to_string(failuresInARow(pod)) + " in a row)");
  } else {
    census.replaceable.push_back(&pod);
  }
}

}  // namespace

PodCensus takeCensus(const ObservedState& state) {
  PodCensus census;
  for (const ObservedPod& pod : state.pods) {
    census.names.insert(pod.name);
    if (isFailed(pod)) {
      countFailedPod(state, pod, census);
      continue;
    }
    ++census.pods;
    if (holdsDrainSlot(state.readings, pod)) ++census.draining;
    if (awaitsDrainRequest(state.readings, pod)) ++census.awaiting_request;
    if (isAvailable(state.policy, pod, state.now)) ++census.available;
  }
  return census;
}

bool shardBackingOff(const PodCensus& census, std::int32_t ordinal) {
  return std::any_of(census.backing_off.begin(), census.backing_off.end(),
                     [ordinal](const ObservedPod* pod) { return pod->ordinal == ordinal; });
}

std::string failureText(const ObservedPod& pod) {
  return pod.failure.empty() ? std::string() : " (" + pod.failure + ")";
}

}  // namespace baton::rollout
