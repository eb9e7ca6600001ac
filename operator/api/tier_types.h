// C++ types of the three tier kinds (RelayTier, SessionTier, BusinessTier,
// baton.dev/v1alpha1) with JSON round-trip. Decoding applies the same defaults
// as the CRD schema (hack/crdgen/tier_schema.yaml), so a tier read from a
// watch and a tier built in a test look the same; a value of the wrong JSON
// type throws DecodeError naming the field, e.g. "spec.drain.port: expected an
// integer". Range and cross-field rules are the API server's job (CEL).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "api/contract.h"
#include "api/shared_enums.h"

namespace baton::api {

class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

const KindNames& NamesOf(TierKind kind);
// From a `kind` string ("RelayTier", ...); nullopt for anything else.
std::optional<TierKind> ParseTierKind(std::string_view kind);

enum class DrainAuthType { None, ServiceAccountToken };
std::string_view ToString(OnTimeout value);
std::string_view ToString(DrainAuthType value);
std::string_view ToString(Phase value);

// The audience is not the user's to choose (issue 18): Baton binds its token
// to DrainAudienceOf(tier), so a tier can neither borrow the API server's
// audience nor another tier's. The CRD refuses spec.drain.auth.audience.
struct DrainAuth {
  DrainAuthType type = DrainAuthType::None;
  bool operator==(const DrainAuth&) const = default;
};

struct DrainSpec {
  int32_t port = 0;  // required by the schema: no default
  std::string path = "/drain";
  int64_t session_threshold = 0;
  int32_t poll_interval_seconds = 5;
  int32_t timeout_seconds = 3600;
  OnTimeout on_timeout = OnTimeout::Pause;
  int32_t sessions_per_second = 1000;
  DrainAuth auth;
  // With hostNetwork pods the drain endpoint is the node's own address:
  // whatever else listens on that node port would get Baton's drain calls
  // and token. Refused by the CRD unless the tier opts in (issue 18).
  bool allow_host_network = false;
  bool operator==(const DrainSpec&) const = default;
};

// spec.rollout.canary (docs/canary.md): the first pods of a new revision
// bake while signals are watched, step by step; a failed signal rolls the
// tier back through the drain.
struct CanaryStep {
  // Pods at the update revision once this step is reached: a count, or a
  // percentage of replicas (rounded up, at least 1) when `percent` is set.
  int32_t replicas = 0;
  std::optional<int32_t> percent;
  int32_t bake_seconds = 0;       // signals watched this long once the pods are available
  bool wait_for_promote = false;  // then wait for `kubectl baton promote`
  bool operator==(const CanaryStep&) const = default;
};

// A Prometheus instant query that must stay within [min, max]. The server's
// address is the operator's (--prometheus-url), never the tenant's: a tier
// that named its own would make the operator send requests wherever it likes.
struct PrometheusCheck {
  std::string query;  // {{namespace}}, {{tier}}, {{revision}}, {{stableRevision}} expanded
  std::optional<double> min;
  std::optional<double> max;
  int32_t interval_seconds = 10;
  bool operator==(const PrometheusCheck&) const = default;
};

struct CanaryAnalysis {
  bool workload_verdict = true;  // the drain status object's `verdict`
  std::optional<PrometheusCheck> prometheus;
  bool operator==(const CanaryAnalysis&) const = default;
};

struct CanarySpec {
  std::vector<CanaryStep> steps;
  CanaryAnalysis analysis;
  bool operator==(const CanarySpec&) const = default;
};

struct RolloutSpec {
  int32_t max_surge = 1;
  int32_t max_unavailable = 0;
  int32_t max_concurrent_drains = 1;
  bool paused = false;
  int32_t partition = 0;
  int32_t min_ready_seconds = 0;
  int32_t progress_deadline_seconds = 600;
  std::optional<std::string> restart_at;  // RFC 3339, as written
  std::optional<CanarySpec> canary;
  bool operator==(const RolloutSpec&) const = default;
};

struct ServicePort {
  std::string name;
  int32_t port = 0;
  std::optional<int32_t> target_port;
  std::string protocol = "TCP";
  // The pod port traffic goes to: targetPort, or port when unset.
  int32_t EffectiveTargetPort() const { return target_port.value_or(port); }
  bool operator==(const ServicePort&) const = default;
};

struct ServiceSpec {
  std::string type = "ClusterIP";
  std::vector<ServicePort> ports;
  bool operator==(const ServiceSpec&) const = default;
};

struct PodDisruptionBudgetSpec {
  std::optional<int32_t> min_available;  // exactly one of the two is set
  std::optional<int32_t> max_unavailable;
  bool operator==(const PodDisruptionBudgetSpec&) const = default;
};

struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  bool operator==(const LabelSelector&) const = default;
};

struct TierSpec {
  int32_t replicas = 1;
  std::optional<LabelSelector> selector;
  // core/v1 PodTemplateSpec, kept as JSON: Baton copies it into pods and
  // hashes it, it never needs to understand it.
  nlohmann::json pod_template = nlohmann::json::object();
  DrainSpec drain;
  RolloutSpec rollout;
  int32_t revision_history_limit = 10;
  std::optional<int32_t> serving_port;
  std::optional<ServiceSpec> service;
  std::optional<PodDisruptionBudgetSpec> pod_disruption_budget;
  bool allow_shard_count_change = false;  // SessionTier only; never written for other kinds

