#include "rollout/serving_weights.h"

#include <gtest/gtest.h>

#include <vector>

namespace baton::rollout {
namespace {

std::vector<std::int64_t> Weights(const std::vector<ServingWeight>& w) {
  std::vector<std::int64_t> out;
  for (const auto& x : w) out.push_back(x.weight);
  return out;
}

TEST(ServingWeights, SteadyTierWithNoLoadSpreadsEvenly) {
  auto w = ServingWeights({{"a", true, 0, std::nullopt}, {"b", true, 0, std::nullopt}}, {0, 0, 2});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{1, 1}));
  EXPECT_FALSE(w[0].drain_order);
}

TEST(ServingWeights, DrainingSessionsGoToTheNewPodNotToOldOnes) {
  // 4,000 sessions on 4 replicas: target 1,000. relay-a (990) drains; the new
  // pod has room 1,000; old pods get nothing, the one that drains next
  // (fewest sessions, relay-b) is marked drainOrder 0.
  auto w = ServingWeights({{"relay-b", false, 1000, std::nullopt},
                           {"relay-c", false, 1005, std::nullopt},
                           {"relay-d", false, 1005, std::nullopt},
                           {"relay-new", true, 0, std::nullopt}},
                          {4000, 990, 4});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{0, 0, 0, 1000}));
  EXPECT_EQ(w[0].drain_order, 0);
  EXPECT_EQ(w[1].drain_order, 1);
  EXPECT_EQ(w[2].drain_order, 2);
  EXPECT_FALSE(w[3].drain_order);
}

TEST(ServingWeights, OverflowGoesToTheOldPodThatDrainsLastNeverToTheNext) {
  // The new pod can hold only 100 more (capacity 100): the rest of what is
  // moving goes to the old pod drained last (relay-d, most sessions, room
  // 1,000 - 600 = 400), then to relay-c; relay-b drains next and takes none.
  auto w = ServingWeights({{"relay-b", false, 100, std::nullopt},
                           {"relay-c", false, 300, std::nullopt},
                           {"relay-d", false, 600, std::nullopt},
                           {"relay-new", true, 0, 100}},
                          {4000, 3000, 4});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{0, 700, 400, 100}));
}

TEST(ServingWeights, LevelsStopOnceWhatIsMovingIsCovered) {
  auto w = ServingWeights({{"relay-b", false, 100, std::nullopt},
                           {"relay-c", false, 300, std::nullopt},
                           {"relay-d", false, 600, std::nullopt},
                           {"relay-new", true, 0, 100}},
                          {4000, 450, 4});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{0, 0, 400, 100}));
}

TEST(ServingWeights, FullPodsTakeNothingAndUnknownCapacityIsNotZero) {
  // Everyone is above the mean: fall back to one each for the first level
  // with a pod below its capacity. relay-new is full; relay-d's capacity is
  // unknown, so it is not full.
  auto w = ServingWeights({{"relay-b", false, 1500, std::nullopt},
                           {"relay-d", false, 1600, std::nullopt},
                           {"relay-new", true, 1200, 1200}},
                          {3000, 0, 3});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{0, 1, 0}));
}

TEST(ServingWeights, UnknownLoadIsNoRoomButNotExcluded) {
  auto w = ServingWeights(
      {{"relay-new", true, std::nullopt, std::nullopt}, {"relay-old", false, 10, std::nullopt}},
      {10, 0, 2});
  // target 5: relay-old (the only old pod) is over it; the new pod's load
  // is unknown, so nobody has room we can vouch for: one each on the level
  // of the update revision.
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{1, 0}));
}

TEST(ServingWeights, ALoneOldPodStillServesWhenNothingElseDoes) {
  auto w = ServingWeights({{"relay-a", false, 0, std::nullopt}}, {0, 0, 1});
  EXPECT_EQ(Weights(w), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(w[0].drain_order, 0);
}

}  // namespace
}  // namespace baton::rollout
