#include "rollout/rollout_budget.h"

#include <gtest/gtest.h>

#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using namespace baton::rollout::testing;  // NOLINT: test-only DSL

// The worked numbers of rollout_budget.h.
TEST(RolloutBudget, SurgeRoom) {
  RolloutPolicy p = relayTier().policy;  // replicas 4, maxSurge 1
  EXPECT_EQ(surgeRoom(p, 5), 0);
  EXPECT_EQ(surgeRoom(p, 4), 1);
  p.replicas = 2;  // scaled down: more pods than allowed
  EXPECT_EQ(surgeRoom(p, 5), -2);
}

TEST(RolloutBudget, DrainLimitIsAtLeastOne) {
  RolloutPolicy p = relayTier().policy;
  p.max_concurrent_drains = 0;
  EXPECT_EQ(drainLimit(p), 1);
  p.max_concurrent_drains = 3;
  EXPECT_EQ(drainLimit(p), 3);
}

TEST(RolloutBudget, DrainDeadlineIsTheStartPlusTheTimeoutIfAny) {
  RolloutPolicy p = relayTier().policy;  // timeout 600 s
  EXPECT_EQ(drainDeadline(p, kNow), kNow + seconds(600));
  p.drain.timeout.reset();
  EXPECT_EQ(drainDeadline(p, kNow), std::nullopt);
}

TEST(RolloutBudget, MayTakeOneOutKeepsReplicasMinusMaxUnavailable) {
  RolloutPolicy p = relayTier().policy;  // replicas 4, maxUnavailable 0
  EXPECT_TRUE(mayTakeOneOut(p, 5));
  EXPECT_FALSE(mayTakeOneOut(p, 4));
  p.max_unavailable = 1;
  EXPECT_TRUE(mayTakeOneOut(p, 4));
  EXPECT_FALSE(mayTakeOneOut(p, 3));
}

TEST(RolloutBudget, PartitionKeepsAtMostTheOldPodsStillServing) {
  RolloutPolicy p = relayTier().policy;
  p.partition = 1;
  EXPECT_EQ(keptOld(p, 3), 1);
  EXPECT_EQ(wantedUpdated(p, 3), 3);
  EXPECT_EQ(keptOld(p, 0), 0);
  EXPECT_EQ(wantedUpdated(p, 0), 4);
  p.partition = 9;  // above replicas: every pod stays old
  EXPECT_EQ(keptOld(p, 4), 4);
  EXPECT_EQ(wantedUpdated(p, 4), 0);
}

}  // namespace
}  // namespace baton::rollout
