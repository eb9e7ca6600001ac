// Whether a node is on its way out, from the slim fields Baton caches of it.
// A pod on such a node is moved as in a rollout — replacement first, then a
// drain at the tier's pace — instead of waiting for the eviction or the node's
// removal to cut its sessions (issue 19).
//
// What announces a departure:
// - spec.unschedulable (`kubectl cordon`, `kubectl drain`, managed node
//   upgrades), also seen as the taint node.kubernetes.io/unschedulable;
// - ToBeDeletedByClusterAutoscaler: the cluster autoscaler chose the node
//   for removal;
// - karpenter.sh/disrupted: Karpenter is consolidating or replacing it;
// - any taint key the operator is given (--departure-taints).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace baton::rollout {

struct NodeTaint {
  std::string key;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
};

struct NodeState {
  std::string name;
  bool unschedulable = false;
  std::vector<NodeTaint> taints;
};

inline constexpr const char* kTaintUnschedulable = "node.kubernetes.io/unschedulable";
inline constexpr const char* kTaintClusterAutoscaler = "ToBeDeletedByClusterAutoscaler";
inline constexpr const char* kTaintKarpenterDisrupted = "karpenter.sh/disrupted";

// Why the node is leaving ("cordoned", "tainted ToBeDeletedByClusterAutoscaler"),
// or nullopt if it is not. `extra_taint_keys` are announced departures too.
std::optional<std::string> DepartureOf(const NodeState& node,
                                       const std::vector<std::string>& extra_taint_keys = {});

}  // namespace baton::rollout
