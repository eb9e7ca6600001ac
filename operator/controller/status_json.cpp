#include "controller/status_json.h"

#include "api/bounded_text.h"
#include "api/pod_selector.h"
#include "controller/canary_observation.h"
#include "timestamp/rfc3339.h"

namespace baton::controller {

nlohmann::json StatusJson(const api::Tier& tier, const rollout::TierStatus& s) {
  api::TierStatus out;
  out.observed_generation = s.observed_generation;
  out.replicas = s.replicas;
  out.ready_replicas = s.ready_replicas;
  out.updated_replicas = s.updated_replicas;
  out.available_replicas = s.available_replicas;
  out.current_revision = s.current_revision;
  out.update_revision = s.update_revision;
  out.collision_count = tier.status.collision_count;
  out.selector = api::SelectorString(api::PodSelectorLabels(tier));
  out.total_sessions = s.total_sessions;
  out.unknown_session_pods = s.unknown_session_pods;
  out.phase = s.phase;
  out.message = api::BoundedText(s.message, api::kStatusMessageMaxBytes);
  if (s.step_started_at) out.step_started_at = timestamp::FormatRfc3339(*s.step_started_at);
  for (const auto& d : s.draining_pods) {
    api::DrainingPod p;
    p.name = d.pod;
    if (d.step_started_at) p.started_at = timestamp::FormatRfc3339(*d.step_started_at);
    if (d.deadline) p.deadline = timestamp::FormatRfc3339(*d.deadline);
    p.sessions_at_start = d.sessions_at_start;
    p.sessions_now = d.sessions_now;
    p.sessions_per_second = d.rate;
    if (d.eta) p.eta_seconds = d.eta->count();
    p.timed_out = d.timed_out;
    out.draining_pods.push_back(std::move(p));
  }
  for (const auto& c : s.conditions) {
    out.conditions.push_back(api::Condition{c.type, c.status, c.reason, c.message,
                                            c.observed_generation,
                                            timestamp::FormatRfc3339(c.last_transition_time)});
  }
  if (s.canary) out.canary = CanaryStatusOf(*s.canary);
  return nlohmann::json(out);
}

std::vector<rollout::Condition> PreviousConditions(const api::TierStatus& status) {
  std::vector<rollout::Condition> out;
  for (const auto& c : status.conditions) {
    rollout::Condition rc;
    rc.type = c.type;
    rc.status = c.status;
    rc.reason = c.reason;
    rc.message = c.message;
    rc.observed_generation = c.observed_generation;
    if (auto t = timestamp::ParseRfc3339(c.last_transition_time)) rc.last_transition_time = *t;
    out.push_back(std::move(rc));
  }
  return out;
}

nlohmann::json WithoutNumbers(nlohmann::json status) {
  if (!status.is_object()) return status;
  status.erase("totalSessions");
  status.erase("message");
  if (auto it = status.find("drainingPods"); it != status.end() && it->is_array()) {
    for (auto& p : *it) {
      p.erase("sessionsNow");
      p.erase("sessionsPerSecond");
      p.erase("etaSeconds");
    }
  }
  if (auto it = status.find("conditions"); it != status.end() && it->is_array()) {
    for (auto& c : *it) c.erase("message");
  }
  // A Prometheus value moves at each query; a signal turning Failing does not
  // hide here (its status stays).
  if (auto it = status.find("canary"); it != status.end() && it->is_object()) {
    if (auto signals = it->find("signals"); signals != it->end() && signals->is_array()) {
      for (auto& signal : *signals) {
        signal.erase("value");
        signal.erase("message");
      }
    }
  }
  return status;
}

nlohmann::json StatusPatch(const nlohmann::json& previous, const nlohmann::json& next) {
  nlohmann::json patch = next;
  if (previous.is_object() && next.is_object()) {
    for (const auto& [key, value] : previous.items()) {
      if (!next.contains(key)) {
        patch[key] = nullptr;
      } else if (value.is_object() && next[key].is_object()) {
        // A merge patch merges objects too: status.canary's rollback or
        // bakeEndsAt would outlive the state that had them.
        patch[key] = StatusPatch(value, next[key]);
      }
    }
  }
  return patch;
}

}  // namespace baton::controller
