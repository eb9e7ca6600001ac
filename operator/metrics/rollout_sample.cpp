#include "metrics/rollout_sample.h"

#include <variant>

#include "api/contract.h"
#include "timestamp/rfc3339.h"

namespace baton::metrics {
namespace {

std::string ResultOf(std::string_view reason) {
  if (reason == api::event::kRolloutCompleted) return "completed";
  if (reason == api::event::kRolledBack) return "rolled_back";
  if (reason == api::event::kProgressDeadlineExceeded) return "degraded";
  return "";
}

}  // namespace

RolloutSample SampleOf(const controller::TierPass& pass) {
  RolloutSample s;
  const auto& status = pass.status.status;
  s.ns = pass.tier.Namespace();
  s.name = pass.tier.Name();
  s.kind = std::string(api::NamesOf(pass.tier.kind).kind);
  s.phase = std::string(api::ToString(status.phase));
  s.desired = pass.tier.spec.replicas;
  s.updated = status.updated_replicas;
  s.ready = status.ready_replicas;

  for (const auto& pod : pass.owned) {
    if (pod.terminating) continue;
    auto it = pass.readings.find(pod.name);
    if (it == pass.readings.end() || !it->second.known) continue;
    s.pod_sessions[pod.name] = it->second.sessions;
  }
  for (const auto& d : status.draining_pods) {
    if (d.sessions_now) s.sessions_left[d.pod] = *d.sessions_now;
  }

  // Counted whether or not this pass's actions succeeded: it happened.
  s.sessions_cut += pass.sessions_cut_by_others;
  // Counters move only for what was actually done.
  if (pass.acted) {
    for (const auto& action : pass.plan.actions) {
      const auto* del = std::get_if<rollout::DeletePod>(&action);
      if (!del) continue;
      if (del->reason == rollout::DeleteReason::TimeoutProceed && del->sessions_left) {
        s.sessions_cut += *del->sessions_left;
      }
      if (del->reason != rollout::DeleteReason::Drained &&
          del->reason != rollout::DeleteReason::TimeoutProceed &&
          del->reason != rollout::DeleteReason::SkipDrain) {
        continue;
      }
      for (const auto& pod : pass.owned) {
        if (pod.name != del->pod) continue;
        auto started =
            timestamp::ParseRfc3339(pod.Annotation(std::string(api::kAnnotationDrainStartedAt)));
        if (started && pass.now >= *started) {
          s.drain_seconds.push_back(std::chrono::duration<double>(pass.now - *started).count());
        }
      }
    }
  }
  if (pass.acted) {
    for (const auto& e : pass.plan.events) {
      if (e.reason == api::event::kEvacuationStarted) ++s.evacuations;
      if (e.reason == api::event::kPodReplaced) ++s.failed_pods_replaced;
    }
  }
  for (const auto* events : {&pass.plan.events, &pass.status.events}) {
    for (const auto& e : *events) {
      if (auto r = ResultOf(e.reason); !r.empty()) s.rollout_results.push_back(r);
    }
  }
  return s;
}

}  // namespace baton::metrics
