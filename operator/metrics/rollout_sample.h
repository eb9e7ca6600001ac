// PURE: one reconcile pass (controller::TierPass) -> the baton_* values it
// implies: tier gauges, per-pod session gauges, and the increments of the
// counters and histogram (drains that ended, sessions cut, rollouts that
// finished). An unknown session count yields no sample — never 0.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "controller/controller_observer.h"

namespace baton::metrics {

struct RolloutSample {
  std::string ns, name, kind, phase;
  std::int64_t desired = 0, updated = 0, ready = 0;
  std::map<std::string, std::int64_t> pod_sessions;   // pod -> live sessions (known only)
  std::map<std::string, std::int64_t> sessions_left;  // draining pod -> sessions (known only)
  std::vector<double> drain_seconds;                  // drains that ended this pass
  std::int64_t sessions_cut = 0;  // onTimeout Proceed deletions, and serving pods deleted by others
  std::int64_t evacuations = 0;   // EvacuationStarted this pass (counted when acted)
  std::int64_t failed_pods_replaced = 0;     // PodReplaced this pass (counted when acted)
  std::vector<std::string> rollout_results;  // "completed", "rolled_back", "degraded"
};

RolloutSample SampleOf(const controller::TierPass& pass);

}  // namespace baton::metrics
