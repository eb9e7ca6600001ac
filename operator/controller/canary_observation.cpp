#include "controller/canary_observation.h"

#include <array>

#include "api/bounded_text.h"
#include "api/contract.h"
#include "controller/revision_history.h"
#include "timestamp/rfc3339.h"

namespace baton::controller {
namespace {

using rollout::CanaryState;
using rollout::SignalStatus;

constexpr std::array<std::string_view, 5> kStateNames{"Scaling", "Baking", "AwaitingPromotion",
                                                      "Complete", "RolledBack"};
constexpr std::array<std::string_view, 3> kSignalNames{"Passing", "Failing", "Unknown"};

template <typename Enum, std::size_t N>
std::optional<Enum> Parse(const std::array<std::string_view, N>& names, const std::string& text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

std::string AnnotationOf(const api::Tier& tier, std::string_view key) {
  const auto annotations = tier.metadata.find("annotations");
  if (annotations == tier.metadata.end() || !annotations->is_object()) return "";
  const auto it = annotations->find(std::string(key));
  return it != annotations->end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

rollout::CanaryPolicy CanaryPolicyOf(const api::CanarySpec& spec) {
  rollout::CanaryPolicy policy;
  for (const api::CanaryStep& step : spec.steps) {
    policy.steps.push_back(rollout::CanaryStepPolicy{
        step.replicas, step.percent, rollout::Seconds(step.bake_seconds), step.wait_for_promote});
  }
  policy.workload_verdict = spec.analysis.workload_verdict;
  if (const auto& prom = spec.analysis.prometheus) {
    policy.prometheus = rollout::PrometheusPolicy{
        prom->min, prom->max, rollout::Seconds(std::max(1, prom->interval_seconds))};
  }
  return policy;
}

std::optional<rollout::CanaryRecord> CanaryRecordOf(
    const std::optional<api::CanaryStatus>& status) {
  if (!status || status->revision.empty()) return std::nullopt;
  rollout::CanaryRecord record;
  record.revision = status->revision;
  record.step = std::max(0, status->step);
  record.state = Parse<CanaryState>(kStateNames, status->state).value_or(CanaryState::Scaling);
  if (status->bake_ends_at) record.bake_ends_at = timestamp::ParseRfc3339(*status->bake_ends_at);
  for (const api::CanarySignal& s : status->signals) {
    record.signals.push_back(rollout::SignalReading{
        s.name, Parse<SignalStatus>(kSignalNames, s.status).value_or(SignalStatus::Unknown),
        s.value, s.message});
  }
  if (status->rollback && !status->rollback->revision.empty()) {
    record.rollback = rollout::CanaryRollbackRecord{
        status->rollback->revision, status->rollback->signal, status->rollback->message,
        timestamp::ParseRfc3339(status->rollback->at).value_or(rollout::TimePoint{})};
  }
  return record;
}

rollout::CanaryRequests CanaryRequestsOf(const api::Tier& tier) {
  return rollout::CanaryRequests{AnnotationOf(tier, api::kAnnotationPromote),
                                 AnnotationOf(tier, api::kAnnotationAbort)};
}

api::CanaryStatus CanaryStatusOf(const rollout::CanaryView& view) {
  const rollout::CanaryRecord& r = view.record;
  api::CanaryStatus status;
  status.revision = r.revision;
  status.step = r.step;
  status.steps = view.steps;
  status.step_replicas = view.step_replicas;
  status.state = std::string(kStateNames.at(static_cast<std::size_t>(r.state)));
  if (r.bake_ends_at) status.bake_ends_at = timestamp::FormatRfc3339(*r.bake_ends_at);
  for (const rollout::SignalReading& s : r.signals) {
    status.signals.push_back(
        api::CanarySignal{s.name, std::string(kSignalNames.at(static_cast<std::size_t>(s.status))),
                          api::BoundedText(s.value, 256), api::BoundedText(s.message, 1024)});
  }
  if (r.rollback) {
    status.rollback = api::CanaryRollback{r.rollback->revision, r.rollback->signal,
                                          api::BoundedText(r.rollback->message, 2048),
                                          timestamp::FormatRfc3339(r.rollback->at)};
  }
  return status;
}

std::optional<nlohmann::json> StoredTemplate(const std::vector<nlohmann::json>& revisions,
                                             const std::string& tier_uid, const std::string& hash) {
  for (const nlohmann::json& object : revisions) {
    const auto stored = ParseStoredRevision(object);
    if (!stored || stored->hash != hash || stored->controller_uid != tier_uid) continue;
    const auto tmpl = object.value("/data/spec/template"_json_pointer, nlohmann::json());
    if (tmpl.is_object()) return tmpl;
  }
  return std::nullopt;
}

}  // namespace baton::controller
