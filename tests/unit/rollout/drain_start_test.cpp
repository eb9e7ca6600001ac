#include "rollout/drain_start.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using namespace baton::rollout::testing;  // NOLINT: test-only DSL
using ::testing::ElementsAre;

std::vector<WaitReason> reasonsOf(const PlanFragment& plan) {
  std::vector<WaitReason> out;
  for (const Wait& w : plan.waits) out.push_back(w.reason);
  return out;
}

std::vector<DrainCandidate> candidatesOf(const ObservedState& s) {
  std::vector<DrainCandidate> out;
  for (const ObservedPod& pod : s.pods) out.push_back(DrainCandidate{&pod, ""});
  return out;
}

// Worked: replicas 4, maxUnavailable 0, 6 available: two may go (6 -> 4).
TEST(DrainStart, FewestSessionsFirstAndTheBudgetComesBackSpent) {
  ObservedState s = relayTier();
  s.policy.max_concurrent_drains = 2;
  addServing(s, "relay-old-0", "old", 300);
  addServing(s, "relay-old-1", "old", 100);
  addServing(s, "relay-old-2", "old", 200);
  const DrainStarts starts =
      startDrains(s, candidatesOf(s), 2, true, DrainBudget{/*draining=*/0, /*available=*/6});
  EXPECT_THAT(describe(starts.plan),
              ElementsAre("mark-draining relay-old-1", "request-drain relay-old-1",
                          "mark-draining relay-old-2", "request-drain relay-old-2"));
  EXPECT_EQ(starts.started, 2);
  EXPECT_EQ(starts.budget.draining, 2);
  EXPECT_EQ(starts.budget.available, 4);
  ASSERT_EQ(starts.plan.events.size(), 2U);
  EXPECT_EQ(starts.plan.events[0].after_action, 1U) << "DrainStarted after the request";
}

// Worked: replicas 4, maxUnavailable 0, 4 available: draining one would
// leave 3, so none starts and the wait says so.
TEST(DrainStart, TheAvailabilityFloorHoldsUnlessTheTierGoes) {
  ObservedState s = relayTier();
  addServing(s, "relay-old-0", "old", 10);
  DrainStarts starts = startDrains(s, candidatesOf(s), 1, true, DrainBudget{0, 4});
  EXPECT_TRUE(starts.plan.actions.empty());
  EXPECT_THAT(reasonsOf(starts.plan), ElementsAre(WaitReason::AvailabilityLimit));
  starts = startDrains(s, candidatesOf(s), 1, /*keep_available=*/false, DrainBudget{0, 4});
  EXPECT_EQ(starts.started, 1);
}

TEST(DrainStart, NoSlotStopsAndAnUnknownCountIsSkippedNeverDrained) {
  ObservedState s = relayTier();
  addServing(s, "relay-old-0", "old", 10);
  add(s, PodBuilder("relay-old-1", "old"), unknown(5));
  DrainStarts starts = startDrains(s, candidatesOf(s), 2, true, DrainBudget{1, 6});
  EXPECT_TRUE(starts.plan.actions.empty());
  EXPECT_THAT(reasonsOf(starts.plan), ElementsAre(WaitReason::ConcurrentDrainLimit));

  starts = startDrains(s, candidatesOf(s), 2, true, DrainBudget{0, 6});
  EXPECT_THAT(describe(starts.plan),
              ElementsAre("mark-draining relay-old-0", "request-drain relay-old-0"));
  // Then the slot is full: the limit, not the unknown count, is the reason.
  EXPECT_THAT(reasonsOf(starts.plan), ElementsAre(WaitReason::ConcurrentDrainLimit));

  ObservedState only_unknown = relayTier();
  add(only_unknown, PodBuilder("relay-old-1", "old"), unknown(5));
  starts = startDrains(only_unknown, candidatesOf(only_unknown), 1, true, DrainBudget{0, 6});
  EXPECT_TRUE(starts.plan.actions.empty());
  EXPECT_THAT(reasonsOf(starts.plan), ElementsAre(WaitReason::NoReadableCandidate));
}

// A pod that never ran is deleted, without a slot: it holds nothing.
TEST(DrainStart, APodThatHoldsNothingIsDeletedWithoutASlot) {
  ObservedState s = relayTier();
  add(s, PodBuilder("relay-old-0", "old").pending());
  add(s, PodBuilder("relay-old-1", "old").crashLooping(/*between_restarts=*/true));
  const DrainStarts starts = startDrains(s, candidatesOf(s), 2, true, DrainBudget{1, 0});
  EXPECT_THAT(describe(starts.plan),
              ElementsAre("delete relay-old-0 NeverRan", "delete relay-old-1 NoProcess"));
  EXPECT_EQ(starts.budget.draining, 1);
}

TEST(DrainStart, TheQueueIsTheDrainOrder) {
  ObservedState s = relayTier();
  addServing(s, "relay-old-0", "old", 300);
  add(s, PodBuilder("relay-old-1", "old"), unknown());
  addServing(s, "relay-old-2", "old", 100);
  EXPECT_THAT(drainQueue(s, candidatesOf(s), 3),
              ElementsAre("relay-old-2", "relay-old-0", "relay-old-1"));
  EXPECT_THAT(drainQueue(s, candidatesOf(s), 1), ElementsAre("relay-old-2"));
  EXPECT_TRUE(drainQueue(s, candidatesOf(s), -1).empty());
}

TEST(DrainStart, TheReasonSaysWhy) {
  ObservedState s = relayTier();
  const ObservedPod old = PodBuilder("relay-old-0", "old");
  const ObservedPod updated = PodBuilder("relay-new-0", "new");
  const ObservedPod leaving = PodBuilder("relay-new-1", "new").leaving("node n7 (cordoned)");
  EXPECT_EQ(drainReason(s.policy, old, kNow), "rollout to revision new");
  EXPECT_EQ(drainReason(s.policy, updated, kNow), "scale down");
  EXPECT_EQ(drainReason(s.policy, leaving, kNow), "evacuating relay-new-1 from node n7 (cordoned)");
  s.policy.restart_at = kNow - seconds(1);
  EXPECT_EQ(drainReason(s.policy, updated, kNow), "restart");
  s.policy.deleting = true;
  EXPECT_EQ(drainReason(s.policy, updated, kNow), "tier relay is being deleted");
}

}  // namespace
}  // namespace baton::rollout
