// PURE: the status calculator's result -> the tier's status JSON as the API
// contract (docs/api-contract.md) names it.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "api/tier_types.h"
#include "rollout/status_calculator.h"

namespace baton::controller {

nlohmann::json StatusJson(const api::Tier& tier, const rollout::TierStatus& status);

// status.conditions as last written, in the calculator's terms, so that
// lastTransitionTime survives a condition whose status did not change.
std::vector<rollout::Condition> PreviousConditions(const api::TierStatus& status);

// The status with its fast-moving numbers removed (sessions now, rate, ETA,
// totals, message): two statuses equal under this differ only in numbers,
// which the reconciler writes at a throttled pace.
nlohmann::json WithoutNumbers(nlohmann::json status);

// The JSON merge patch that turns `previous` into `next`: a merge patch keeps
// fields it does not mention, so a field Baton no longer reports (the
// drainingPods of a finished drain, a stepStartedAt) is sent as null.
nlohmann::json StatusPatch(const nlohmann::json& previous, const nlohmann::json& next);

}  // namespace baton::controller
