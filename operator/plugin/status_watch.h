// PURE: a tier object (as the API server returns it) -> one progress line
// and what `kubectl baton status` should do next. Follows the contract's rule
// for readers: a status whose observedGeneration is behind metadata.generation
// has not reported the current spec yet, whatever its phase says.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace baton::plugin {

enum class WatchOutcome {
  Continue,  // still progressing (or paused): keep watching
  Complete,  // exit 0
  Degraded,  // exit 1
};

struct StatusReading {
  std::string line;  // printed whenever it changes
  WatchOutcome outcome = WatchOutcome::Continue;
};

// Complete: observedGeneration == generation, phase Healthy, updatedReplicas
// == spec.replicas. Degraded: phase Degraded for the current generation.
StatusReading ReadStatus(const nlohmann::json& tier);

}  // namespace baton::plugin
