#include "rollout/node_departure.h"

#include <gtest/gtest.h>

namespace baton::rollout {
namespace {

NodeState Node(bool unschedulable, std::vector<NodeTaint> taints = {}) {
  return NodeState{"n7", unschedulable, std::move(taints)};
}

TEST(NodeDeparture, AHealthyNodeStays) {
  EXPECT_EQ(DepartureOf(Node(false)), std::nullopt);
  EXPECT_EQ(DepartureOf(Node(false, {{"dedicated", "NoSchedule"}})), std::nullopt);
}

TEST(NodeDeparture, ACordonedNodeIsLeavingBySpecOrByItsTaint) {
  EXPECT_EQ(DepartureOf(Node(true)), "cordoned");
  EXPECT_EQ(DepartureOf(Node(false, {{kTaintUnschedulable, "NoSchedule"}})), "cordoned");
}

TEST(NodeDeparture, AutoscalerTaintsAnnounceARemoval) {
  EXPECT_EQ(DepartureOf(Node(false, {{kTaintClusterAutoscaler, "NoSchedule"}})),
            "tainted ToBeDeletedByClusterAutoscaler");
  EXPECT_EQ(DepartureOf(Node(false, {{kTaintKarpenterDisrupted, "NoSchedule"}})),
            "tainted karpenter.sh/disrupted");
}

TEST(NodeDeparture, ASoftTaintIsNotADeparture) {
  // The cluster autoscaler marks candidates DeletionCandidateOfClusterAutoscaler
  // with PreferNoSchedule long before it decides.
  EXPECT_EQ(DepartureOf(Node(false, {{kTaintClusterAutoscaler, "PreferNoSchedule"}})),
            std::nullopt);
}

TEST(NodeDeparture, TheOperatorMayBeGivenMoreTaints) {
  const NodeState node = Node(false, {{"example.com/maintenance", "NoExecute"}});
  EXPECT_EQ(DepartureOf(node), std::nullopt);
  EXPECT_EQ(DepartureOf(node, {"example.com/maintenance"}), "tainted example.com/maintenance");
}

}  // namespace
}  // namespace baton::rollout
