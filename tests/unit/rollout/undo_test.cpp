#include "rollout/undo.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using namespace baton::rollout::testing;  // NOLINT: test-only DSL
using ::testing::ElementsAre;

// Undo to "old" while two "old" pods drain: the tier needs one back; the one
// holding more sessions is kept (its undo saves the most moves).
TEST(Undo, KeepsThePodHoldingTheMostSessions) {
  ObservedState s = relayTier();
  s.policy.replicas = 2;
  s.policy.update_revision = "old";
  addServing(s, "relay-old-0", "old", 10);
  add(s, PodBuilder("relay-old-1", "old").draining(seconds(5), 100),
      draining(60, "inst-relay-old-1"));
  add(s, PodBuilder("relay-old-2", "old").draining(seconds(5), 100),
      draining(90, "inst-relay-old-2"));
  const Undo undo = planUndo(s, {});
  EXPECT_THAT(describe(undo.plan),
              ElementsAre("cancel-drain relay-old-2", "mark-serving relay-old-2"));
  EXPECT_THAT(undo.cancelled, ElementsAre("relay-old-2"));
  ASSERT_EQ(undo.plan.events.size(), 1U);
  EXPECT_EQ(undo.plan.events[0].after_action, 1U) << "recorded once the pod is marked serving";
}

TEST(Undo, NothingIsUndoneWhileTheTierIsDeleted) {
  ObservedState s = relayTier();
  s.policy.deleting = true;
  add(s, PodBuilder("relay-new-0", "new").draining(seconds(5), 100),
      draining(60, "inst-relay-new-0"));
  EXPECT_TRUE(planUndo(s, {}).plan.actions.empty());
}

TEST(StrayDrains, AnOutdatedPodIsRecordedWithinTheLimitAndAnyOtherCancelled) {
  ObservedState s = relayTier();
  s.readings["relay-old-0"] = draining(50, "inst-relay-old-0");
  add(s, PodBuilder("relay-old-0", "old"));
  s.readings["relay-new-0"] = draining(5, "inst-relay-new-0");
  add(s, PodBuilder("relay-new-0", "new"));
  const StrayDrains strays = settleStrayDrains(s, /*draining=*/2);
  EXPECT_THAT(describe(strays.plan),
              ElementsAre("mark-draining relay-old-0", "cancel-drain relay-new-0",
                          "mark-serving relay-new-0"));
  EXPECT_THAT(strays.adopted, ElementsAre("relay-old-0"));
}

}  // namespace
}  // namespace baton::rollout
