// PURE: the serving directory (docs/drain-protocol.md) — the ready,
// non-draining pods of a tier with their address and load — as the JSON
// Baton publishes in the ConfigMap "<tier>-serving", key directory.json.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/tier_types.h"
#include "controller/pod_view.h"
#include "drain/drain_reading.h"

namespace baton::controller {

// Without updatedAt: the caller compares this with what is published and
// stamps the time only when the endpoints changed, so an unchanged directory
// costs no write. drain_queue is the planner's (Plan::drain_queue): the pods
// it still means to drain, next first; it decides who takes sessions.
nlohmann::json ServingEndpoints(const api::Tier& tier, const std::vector<PodView>& owned_pods,
                                const std::map<std::string, drain::DrainReading>& readings,
                                const std::string& update_revision,
                                const std::vector<std::string>& drain_queue);

}  // namespace baton::controller
