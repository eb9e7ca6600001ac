#include "controller/serving_directory.h"

#include <algorithm>

#include "api/contract.h"
#include "rollout/serving_weights.h"

namespace baton::controller {
namespace {

const drain::DrainReading* KnownReading(const std::map<std::string, drain::DrainReading>& readings,
                                        const std::string& pod) {
  auto it = readings.find(pod);
  return it != readings.end() && it->second.known ? &it->second : nullptr;
}

}  // namespace

nlohmann::json ServingEndpoints(const api::Tier& tier, const std::vector<PodView>& owned_pods,
                                const std::map<std::string, drain::DrainReading>& readings,
                                const std::string& update_revision,
                                const std::vector<std::string>& drain_queue) {
  nlohmann::json endpoints = nlohmann::json::array();
  auto port = tier.spec.EffectiveServingPort();
  std::vector<const PodView*> serving;
  rollout::TierLoad load;
  load.replicas = tier.spec.replicas;
  for (const auto& p : owned_pods) {
    if (p.terminating) continue;
    const bool serves = p.Label(std::string(api::kLabelRole)) == api::kRoleServing;
    if (const auto* r = KnownReading(readings, p.name)) {
      load.sessions += r->sessions;
      if (!serves || r->state != drain::DrainState::Serving) load.moving += r->sessions;
    }
    if (!p.ready || p.ip.empty() || !serves) continue;
    serving.push_back(&p);
  }
  std::sort(serving.begin(), serving.end(),
            [](const PodView* a, const PodView* b) { return a->name < b->name; });

  std::vector<rollout::ServingPod> pods;
  for (const PodView* p : serving) {
    const auto* r = KnownReading(readings, p->name);
    const auto queued = std::find(drain_queue.begin(), drain_queue.end(), p->name);
    const std::optional<std::int32_t> position =
        queued == drain_queue.end()
            ? std::nullopt
            : std::optional(static_cast<std::int32_t>(queued - drain_queue.begin()));
    pods.push_back({p->name, position, r != nullptr ? std::optional(r->sessions) : std::nullopt,
                    r != nullptr ? r->capacity : std::nullopt});
  }
  const std::vector<rollout::ServingWeight> weights = rollout::ServingWeights(pods, load);

  for (std::size_t i = 0; i < serving.size(); ++i) {
    const PodView* p = serving[i];
    nlohmann::json e = {{"pod", p->name},
                        {"address", p->ip},
                        {"port", port.value_or(0)},
                        {"revision", p->Label(std::string(api::kLabelRevision))},
                        {"weight", weights[i].weight}};
    // Load is a hint; an unknown count is left out rather than written as 0.
    if (pods[i].sessions) e["sessions"] = *pods[i].sessions;
    if (pods[i].capacity) e["capacity"] = *pods[i].capacity;
    if (weights[i].drain_order) e["drainOrder"] = *weights[i].drain_order;
    endpoints.push_back(std::move(e));
  }
  return {{"tier", tier.Name()},
          {"namespace", tier.Namespace()},
          {"revision", update_revision},
          {"endpoints", std::move(endpoints)}};
}

}  // namespace baton::controller
