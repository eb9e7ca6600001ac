// PURE: which canary is in force and how many pods it lets the update
// revision have. Runs before the planner: the canary only caps the rollout
// through the partition, so every other rule (surge, drains, availability)
// stays the planner's.
#pragma once

#include <optional>
#include <string>

#include "rollout/canary.h"

namespace baton::rollout {

// A step's pods at the update revision: its count, or its percentage of
// replicas rounded up, at least 1 and at most replicas.
// Worked numbers: 25% of 4 -> 1; 10% of 4 -> ceil(0.4) = 1; 50% of 5 -> 3.
std::int32_t stepReplicas(const CanaryStepPolicy& step, std::int32_t replicas);

// The canary record in force this pass, or nullopt for none:
// - the tier was rolled back from spec_revision: the previous record, kept
//   (RolledBack) until the spec changes;
// - no steps, a tier that never completed a revision (a new tier has
//   nothing to compare with), or nothing to roll (current == update): none;
// - the previous record, when it is for this update revision;
// - else a fresh record at step 0.
std::optional<CanaryRecord> canaryInForce(const CanaryPolicy& canary,
                                          const std::optional<CanaryRecord>& previous,
                                          const RolloutPolicy& policy,
                                          const std::string& spec_revision);

// The partition the planner works with: the spec's, raised so that at most
// the current step's pods run the update revision. Worked numbers:
// replicas 4, partition 0, step "25%" -> 1 pod -> partition 3.
std::int32_t canaryPartition(const CanaryPolicy& canary, const CanaryRecord& record,
                             const RolloutPolicy& policy);

}  // namespace baton::rollout
