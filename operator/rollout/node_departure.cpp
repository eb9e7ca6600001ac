#include "rollout/node_departure.h"

#include <algorithm>

namespace baton::rollout {

std::optional<std::string> DepartureOf(const NodeState& node,
                                       const std::vector<std::string>& extra_taint_keys) {
  if (node.unschedulable) return "cordoned";
  for (const NodeTaint& taint : node.taints) {
    // A PreferNoSchedule taint is a hint to the scheduler, not a departure.
    if (taint.effect == "PreferNoSchedule") continue;
    if (taint.key == kTaintUnschedulable) return "cordoned";
    const bool announced = taint.key == kTaintClusterAutoscaler ||
                           taint.key == kTaintKarpenterDisrupted ||
                           std::find(extra_taint_keys.begin(), extra_taint_keys.end(), taint.key) !=
                               extra_taint_keys.end();
    if (announced) return "tainted " + taint.key;
  }
  return std::nullopt;
}

}  // namespace baton::rollout
