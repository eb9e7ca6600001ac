#include "controller/owned_objects.h"

#include "api/contract.h"
#include "api/pod_selector.h"
#include "controller/pod_builder.h"

namespace baton::controller {
namespace {

nlohmann::json OwnedMetadata(const api::Tier& tier) {
  return {{"name", tier.Name()},
          {"namespace", tier.Namespace()},
          {"labels",
           {{std::string(api::kLabelTier), tier.Name()},
            {std::string(api::kLabelKind), std::string(api::NamesOf(tier.kind).kind)}}},
          {"ownerReferences", nlohmann::json::array({OwnerReference(tier)})}};
}

nlohmann::json SelectorLabels(const api::Tier& tier) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [k, v] : api::PodSelectorLabels(tier)) labels[k] = v;
  return labels;
}

}  // namespace

std::optional<nlohmann::json> BuildService(const api::Tier& tier) {
  if (!tier.spec.service) return std::nullopt;
  nlohmann::json selector = SelectorLabels(tier);
  selector[std::string(api::kLabelRole)] = std::string(api::kRoleServing);
  nlohmann::json ports = nlohmann::json::array();
  for (const auto& p : tier.spec.service->ports) {
    nlohmann::json port = {
        {"port", p.port}, {"targetPort", p.EffectiveTargetPort()}, {"protocol", p.protocol}};
    if (!p.name.empty()) port["name"] = p.name;
    ports.push_back(std::move(port));
  }
  return nlohmann::json{{"apiVersion", "v1"},
                        {"kind", "Service"},
                        {"metadata", OwnedMetadata(tier)},
                        {"spec",
                         {{"type", tier.spec.service->type},
                          {"selector", std::move(selector)},
                          {"ports", std::move(ports)}}}};
}

std::optional<nlohmann::json> BuildPodDisruptionBudget(const api::Tier& tier) {
  if (!tier.spec.pod_disruption_budget) return std::nullopt;
  nlohmann::json spec = {{"selector", {{"matchLabels", SelectorLabels(tier)}}}};
  const auto& budget = *tier.spec.pod_disruption_budget;
  if (budget.min_available) spec["minAvailable"] = *budget.min_available;
  if (budget.max_unavailable) spec["maxUnavailable"] = *budget.max_unavailable;
  return nlohmann::json{{"apiVersion", "policy/v1"},
                        {"kind", "PodDisruptionBudget"},
                        {"metadata", OwnedMetadata(tier)},
                        {"spec", std::move(spec)}};
}

}  // namespace baton::controller
