// PURE: the pod Baton creates for a CreatePod action — the tier's template
// plus Baton's labels (tier, kind, revision, role, shard), the restart
// annotation and the controller owner reference that makes the pod the
// tier's (and lets garbage collection remove it with the tier).
#pragma once

#include <nlohmann/json.hpp>

#include "api/tier_types.h"
#include "rollout/plan.h"

namespace baton::controller {

nlohmann::json BuildPod(const api::Tier& tier, const rollout::CreatePod& action);

// The owner reference to the tier, controller=true.
nlohmann::json OwnerReference(const api::Tier& tier);

}  // namespace baton::controller
