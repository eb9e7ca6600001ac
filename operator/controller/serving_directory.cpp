#include "controller/serving_directory.h"

#include <algorithm>

#include "api/contract.h"

namespace baton::controller {

nlohmann::json ServingEndpoints(const api::Tier& tier, const std::vector<PodView>& owned_pods,
                                const std::map<std::string, drain::DrainReading>& readings,
                                const std::string& update_revision) {
  nlohmann::json endpoints = nlohmann::json::array();
  auto port = tier.spec.EffectiveServingPort();
  std::vector<const PodView*> serving;
  for (const auto& p : owned_pods) {
    if (p.terminating || !p.ready || p.ip.empty()) continue;
    if (p.Label(std::string(api::kLabelRole)) != api::kRoleServing) continue;
    serving.push_back(&p);
  }
  std::sort(serving.begin(), serving.end(),
            [](const PodView* a, const PodView* b) { return a->name < b->name; });
  for (const PodView* p : serving) {
    nlohmann::json e = {{"pod", p->name},
                        {"address", p->ip},
                        {"port", port.value_or(0)},
                        {"revision", p->Label(std::string(api::kLabelRevision))}};
    // Load is a hint; an unknown count is left out rather than written as 0.
    if (auto it = readings.find(p->name); it != readings.end() && it->second.known) {
      e["sessions"] = it->second.sessions;
    }
    endpoints.push_back(std::move(e));
  }
  return {{"tier", tier.Name()},
          {"namespace", tier.Namespace()},
          {"revision", update_revision},
          {"endpoints", std::move(endpoints)}};
}

}  // namespace baton::controller
