#include "controller/pod_builder.h"

#include "api/contract.h"
#include "api/pod_selector.h"
#include "timestamp/rfc3339.h"

namespace baton::controller {

nlohmann::json OwnerReference(const api::Tier& tier) {
  return {{"apiVersion", std::string(api::kApiVersion)},
          {"kind", std::string(api::NamesOf(tier.kind).kind)},
          {"name", tier.Name()},
          {"uid", tier.Uid()},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

nlohmann::json BuildPod(const api::Tier& tier, const rollout::CreatePod& action) {
  const nlohmann::json& tmpl = tier.spec.pod_template;
  nlohmann::json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}};
  nlohmann::json meta = tmpl.contains("metadata") ? tmpl["metadata"] : nlohmann::json::object();
  meta.erase("name");
  meta.erase("namespace");
  meta.erase("generateName");
  meta["name"] = action.name;
  meta["namespace"] = tier.Namespace();
  // The CRD refuses baton.dev/ annotations in a template; a tier stored
  // before that rule could still carry one (baton.dev/skip-drain would make
  // every pod skip its drain). Baton's own annotations come from Baton only.
  if (auto a = meta.find("annotations"); a != meta.end() && a->is_object()) {
    for (auto it = a->begin(); it != a->end();) {
      it = it.key().rfind(api::kReservedLabelPrefix, 0) == 0 ? a->erase(it) : std::next(it);
    }
  }
  auto& labels = meta["labels"];
  if (!labels.is_object()) labels = nlohmann::json::object();
  for (const auto& [k, v] : api::PodSelectorLabels(tier)) labels[k] = v;
  labels[std::string(api::kLabelRevision)] = action.revision;
  labels[std::string(api::kLabelRole)] = std::string(api::kRoleServing);
  if (action.ordinal >= 0) labels[std::string(api::kLabelShard)] = std::to_string(action.ordinal);
  if (action.restarted_at) {
    meta["annotations"][std::string(api::kAnnotationRestartedAt)] =
        timestamp::FormatRfc3339(*action.restarted_at);
  }
  if (action.failed_attempts > 0) {
    meta["annotations"][std::string(api::kAnnotationFailedAttempts)] =
        std::to_string(action.failed_attempts);
  }
  meta["ownerReferences"] = nlohmann::json::array({OwnerReference(tier)});
  pod["metadata"] = std::move(meta);
  pod["spec"] = tmpl.contains("spec") ? tmpl["spec"] : nlohmann::json::object();
  // With token auth every container learns the audience of Baton's drain
  // tokens (a value of the template's own under that name is replaced: it
  // is Baton's to say).
  const std::string env_name(api::kEnvDrainAudience);
  const bool token_auth = tier.spec.drain.auth.type == api::DrainAuthType::ServiceAccountToken;
  if (auto c = pod["spec"].find("containers");
      token_auth && c != pod["spec"].end() && c->is_array()) {
    for (auto& container : *c) {
      auto& env = container["env"];
      if (!env.is_array()) env = nlohmann::json::array();
      for (auto it = env.begin(); it != env.end();) {
        it = it->is_object() && it->value("name", "") == env_name ? env.erase(it) : std::next(it);
      }
      env.push_back({{"name", env_name}, {"value", api::DrainAudienceOf(tier)}});
    }
  }
  // The ordinal is also the pod's hostname-like identity for a shard; a
  // workload reads it from the label through the downward API.
  return pod;
}

}  // namespace baton::controller
