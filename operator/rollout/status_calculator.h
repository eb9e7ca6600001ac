// PURE: observed state + plan -> the tier's status, and the Events that
// status transitions deserve (RolloutCompleted, RolloutPaused, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rollout/canary.h"
#include "rollout/observed_state.h"
#include "rollout/plan.h"

namespace baton::rollout {

struct Condition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;
  std::string message;
  std::int64_t observed_generation = 0;
  TimePoint last_transition_time{};
};

struct DrainingPodStatus {
  std::string pod;
  std::optional<std::int64_t> sessions_at_start;
  std::optional<std::int64_t> sessions_now;  // nullopt: the reading is unknown
  std::optional<double> rate;                // sessions per second
  std::optional<Seconds> eta;                // to reach the threshold
  std::optional<TimePoint> step_started_at;  // when its drain began
  std::optional<TimePoint> deadline;
  bool timed_out = false;
  // Why the pod is moved, when its node is leaving ("node n7 (cordoned)").
  std::optional<std::string> departure;
};

struct TierStatus {
  std::int64_t observed_generation = 0;
  std::int32_t replicas = 0;
  std::int32_t ready_replicas = 0;
  std::int32_t updated_replicas = 0;
  std::int32_t available_replicas = 0;
  std::string current_revision;
  std::string update_revision;
  std::int64_t total_sessions = 0;  // sum of the known readings
  std::int32_t unknown_session_pods = 0;
  api::Phase phase = api::Phase::Progressing;  // a string only at the JSON edge
  std::string message;
  std::optional<TimePoint> step_started_at;
  std::vector<DrainingPodStatus> draining_pods;
  std::vector<Condition> conditions;
  std::optional<CanaryView> canary;
};

struct StatusResult {
  TierStatus status;
  std::vector<PlannedEvent> events;  // for condition transitions only
};

// previous_conditions: status.conditions as last written, so that
// lastTransitionTime survives when a condition's status does not change.
// canary: the canary in force, after advanceCanary (canary_progress.h).
StatusResult calculateStatus(const ObservedState& state, const Plan& plan,
                             const std::vector<Condition>& previous_conditions,
                             const std::optional<CanaryView>& canary = std::nullopt);

// The drain rate and ETA arithmetic, exposed for tests and the plugin.
struct DrainProgress {
  std::optional<double> rate;
  std::optional<Seconds> eta;
};
DrainProgress drainProgress(std::int64_t sessions_at_start, std::int64_t sessions_now,
                            std::int64_t threshold, Seconds elapsed, double pace);

}  // namespace baton::rollout
