// The canary's plain data (docs/canary.md): the steps as the spec gives
// them, the record of where the canary of a revision stands (status.canary,
// which is also the operator's memory of it), and the signals a bake reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rollout/observed_state.h"

namespace baton::rollout {

struct CanaryStepPolicy {
  std::int32_t replicas = 1;            // pods at the update revision once reached
  std::optional<std::int32_t> percent;  // instead: this share of replicas, rounded up
  Seconds bake{0};
  bool wait_for_promote = false;
};

struct PrometheusPolicy {
  std::optional<double> min;
  std::optional<double> max;
  Seconds interval{10};
};

struct CanaryPolicy {
  std::vector<CanaryStepPolicy> steps;
  bool workload_verdict = true;
  std::optional<PrometheusPolicy> prometheus;
};

enum class CanaryState { Scaling, Baking, AwaitingPromotion, Complete, RolledBack };
enum class SignalStatus { Passing, Failing, Unknown };

struct SignalReading {
  std::string name;  // kSignal* below
  SignalStatus status = SignalStatus::Unknown;
  std::string value;
  std::string message;
  bool operator==(const SignalReading&) const = default;
};

inline constexpr std::string_view kSignalPodHealth = "PodHealth";
inline constexpr std::string_view kSignalWorkloadVerdict = "WorkloadVerdict";
inline constexpr std::string_view kSignalPrometheus = "Prometheus";
inline constexpr std::string_view kSignalAbort = "Abort";

struct CanaryRollbackRecord {
  std::string revision;  // rolled back from; the tier stays off it until the spec changes
  std::string signal;
  std::string message;
  TimePoint at{};
  bool operator==(const CanaryRollbackRecord&) const = default;
};

struct CanaryRecord {
  std::string revision;   // the update revision the steps apply to
  std::int32_t step = 0;  // index of the current step; == steps.size(): all passed
  CanaryState state = CanaryState::Scaling;
  std::optional<TimePoint> bake_ends_at;  // set once the step's pods are available
  std::vector<SignalReading> signals;
  std::optional<CanaryRollbackRecord> rollback;
  bool operator==(const CanaryRecord&) const = default;
};

// What status shows of the canary (status.canary and the message).
struct CanaryView {
  CanaryRecord record;
  std::int32_t steps = 0;
  std::int32_t step_replicas = 0;  // pods at the revision the current step wants
  std::string message;
};

// The latest answer of the canary's Prometheus query, read by the shell.
struct MetricReading {
  bool known = false;
  double value = 0;
  std::string error;
  TimePoint read_at{};
};

// The tier's promote and abort annotations, as written (contract.h).
struct CanaryRequests {
  std::string promote;  // "<revision>/<step>" or "<revision>/full"
  std::string abort;    // "<revision>"
};

}  // namespace baton::rollout