  // The port published in the serving directory: servingPort, else the first
  // service port's target; nullopt when neither is set.
  std::optional<int32_t> EffectiveServingPort() const;
  bool operator==(const TierSpec&) const = default;
};

struct Condition {
  std::string type;
  std::string status;  // "True", "False" or "Unknown"
  std::string reason;
  std::string message;
  int64_t observed_generation = 0;
  std::string last_transition_time;  // RFC 3339
  bool operator==(const Condition&) const = default;
};

struct DrainingPod {
  std::string name;
  std::optional<std::string> successor;
  std::optional<std::string> started_at;  // RFC 3339
  std::optional<std::string> deadline;    // RFC 3339
  std::optional<int64_t> sessions_at_start;
  std::optional<int64_t> sessions_now;  // nullopt: the count is unknown right now
  std::optional<double> sessions_per_second;
  std::optional<int64_t> eta_seconds;
  bool timed_out = false;
  bool operator==(const DrainingPod&) const = default;
};

struct CanarySignal {
  std::string name;    // PodHealth, WorkloadVerdict, Prometheus, Abort
  std::string status;  // Passing, Failing, Unknown
  std::string value;   // "0.031", "unhealthy", "restarted 2 times"
  std::string message;
  bool operator==(const CanarySignal&) const = default;
};

struct CanaryRollback {
  std::string revision;  // the revision rolled back; the tier stays off it until the spec changes
  std::string signal;
  std::string message;
  std::string at;  // RFC 3339
  bool operator==(const CanaryRollback&) const = default;
};

// status.canary: where the canary of `revision` stands. Also the operator's
// memory of it: a restarted operator resumes at this step.
struct CanaryStatus {
  std::string revision;
  int32_t step = 0;   // index into spec.rollout.canary.steps; == steps: all passed
  int32_t steps = 0;  // how many steps there are
  int32_t step_replicas = 0;
  std::string state;  // Scaling, Baking, AwaitingPromotion, Complete, RolledBack
  std::optional<std::string> bake_ends_at;  // RFC 3339
  std::vector<CanarySignal> signals;
  std::optional<CanaryRollback> rollback;
  bool operator==(const CanaryStatus&) const = default;
};

struct TierStatus {
  int64_t observed_generation = 0;
  int32_t replicas = 0;
  int32_t ready_replicas = 0;
  int32_t updated_replicas = 0;
  int32_t available_replicas = 0;
  std::string current_revision;
  std::string update_revision;
  int32_t collision_count = 0;
  std::string selector;
  int64_t total_sessions = 0;
  int32_t unknown_session_pods = 0;
  std::optional<Phase> phase;  // nullopt until Baton first reports
  std::string message;
  std::optional<std::string> step_started_at;  // RFC 3339
  std::vector<DrainingPod> draining_pods;
  std::vector<Condition> conditions;
  std::optional<CanaryStatus> canary;

  // The condition of the given type, or nullptr.
  const Condition* FindCondition(std::string_view type) const;
  bool operator==(const TierStatus&) const = default;
};

struct Tier {
  TierKind kind = TierKind::Relay;
  // metadata is kept whole (uid, resourceVersion, finalizers, ...): the
  // operator needs most of it and an update must send it back unchanged.
  nlohmann::json metadata = nlohmann::json::object();
  TierSpec spec;
  TierStatus status;

  std::string Name() const;
  std::string Namespace() const;
  std::string Uid() const;
  int64_t Generation() const;
  bool Deleting() const;  // metadata.deletionTimestamp is set
  // Deleted with propagationPolicy Orphan (kubectl delete --cascade=orphan):
  // the API server put the "orphan" finalizer on it.
  bool OrphansPods() const;
  bool operator==(const Tier&) const = default;
};

// nlohmann::json ADL hooks: `json.get<Tier>()` and `json(tier)`.
void from_json(const nlohmann::json& j, DrainSpec& out);
void to_json(nlohmann::json& j, const DrainSpec& in);
void from_json(const nlohmann::json& j, RolloutSpec& out);
void to_json(nlohmann::json& j, const RolloutSpec& in);
void from_json(const nlohmann::json& j, TierSpec& out);
void to_json(nlohmann::json& j, const TierSpec& in);
void from_json(const nlohmann::json& j, TierStatus& out);
void to_json(nlohmann::json& j, const TierStatus& in);
void from_json(const nlohmann::json& j, Tier& out);
void to_json(nlohmann::json& j, const Tier& in);

// The kind-specific encoding: SessionTier alone carries allowShardCountChange.
nlohmann::json SpecToJson(const TierSpec& spec, TierKind kind);

// The audience of the tokens Baton presents to this tier's drain endpoints:
// "baton.dev/drain/<namespace>/<Kind>/<name>". Its pods find it in the
// environment variable kEnvDrainAudience (docs/drain-protocol.md).
std::string DrainAudienceOf(const Tier& tier);

}  // namespace baton::api
