#include "rollout/canary_steps.h"

#include <gtest/gtest.h>

#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using testing::relayTier;

CanaryPolicy twoSteps() {
  CanaryPolicy canary;
  canary.steps.push_back(CanaryStepPolicy{1, std::nullopt, Seconds(60), false});
  canary.steps.push_back(CanaryStepPolicy{1, 50, Seconds(60), true});
  return canary;
}

TEST(CanarySteps, StepReplicasRoundsPercentagesUpWithinOneAndReplicas) {
  EXPECT_EQ(stepReplicas(CanaryStepPolicy{0, 25, {}, false}, 4), 1);
  EXPECT_EQ(stepReplicas(CanaryStepPolicy{0, 10, {}, false}, 4), 1);
  EXPECT_EQ(stepReplicas(CanaryStepPolicy{0, 50, {}, false}, 5), 3);
  EXPECT_EQ(stepReplicas(CanaryStepPolicy{0, 100, {}, false}, 7), 7);
  EXPECT_EQ(stepReplicas(CanaryStepPolicy{0, 1, {}, false}, 1000), 10);
  EXPECT_EQ(stepReplicas(CanaryStepPolicy{9, std::nullopt, {}, false}, 4), 4);
  EXPECT_EQ(stepReplicas(CanaryStepPolicy{2, std::nullopt, {}, false}, 4), 2);
}

TEST(CanarySteps, NoCanaryWithoutStepsForANewTierOrWithNothingToRoll) {
  ObservedState s = relayTier();
  EXPECT_FALSE(canaryInForce(CanaryPolicy{}, std::nullopt, s.policy, "new"));
  s.policy.current_revision = "";  // a new tier: nothing to compare with
  EXPECT_FALSE(canaryInForce(twoSteps(), std::nullopt, s.policy, "new"));
  s.policy.current_revision = "new";
  EXPECT_FALSE(canaryInForce(twoSteps(), std::nullopt, s.policy, "new"));
}

TEST(CanarySteps, ANewRevisionStartsAtStepZeroAndAKnownOneResumesWhereItWas) {
  ObservedState s = relayTier();
  auto fresh = canaryInForce(twoSteps(), std::nullopt, s.policy, "new");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->revision, "new");
  EXPECT_EQ(fresh->step, 0);
  EXPECT_EQ(fresh->state, CanaryState::Scaling);

  CanaryRecord written;
  written.revision = "new";
  written.step = 1;
  written.state = CanaryState::AwaitingPromotion;
  auto resumed = canaryInForce(twoSteps(), written, s.policy, "new");
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->step, 1);

  written.revision = "older";  // the record of another revision: start again
  auto restarted = canaryInForce(twoSteps(), written, s.policy, "new");
  ASSERT_TRUE(restarted);
  EXPECT_EQ(restarted->step, 0);
  EXPECT_EQ(restarted->revision, "new");
}

TEST(CanarySteps, ARollbackHoldsUntilTheSpecRevisionChanges) {
  ObservedState s = relayTier();
  // Rolled back: the controller rolls to the stable template, so update ==
  // current == "old", while the spec still says "bad".
  s.policy.update_revision = "old";
  CanaryRecord written;
  written.revision = "bad";
  written.state = CanaryState::RolledBack;
  written.rollback = CanaryRollbackRecord{"bad", "WorkloadVerdict", "dropped 30%", testing::kNow};
  auto held = canaryInForce(twoSteps(), written, s.policy, "bad");
  ASSERT_TRUE(held);
  EXPECT_EQ(held->state, CanaryState::RolledBack);
  EXPECT_EQ(canaryPartition(twoSteps(), *held, s.policy), 0);

  // The spec moves on to "fixed": a fresh canary, the rollback forgotten.
  s.policy.update_revision = "fixed";
  auto next = canaryInForce(twoSteps(), written, s.policy, "fixed");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->revision, "fixed");
  EXPECT_FALSE(next->rollback);
}

TEST(CanarySteps, PartitionKeepsAllButTheStepsPodsOld) {
  ObservedState s = relayTier();  // 4 replicas
  CanaryRecord record;
  record.revision = "new";
  EXPECT_EQ(canaryPartition(twoSteps(), record, s.policy), 3);  // step 1: 1 pod
  record.step = 1;
  EXPECT_EQ(canaryPartition(twoSteps(), record, s.policy), 2);  // step 2: 50% = 2 pods
  record.step = 2;
  record.state = CanaryState::Complete;
  EXPECT_EQ(canaryPartition(twoSteps(), record, s.policy), 0);
  // The spec's own partition wins when it keeps more.
  s.policy.partition = 3;
  record.step = 1;
  record.state = CanaryState::Scaling;
  EXPECT_EQ(canaryPartition(twoSteps(), record, s.policy), 3);
}

}  // namespace
}  // namespace baton::rollout
