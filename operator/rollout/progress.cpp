#include "rollout/progress.h"

#include <algorithm>

#include "rollout/failed_pod_backoff.h"
#include "rollout/pod_predicates.h"
#include "rollout/quantity_format.h"

namespace baton::rollout {

ProgressAssessment assessProgress(const RolloutPolicy& policy, const std::vector<ObservedPod>& pods,
                                  TimePoint now) {
  ProgressAssessment out;
  auto requeueAt = [&out](TimePoint at) {
    if (!out.requeue_at || at < *out.requeue_at) out.requeue_at = at;
  };
  auto wait = [&out](WaitReason reason, const std::string& pod, std::string message) {
    out.waits.push_back(Wait{reason, pod, std::move(message)});
  };
  if (policy.paused) {
    out.paused = true;
    wait(WaitReason::Paused, "", "paused by spec.rollout.paused");
  }
  for (const ObservedPod& pod : pods) {
    if (!isLive(pod) || pod.role != PodRole::Serving || needsReplacing(policy, pod, now)) continue;
    if (isAvailable(policy, pod, now)) continue;
    if (!pod.ready) {
      const TimePoint since =
          std::max(pod.created_at, pod.ready_changed_at.value_or(pod.created_at));
      if (policy.progress_deadline && !policy.paused) {
        const TimePoint limit = since + *policy.progress_deadline;
        if (now >= limit) {
          out.deadline_exceeded.push_back(pod.name);
          wait(WaitReason::ProgressDeadlineExceeded, pod.name,
               "pod " + pod.name + " not Ready within progressDeadlineSeconds (" +
                   formatDuration(*policy.progress_deadline) + ")");
          continue;
        }
        requeueAt(limit);
      }
      wait(WaitReason::WaitingForReady, pod.name, "waiting for " + pod.name + " to be Ready");
    } else if (pod.ready_changed_at) {
      const TimePoint at = *pod.ready_changed_at + policy.min_ready;
      // Ready but not Running (or not yet available for another reason than
      // time): a requeue at a past time would loop every few ms; the pod's
      // next change wakes the controller instead.
      if (at > now) requeueAt(at);
      wait(WaitReason::WaitingForMinReady, pod.name,
           "waiting for " + pod.name + " to stay Ready for minReadySeconds (" +
               formatDuration(std::chrono::duration_cast<Seconds>(at - now)) + " left)");
    }
  }
  for (const ObservedPod& pod : pods) {
    if ((isLive(pod) && pod.role == PodRole::Serving && !isAvailable(policy, pod, now)) ||
        pod.terminating) {
      out.all_available = false;
    }
  }
  return out;
}

std::vector<RolloutAssessment::FailingPod> failingPods(const RolloutPolicy& policy,
                                                       const std::vector<ObservedPod>& pods,
                                                       TimePoint now) {
  using How = RolloutAssessment::FailingPod::How;
  std::vector<RolloutAssessment::FailingPod> failing;
  for (const ObservedPod& pod : pods) {
    if (pod.terminating) continue;
    if (isFailed(pod)) {
      if (needsReplacing(policy, pod, now)) continue;
      const std::int32_t n = failuresInARow(pod);
      if (n >= kFailuresBeforeStalled) {
        failing.push_back({pod.name, How::Failed, n, pod.failure, replaceFailedPodAt(pod)});
      }
    } else if ((pod.crash_looping || pod.no_process) && !needsReplacing(policy, pod, now)) {
      failing.push_back(
          {pod.name, How::CrashLooping, pod.failed_attempts, pod.failure, std::nullopt});
    } else if (pod.failed_attempts >= kFailuresBeforeStalled && !isAvailable(policy, pod, now)) {
      failing.push_back({pod.name, How::Replacement, pod.failed_attempts, "", std::nullopt});
    }
  }
  std::stable_sort(failing.begin(), failing.end(), [](const auto& a, const auto& b) {
    return a.failures_in_a_row > b.failures_in_a_row;
  });
  return failing;
}

}  // namespace baton::rollout
