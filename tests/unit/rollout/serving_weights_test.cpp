#include "rollout/serving_weights.h"

#include <gtest/gtest.h>

#include <vector>

namespace baton::rollout {
namespace {

// Readable rows: a pod the rollout keeps, or one at a place in its drain queue.
constexpr std::optional<std::int32_t> kKept = std::nullopt;
constexpr std::optional<std::int64_t> kUnknown = std::nullopt;

std::vector<std::int64_t> Weights(const std::vector<ServingWeight>& w) {
  std::vector<std::int64_t> out;
  for (const auto& x : w) out.push_back(x.weight);
  return out;
}

TEST(ServingWeights, SteadyTierWithNoLoadSpreadsEvenly) {
  auto w = ServingWeights({{"a", kKept, 0, kUnknown}, {"b", kKept, 0, kUnknown}}, {0, 0, 2});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{1, 1}));
  EXPECT_FALSE(w[0].drain_order);
}

TEST(ServingWeights, DrainingSessionsGoToTheKeptPodNotToQueuedOnes) {
  // 4,000 sessions on 4 replicas: target 1,000. relay-a (990) drains; the new
  // pod has room 1,000; queued pods get nothing, the one that drains next
  // (relay-b) is marked drainOrder 0.
  auto w = ServingWeights({{"relay-b", 0, 1000, kUnknown},
                           {"relay-c", 1, 1005, kUnknown},
                           {"relay-d", 2, 1005, kUnknown},
                           {"relay-new", kKept, 0, kUnknown}},
                          {4000, 990, 4});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{0, 0, 0, 1000}));
  EXPECT_EQ(w[0].drain_order, 0);
  EXPECT_EQ(w[1].drain_order, 1);
  EXPECT_EQ(w[2].drain_order, 2);
  EXPECT_FALSE(w[3].drain_order);
}

TEST(ServingWeights, OverflowGoesToThePodThatDrainsLastNeverToTheNext) {
  // The new pod can hold only 100 more (capacity 100): the rest of what is
  // moving goes to the pod drained last (relay-d, room 1,000 - 600 = 400),
  // then to relay-c; relay-b drains next and takes none.
  auto w = ServingWeights({{"relay-b", 0, 100, kUnknown},
                           {"relay-c", 1, 300, kUnknown},
                           {"relay-d", 2, 600, kUnknown},
                           {"relay-new", kKept, 0, 100}},
                          {4000, 3000, 4});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{0, 700, 400, 100}));
}

TEST(ServingWeights, LevelsStopOnceWhatIsMovingIsCovered) {
  auto w = ServingWeights({{"relay-b", 0, 100, kUnknown},
                           {"relay-c", 1, 300, kUnknown},
                           {"relay-d", 2, 600, kUnknown},
                           {"relay-new", kKept, 0, 100}},
                          {4000, 450, 4});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{0, 0, 400, 100}));
}

TEST(ServingWeights, FullPodsTakeNothingAndUnknownCapacityIsNotZero) {
  // Everyone is above the mean: fall back to one each for the first level
  // with a pod below its capacity. relay-new is full; relay-d's capacity is
  // unknown, so it is not full.
  auto w = ServingWeights({{"relay-b", 0, 1500, kUnknown},
                           {"relay-d", 1, 1600, kUnknown},
                           {"relay-new", kKept, 1200, 1200}},
                          {3000, 0, 3});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{0, 1, 0}));
}

TEST(ServingWeights, UnknownLoadIsNoRoomButNotExcluded) {
  auto w = ServingWeights(
      {{"relay-new", kKept, kUnknown, kUnknown}, {"relay-old", 0, 10, kUnknown}}, {10, 0, 2});
  // target 5: relay-old (the only queued pod) is over it; the new pod's load
  // is unknown, so nobody has room we can vouch for: one each on the level
  // of the kept pods.
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{1, 0}));
}

