// PURE: starting drains. Which candidates go first (drain_order.h), and
// whether each may start now against the drain limit and the availability
// floor (rollout_budget.h); a candidate that holds nothing is deleted
// outright instead. The budget is passed in and handed back spent, so two
// calls in a row (old pods, then surplus new ones) share it explicitly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rollout/observed_state.h"
#include "rollout/plan_fragment.h"

namespace baton::rollout {

// A pod that could drain, with the pod its sessions should go to (a
// SessionTier shard's successor; empty for relays and business pods).
struct DrainCandidate {
  const ObservedPod* pod = nullptr;
  std::string successor;
};

// What drains spend: pods whose workloads may be draining (against
// maxConcurrentDrains) and available pods (against replicas - maxUnavailable).
struct DrainBudget {
  std::int32_t draining = 0;
  std::int32_t available = 0;
};

// Why the pod drains, for the workload's logs and the Events: the tier's
// deletion, an evacuation, a rollout, a restart, else a scale-down.
std::string drainReason(const RolloutPolicy& policy, const ObservedPod& pod, TimePoint now);

// The first `wanted` candidates in the order startDrains takes them: the
// rest of the rollout's drain queue (Plan::drain_queue).
std::vector<std::string> drainQueue(const ObservedState& state,
                                    std::vector<DrainCandidate> candidates, std::int32_t wanted);

struct DrainStarts {
  PlanFragment plan;
  // Drains started and pods deleted outright (they held nothing).
  std::int32_t started = 0;
  DrainBudget budget;  // what is left of the budget passed in
};

// Starts up to `wanted` drains from the candidates, in drain order; says
// why (one wait) when it starts fewer. `keep_available`: honour the
// availability floor (not while the tier is being deleted).
DrainStarts startDrains(const ObservedState& state, std::vector<DrainCandidate> candidates,
                        std::int32_t wanted, bool keep_available, DrainBudget budget);

}  // namespace baton::rollout
