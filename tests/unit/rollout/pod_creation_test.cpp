#include "rollout/pod_creation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using namespace baton::rollout::testing;  // NOLINT: test-only DSL
using ::testing::ElementsAre;
using ::testing::Pair;

// Two failed pods: the new pods take their places worst series first, and
// carry the count on.
TEST(PodCreation, ANewPodTakesTheWorstFailedSeries) {
  ObservedState s = relayTier();
  add(s, PodBuilder("relay-new-0", "new").failedAgo(seconds(100), /*attempts=*/1));
  add(s, PodBuilder("relay-new-1", "new").failedAgo(seconds(100), /*attempts=*/4));
  const std::vector<const ObservedPod*> replaceable{&s.pods[0], &s.pods[1]};
  const Creations creations =
      createPods(s.policy, std::nullopt,
                 {NewPod{"relay-new-2", -1}, NewPod{"relay-new-3", -1}, NewPod{"relay-new-4", -1}},
                 replaceable);
  EXPECT_THAT(describe(creations.plan),
              ElementsAre("create relay-new-2 after 5 failed", "create relay-new-3 after 2 failed",
                          "create relay-new-4"));
  EXPECT_THAT(creations.replacement_of,
              ElementsAre(Pair("relay-new-0", "relay-new-3"), Pair("relay-new-1", "relay-new-2")));
  ASSERT_EQ(creations.plan.events.size(), 3U);
  EXPECT_EQ(creations.plan.events[2].after_action, 2U);
}

TEST(PodCreation, AShardPodReplacesOnlyItsOwnShardsFailedPod) {
  ObservedState s = sessionTier();
  add(s, PodBuilder("sess-1-new", "new").shard(1).failedAgo(seconds(100), 2));
  const std::vector<const ObservedPod*> replaceable{&s.pods[0]};
  const Creations creations = createPods(
      s.policy, std::nullopt, {NewPod{"sess-0-new", 0}, NewPod{"sess-1-new-m1", 1}}, replaceable);
  EXPECT_THAT(describe(creations.plan), ElementsAre("create sess-0-new shard 0",
                                                    "create sess-1-new-m1 shard 1 after 3 failed"));
}

// The replaced pod goes after its replacement's create; one nothing will
// replace goes too; one still waiting for its replacement (surge, pause)
// stays.
TEST(PodCreation, SettlingFailedPods) {
  ObservedState s = relayTier();
  add(s, PodBuilder("relay-new-0", "new").failedAgo(seconds(100)));
  add(s, PodBuilder("relay-new-1", "new").failedAgo(seconds(100)));
  add(s, PodBuilder("relay-new-2", "new").failedAgo(seconds(100)));
  const std::vector<const ObservedPod*> replaceable{&s.pods[0], &s.pods[1], &s.pods[2]};
  const PlanFragment plan =
      settleFailedPods(replaceable, {{"relay-new-0", "relay-new-3"}}, {"relay-new-1"});
  EXPECT_THAT(describe(plan),
              ElementsAre("delete relay-new-0 Failed", "delete relay-new-2 Failed"));
  ASSERT_EQ(plan.events.size(), 2U);
  EXPECT_EQ(plan.events[0].reason, "PodReplaced");
  EXPECT_EQ(plan.events[1].reason, "PodDeleted");
}

}  // namespace
}  // namespace baton::rollout