TEST(ServingWeights, AnUnreadSurgePodIsWaitedForNotOverflowedPast) {
  // 2,000 sessions on 4 replicas: target 500. new-0 took the first old pod's
  // 500; new-1 was created a moment ago and is not read yet; old-1 drains
  // (500 moving), old-2 and old-3 hold 500 each. No pod has room we can
  // vouch for: steer to new-1 alone, so that readers hold the sessions
  // until its count is known (before: new-0 and new-1 got 1 each, and
  // readers, which never send to an unknown count, sent all to new-0).
  auto w = ServingWeights({{"new-0", kKept, 500, kUnknown},
                           {"new-1", kKept, kUnknown, kUnknown},
                           {"old-2", 0, 500, kUnknown},
                           {"old-3", 1, 500, kUnknown}},
                          {2000, 500, 4});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{0, 1, 0, 0}));
}

TEST(ServingWeights, ALoneQueuedPodStillServesWhenNothingElseDoes) {
  auto w = ServingWeights({{"relay-a", 0, 0, kUnknown}}, {0, 0, 1});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(w[0].drain_order, 0);
}

TEST(ServingWeights, RestartSteersByTheQueueThoughEveryPodHasOneRevision) {
  // A restart: every pod runs the update revision; the planner queues the
  // three not yet restarted. The restarted pod takes what moves; relay-b,
  // next to drain, takes none although it holds the fewest sessions.
  auto w = ServingWeights({{"relay-b", 0, 900, kUnknown},
                           {"relay-c", 1, 1000, kUnknown},
                           {"relay-d", 2, 1000, kUnknown},
                           {"relay-r", kKept, 100, kUnknown}},
                          {4000, 1000, 4});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{0, 0, 0, 900}));
  EXPECT_EQ(w[0].drain_order, 0);
  EXPECT_FALSE(w[3].drain_order);
}

TEST(ServingWeights, EvacuationDrainsTheLeavingPodNextWhateverItsLoad) {
  // The leaving pod holds the most sessions but is the only one queued: it
  // takes none; the pods that stay share what moves by their room.
  auto w = ServingWeights({{"relay-a", kKept, 800, kUnknown},
                           {"relay-leaving", 0, 1200, kUnknown},
                           {"relay-c", kKept, 700, kUnknown},
                           {"relay-new", kKept, 0, kUnknown}},
                          {2700, 0, 3});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{100, 0, 200, 900}));
  EXPECT_EQ(w[1].drain_order, 0);
  EXPECT_FALSE(w[0].drain_order);
}

TEST(ServingWeights, PartitionKeepersAreNotQueuedAndTakeSessionsLikeNewPods) {
  // partition 2: relay-k1 and relay-k2 stay old for good; only relay-q is
  // queued. The keeper with the fewest sessions is no longer drainOrder 0.
  auto w = ServingWeights({{"relay-k1", kKept, 200, kUnknown},
                           {"relay-k2", kKept, 900, kUnknown},
                           {"relay-new", kKept, 0, kUnknown},
                           {"relay-q", 0, 500, kUnknown}},
                          {2000, 400, 4});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{300, 0, 500, 0}));
  EXPECT_FALSE(w[0].drain_order);
  EXPECT_EQ(w[3].drain_order, 0);
}

TEST(ServingWeights, DrainOrderCountsOnlyTheListedPods) {
  // Queue places 3 and 5 (the pods before them are not Ready, or draining):
  // of the pods listed, the one at place 3 drains next.
  auto w = ServingWeights({{"relay-x", 5, 10, kUnknown},
                           {"relay-y", 3, 10, kUnknown},
                           {"relay-new", kKept, 0, kUnknown}},
                          {20, 0, 2});
  EXPECT_EQ(w[0].drain_order, 1);
  EXPECT_EQ(w[1].drain_order, 0);
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{0, 0, 10}));
}

}  // namespace
}  // namespace baton::rollout
