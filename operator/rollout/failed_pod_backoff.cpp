#include "rollout/failed_pod_backoff.h"

#include <algorithm>

namespace baton::rollout {

TimePoint failedAt(const ObservedPod& pod) {
  const TimePoint at = pod.finished_at.value_or(pod.ready_changed_at.value_or(pod.created_at));
  return std::max(at, pod.created_at);
}

std::int32_t failuresInARow(const ObservedPod& pod) {
  if (failedAt(pod) - pod.created_at >= kFailedPodBackoffReset) return 1;
  return std::max(pod.failed_attempts, 0) + 1;
}

Seconds failedPodBackoff(std::int32_t failures_in_a_row) {
  Seconds wait = kFailedPodBackoffBase;
  for (std::int32_t n = 1; n < failures_in_a_row && wait < kFailedPodBackoffCap; ++n) wait *= 2;
  return std::min(wait, kFailedPodBackoffCap);
}

TimePoint replaceFailedPodAt(const ObservedPod& pod) {
  return failedAt(pod) + failedPodBackoff(failuresInARow(pod));
}

}  // namespace baton::rollout
