// PURE: the writes of `kubectl baton promote|abort` — the tier's
// baton.dev/promote and baton.dev/abort annotations (api/contract.h), named
// after the canary that status.canary shows, so that a request meant for one
// canary never moves another.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace baton::plugin {

struct CanaryRequest {
  nlohmann::json patch;  // merge patch of the tier; null when refused
  std::string error;     // why there is nothing to promote or abort
  std::string summary;   // what it asks, for the user
};

// Promote the canary's current step (its bake or its promotion gate), or
// with `full` every step left.
CanaryRequest PromoteRequest(const nlohmann::json& tier, bool full);
// Roll the canary back as if a signal had failed.
CanaryRequest AbortRequest(const nlohmann::json& tier);

}  // namespace baton::plugin
