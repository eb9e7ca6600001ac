// PURE: `kubectl baton get TIER` — the tier and its pods as a tree: revision,
// readiness, role (serving/draining) and live sessions. Sessions come only
// from what the API contract publishes: a draining pod's count from
// status.drainingPods[].sessionsNow, a serving pod's from the serving
// directory ConfigMap (endpoints[].sessions). Where neither says, the count is
// unknown and shown as "?", never as 0.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace baton::plugin {

// tier: the tier object; pods: the tier's pods (array of Pod objects, any
// order); directory: the parsed directory.json, or null when absent.
std::string RenderPodTree(const nlohmann::json& tier, const nlohmann::json& pods,
                          const nlohmann::json& directory);

}  // namespace baton::plugin
