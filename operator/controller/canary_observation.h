// PURE: the canary between the tier's JSON types (api/) and the rollout
// core's (rollout/canary.h): its policy from spec.rollout.canary, its record
// from status.canary (the operator's memory of it across restarts), the
// promote and abort annotations, and the record back as status.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/tier_types.h"
#include "rollout/canary.h"

namespace baton::controller {

rollout::CanaryPolicy CanaryPolicyOf(const api::CanarySpec& spec);

// nullopt when status.canary is absent; a record with an unreadable time
// keeps the rest (a bake whose end cannot be read starts again: never shorter).
std::optional<rollout::CanaryRecord> CanaryRecordOf(const std::optional<api::CanaryStatus>& status);

rollout::CanaryRequests CanaryRequestsOf(const api::Tier& tier);

api::CanaryStatus CanaryStatusOf(const rollout::CanaryView& view);

// The pod template stored in the tier's ControllerRevision for `hash`
// (revision_history.h): what a rolled-back tier creates pods from. nullopt
// when no revision of this tier (controller uid) holds it.
std::optional<nlohmann::json> StoredTemplate(const std::vector<nlohmann::json>& revisions,
                                             const std::string& tier_uid, const std::string& hash);

}  // namespace baton::controller
