// PURE: drains that are no longer wanted. When the update revision moves
// back (undo) or a shard needs its pod again, a drain under way is
// cancelled; when a workload drains that no record explains (a stray drain,
// usually our own seen through a lagging cache), it is either recorded,
// if the rollout wants that pod drained anyway, or cancelled.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "rollout/observed_state.h"
#include "rollout/plan_fragment.h"

namespace baton::rollout {

// CancelDrain then MarkServing (cancel first: a crash between the two
// leaves a draining-labelled pod that the next pass cancels again), and the
// Event. The drain slot is not freed in the pass: the workload may go on
// draining, whatever it answers, until it is observed serving.
void cancelDrain(PlanFragment& plan, const ObservedPod& pod, std::string message,
                 bool warning = false);

struct StrayDrains {
  PlanFragment plan;
  std::set<std::string, std::less<>> adopted;  // recorded as the rollout's own drains
};

// Pods labelled serving whose workload says it drains. `draining`: pods that
// may be draining now, these included (they hold their slot until seen
// serving). One the rollout wants drained is recorded (MarkDraining with the
// start the workload reports, never later than now) while the drain limit
// allows; any other is cancelled, label included, so that no draining label
// survives on the server to be taken for a live drain once the cache
// catches up.
StrayDrains settleStrayDrains(const ObservedState& state, std::int32_t draining);

struct Undo {
  PlanFragment plan;
  std::set<std::string, std::less<>> cancelled;
};

// Draining pods at the update revision that the tier needs serving again:
// RelayTier/BusinessTier, as many as the updated pods fall short of what is
// wanted, the pod holding the most sessions first (its undo saves the most
// moves); SessionTier, a shard's pod when the shard has no other pod at the
// update revision. `adopted`: this pass's stray drains, which are not
// serving. Nothing is undone while the tier is being deleted.
Undo planUndo(const ObservedState& state, const std::set<std::string, std::less<>>& adopted);

}  // namespace baton::rollout
