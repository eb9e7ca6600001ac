// PURE: the objects a tier owns besides its pods, as Baton applies them
// (server-side apply, owner reference to the tier):
//   - the Service "<tier>", selecting only the tier's *serving* pods, so a pod
//     leaves the Service the moment it is labelled draining;
//   - the PodDisruptionBudget "<tier>", over all the tier's pods, so that
//     node drains and other evictions respect the tier while Baton rolls it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "api/tier_types.h"

namespace baton::controller {

// nullopt when the tier asks for no Service (spec.service unset).
std::optional<nlohmann::json> BuildService(const api::Tier& tier);
// nullopt when the tier asks for no PDB (spec.podDisruptionBudget unset).
std::optional<nlohmann::json> BuildPodDisruptionBudget(const api::Tier& tier);

}  // namespace baton::controller
