// PURE: observed state + the clock reading in it -> the next actions.
//
// One call looks at one snapshot and says what to do now; it keeps nothing
// between calls. Everything it needs to resume after a crash is in the
// cluster (pod labels and annotations, the pods' own drain readings), so the
// controller can be killed between any two actions and the next call picks
// up where the last one stopped. docs/architecture.md, "The rollout
// planner", states the rules.
#pragma once

#include "rollout/observed_state.h"
#include "rollout/plan.h"

namespace baton::rollout {

Plan planRollout(const ObservedState& state);

}  // namespace baton::rollout
