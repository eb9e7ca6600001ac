#include "rollout/pod_census.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using namespace baton::rollout::testing;  // NOLINT: test-only DSL
using ::testing::ElementsAre;

// Worked: 3 serving pods (minReadySeconds 0: all available), one labelled
// draining, one labelled serving whose workload drains (a stray drain), one
// terminating relay still handing over, one that failed 2 s ago (in backoff).
TEST(PodCensus, CountsEveryBudgetOnce) {
  ObservedState s = relayTier();
  addServing(s, "relay-old-0", "old", 10);
  addServing(s, "relay-old-1", "old", 20);
  add(s, PodBuilder("relay-new-0", "new").readyFor(seconds(0)), serving(0, "inst-relay-new-0"));
  add(s, PodBuilder("relay-old-2", "old").draining(seconds(5)), draining(5, "inst-relay-old-2"));
  add(s, PodBuilder("relay-old-3", "old"), draining(7, "inst-relay-old-3"));
  add(s, PodBuilder("relay-old-4", "old").terminating(), draining(3, "inst-relay-old-4"));
  add(s, PodBuilder("relay-new-1", "new").failedAgo(seconds(2)));
  const PodCensus census = takeCensus(s);
  // 6 live pods (the terminating one too) + the failed one in backoff.
  EXPECT_EQ(census.pods, 7);
  // Labelled draining, the stray drain, the terminating relay.
  EXPECT_EQ(census.draining, 3);
  EXPECT_EQ(census.awaiting_request, 0);
  // relay-old-0, relay-old-1, relay-new-0 (minReadySeconds 0) and the stray
  // drain, still labelled serving.
  EXPECT_EQ(census.available, 4);
  EXPECT_EQ(census.names.size(), 7U);
  ASSERT_EQ(census.backing_off.size(), 1U);
  EXPECT_EQ(census.backing_off[0]->name, "relay-new-1");
  EXPECT_TRUE(census.replaceable.empty());
  EXPECT_TRUE(census.has_failed_pods);
  EXPECT_THAT(census.plan.waits, ::testing::SizeIs(1));
  ASSERT_TRUE(census.requeue_at.has_value());
  EXPECT_EQ(*census.requeue_at, kNow + seconds(3)) << "5 s backoff after the first failure";
}

TEST(PodCensus, ADrainLabelWhoseWorkloadServesAwaitsItsRequest) {
  ObservedState s = relayTier();
  add(s, PodBuilder("relay-old-0", "old").draining(seconds(5)), serving(40, "inst-relay-old-0"));
  const PodCensus census = takeCensus(s);
  EXPECT_EQ(census.draining, 1);
  EXPECT_EQ(census.awaiting_request, 1);
}

// An outdated failed pod, and any failed pod of a tier being deleted, is
// not backed off: it is replaceable at once and holds no slot.
TEST(PodCensus, OutdatedOrDeletedTiersFailedPodsAreReplaceableAtOnce) {
  ObservedState s = relayTier();
  add(s, PodBuilder("relay-old-0", "old").failedAgo(seconds(1)));
  add(s, PodBuilder("relay-new-0", "new").failedAgo(seconds(1)));
  PodCensus census = takeCensus(s);
  EXPECT_EQ(census.pods, 1);
  ASSERT_EQ(census.replaceable.size(), 1U);
  EXPECT_EQ(census.replaceable[0]->name, "relay-old-0");

  s.policy.deleting = true;
  census = takeCensus(s);
  EXPECT_EQ(census.pods, 0);
  EXPECT_EQ(census.replaceable.size(), 2U);
  EXPECT_FALSE(census.requeue_at.has_value());
}

TEST(PodCensus, ATerminatingFailedPodCountsForNothing) {
  ObservedState s = relayTier();
  add(s, PodBuilder("relay-new-0", "new").failedAgo(seconds(1)).terminating());
  const PodCensus census = takeCensus(s);
  EXPECT_EQ(census.pods, 0);
  EXPECT_FALSE(census.has_failed_pods);
  EXPECT_THAT(census.names, ElementsAre("relay-new-0")) << "its name is still taken";
}

TEST(PodCensus, ShardBackingOffLooksAtTheShard) {
  ObservedState s = sessionTier();
  add(s, PodBuilder("sess-1-new", "new").shard(1).failedAgo(seconds(1)));
  const PodCensus census = takeCensus(s);
  EXPECT_TRUE(shardBackingOff(census, 1));
  EXPECT_FALSE(shardBackingOff(census, 0));
}

}  // namespace
}  // namespace baton::rollout
