#include "controller/observation.h"

#include <algorithm>

#include "api/contract.h"
#include "rollout/revision_hash.h"
#include "timestamp/rfc3339.h"

namespace baton::controller {

std::vector<PodView> OwnedPods(const api::Tier& tier, const std::vector<PodView>& pods) {
  std::vector<PodView> owned;
  const std::string uid = tier.Uid();
  for (const auto& p : pods) {
    if (!uid.empty() && p.controller_uid == uid) owned.push_back(p);
  }
  return owned;
}

namespace {

rollout::PodPhase ToPhase(const std::string& phase) {
  if (phase == "Pending" || phase.empty()) return rollout::PodPhase::Pending;
  if (phase == "Running") return rollout::PodPhase::Running;
  if (phase == "Succeeded") return rollout::PodPhase::Succeeded;
  if (phase == "Failed") return rollout::PodPhase::Failed;
  return rollout::PodPhase::Unknown;
}

std::optional<int64_t> ParseInt(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    long long v = std::stoll(s, &used);
    if (used != s.size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

rollout::ObservedPod ToObservedPod(const PodView& p) {
  rollout::ObservedPod o;
  o.name = p.name;
  o.uid = p.uid;
  o.revision = p.Label(std::string(api::kLabelRevision));
  if (auto shard = ParseInt(p.Label(std::string(api::kLabelShard)))) {
    o.ordinal = static_cast<int32_t>(*shard);
  }
  o.phase = ToPhase(p.phase);
  o.ready = p.ready;
  o.ready_changed_at = p.ready_changed_at;
  o.created_at = p.created_at;
  o.terminating = p.terminating;
  o.role = p.Label(std::string(api::kLabelRole)) == api::kRoleDraining ? rollout::PodRole::Draining
                                                                       : rollout::PodRole::Serving;
  o.drain_started_at =
      timestamp::ParseRfc3339(p.Annotation(std::string(api::kAnnotationDrainStartedAt)));
  o.drain_instance_id = p.Annotation(std::string(api::kAnnotationDrainInstanceId));
  o.drain_sessions_at_start =
      ParseInt(p.Annotation(std::string(api::kAnnotationDrainSessionsAtStart)));
  o.drain_successor = p.Annotation(std::string(api::kAnnotationDrainSuccessor));
  o.skip_drain = !p.Annotation(std::string(api::kAnnotationSkipDrain)).empty();
  if (!p.Annotation(std::string(api::kAnnotationEvacuate)).empty()) {
    o.departure = "kubectl baton drain";
  }
  o.restarted_at = timestamp::ParseRfc3339(p.Annotation(std::string(api::kAnnotationRestartedAt)));
  o.ip = p.ip;
  o.finished_at = p.finished_at;
  o.failed_attempts = static_cast<std::int32_t>(std::clamp<long long>(
      ParseInt(p.Annotation(std::string(api::kAnnotationFailedAttempts))).value_or(0), 0, 64));
  o.failure = p.failure;
  o.crash_looping = p.crash_looping;
  o.no_process = p.no_process;
  o.restarts = p.restarts;
  return o;
}

}  // namespace

rollout::ObservedState Observe(const api::Tier& tier, const std::vector<PodView>& pods,
                               const std::map<std::string, drain::DrainReading>& readings,
                               const std::map<std::string, ReadingMemory>& memory,
                               rollout::TimePoint now,
                               const std::map<std::string, std::string>& leaving_nodes) {
  rollout::ObservedState s;
  auto& p = s.policy;
  const auto& spec = tier.spec;
  p.kind = tier.kind;
  p.tier_name = tier.Name();
  p.generation = tier.Generation();
  p.replicas = spec.replicas;
  p.max_surge = spec.rollout.max_surge;
  p.max_unavailable = spec.rollout.max_unavailable;
  p.max_concurrent_drains = spec.rollout.max_concurrent_drains;
  p.partition = spec.rollout.partition;
  p.paused = spec.rollout.paused;
  p.min_ready = rollout::Seconds(spec.rollout.min_ready_seconds);
  if (spec.rollout.progress_deadline_seconds > 0) {
    p.progress_deadline = rollout::Seconds(spec.rollout.progress_deadline_seconds);
  }
  p.drain.threshold = spec.drain.session_threshold;
  if (spec.drain.timeout_seconds > 0)
    p.drain.timeout = rollout::Seconds(spec.drain.timeout_seconds);
  p.drain.on_timeout = spec.drain.on_timeout;
  p.drain.pace = spec.drain.sessions_per_second;
  p.update_revision = rollout::revisionHash(spec.pod_template, tier.status.collision_count);
  p.current_revision = tier.status.current_revision;
  if (spec.rollout.restart_at) p.restart_at = timestamp::ParseRfc3339(*spec.rollout.restart_at);
  p.deleting = tier.Deleting();
  p.orphaning = p.deleting && tier.OrphansPods();

  for (const auto& pod : OwnedPods(tier, pods)) {
    s.pods.push_back(ToObservedPod(pod));
    if (auto node = leaving_nodes.find(pod.node_name); node != leaving_nodes.end()) {
      // The node's reason wins over a kubectl baton drain request: it says more.
      s.pods.back().departure = node->second;
    }
    auto it = readings.find(pod.name);
    if (it == readings.end()) continue;  // never read: absent means unknown
    api::DrainReading out = it->second;
    if (auto m = memory.find(pod.name); m != memory.end())
      out.last_known_sessions = m->second.sessions;
    if (out.known) out.last_known_sessions = out.sessions;
    s.readings[pod.name] = std::move(out);
  }
  s.now = now;
  return s;
}

}  // namespace baton::controller
