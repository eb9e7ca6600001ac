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
  constexpr int32_t kEveryPod = 2147483647;
  if (!tier.spec.pod_disruption_budget) return std::nullopt;
  // No eviction of a pod that may hold sessions: kubectl drain, the cluster
  // autoscaler and Karpenter get 429 and retry while Baton moves the pod off
  // its leaving node through the drain; once drained Baton deletes it, and
  // the next retry finds it gone (404 counts as evicted).
  //
  // Not maxUnavailable 0: with it the disruption controller takes the
  // expected count from the tier's scale subresource (spec.replicas), so
  // while a surge pod exists — 7 healthy pods for replicas 6 — it allows one
  // eviction (seen in the e2e test: a serving relay evicted mid-drain). An
  // integer minAvailable counts the pods themselves, and one no tier reaches
  // never allows an eviction. Unhealthy pods are covered too
  // (IfHealthyBudget, the default): not Ready is not "empty".
  nlohmann::json spec = {{"selector", {{"matchLabels", SelectorLabels(tier)}}},
                         {"minAvailable", kEveryPod}};
  return nlohmann::json{{"apiVersion", "policy/v1"},
                        {"kind", "PodDisruptionBudget"},
                        {"metadata", OwnedMetadata(tier)},
                        {"spec", std::move(spec)}};
}

}  // namespace baton::controller
