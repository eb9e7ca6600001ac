#include "rollout/pod_predicates.h"

namespace baton::rollout {

bool isFailed(const ObservedPod& pod) {
  return pod.phase == PodPhase::Failed || pod.phase == PodPhase::Succeeded;
}

bool isLive(const ObservedPod& pod) {
  return !pod.terminating && !isFailed(pod);
}

bool restartDue(const RolloutPolicy& policy, const ObservedPod& pod, TimePoint now) {
  if (!policy.restart_at || *policy.restart_at > now) return false;
  return !pod.restarted_at || *pod.restarted_at < *policy.restart_at;
}

bool isUpdated(const RolloutPolicy& policy, const ObservedPod& pod, TimePoint now) {
  return pod.revision == policy.update_revision && !restartDue(policy, pod, now);
}

bool needsReplacing(const RolloutPolicy& policy, const ObservedPod& pod, TimePoint now) {
  return !isUpdated(policy, pod, now) || pod.departure.has_value();
}

bool isAvailable(const RolloutPolicy& policy, const ObservedPod& pod, TimePoint now) {
  if (!isLive(pod) || pod.role != PodRole::Serving || pod.phase != PodPhase::Running ||
      !pod.ready || !pod.ready_changed_at) {
    return false;
  }
  return now - *pod.ready_changed_at >= policy.min_ready;
}

bool isLiveDraining(const ObservedPod& pod) {
  return isLive(pod) && pod.role == PodRole::Draining;
}

const DrainReading* knownReading(const std::map<std::string, DrainReading>& readings,
                                 const ObservedPod& pod) {
  const auto it = readings.find(pod.name);
  if (it == readings.end() || !it->second.known || it->second.instance_id.empty()) return nullptr;
  return &it->second;
}

bool neverRan(const std::map<std::string, DrainReading>& readings, const ObservedPod& pod) {
  if (pod.phase != PodPhase::Pending || !pod.ip.empty()) return false;
  const auto it = readings.find(pod.name);
  return it == readings.end() || (!it->second.known && !it->second.last_known_sessions);
}

bool holdsNothing(const std::map<std::string, DrainReading>& readings, const ObservedPod& pod) {
  return neverRan(readings, pod) || pod.no_process;
}

bool holdsDrainSlot(const std::map<std::string, DrainReading>& readings, const ObservedPod& pod) {
  if (isFailed(pod)) return false;
  if (pod.role == PodRole::Draining) return true;
  if (pod.terminating) return !holdsNothing(readings, pod);
  const DrainReading* reading = knownReading(readings, pod);
  return reading != nullptr && reading->state != DrainState::Serving;
}

bool awaitsDrainRequest(const std::map<std::string, DrainReading>& readings,
                        const ObservedPod& pod) {
  if (!isLiveDraining(pod)) return false;
  const DrainReading* reading = knownReading(readings, pod);
  return reading != nullptr && reading->state == DrainState::Serving;
}

}  // namespace baton::rollout
