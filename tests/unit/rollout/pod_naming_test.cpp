#include "rollout/pod_naming.h"

#include <gtest/gtest.h>

#include "rollout/revision_hash.h"

namespace baton::rollout {
namespace {

TEST(PodNaming, SlotNameTakesTheIndexPastTheHighestInUse) {
  struct Row {
    std::set<std::string, std::less<>> taken;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {{}, "relay-abc-0"},
      {{"relay-abc-0"}, "relay-abc-1"},
      // Never a freed name while a later one exists: relay-abc-1 left a
      // moment ago, and kubectl drain may still be evicting it by name.
      {{"relay-abc-0", "relay-abc-2"}, "relay-abc-3"},
      {{"relay-abc-1", "relay-old-0"}, "relay-abc-2"},
      {{"relay-abc-7x", "relay-abcd-4", "relay-abc-"}, "relay-abc-0"},
      {{"relay-abc-0", "relay-abc-1", "relay-abc-2"}, "relay-abc-3"},
  };
  for (const Row& row : rows) EXPECT_EQ(slotPodName("relay", "abc", row.taken), row.expected);
}

TEST(PodNaming, ShardNameIsOrdinalThenIncarnation) {
  EXPECT_EQ(shardPodName("sess", 0, "abc"), "sess-0-abc");
  EXPECT_EQ(shardPodName("sess", 12, "abc"), "sess-12-abc");
}

TEST(PodNaming, IncarnationIsTheRevisionUntilARestart) {
  EXPECT_EQ(incarnation("abc", std::nullopt), "abc");
  const TimePoint restart = TimePoint{} + std::chrono::seconds(1'700'000'000);
  const std::string restarted = incarnation("abc", restart);
  EXPECT_NE(restarted, "abc");
  EXPECT_EQ(restarted, shortHash("abc@1700000000"));
  EXPECT_NE(restarted, incarnation("abc", restart + std::chrono::seconds(1)));
  EXPECT_NE(restarted, incarnation("abd", restart));
}

TEST(PodNaming, AMovedShardPodTakesTheNextMoveName) {
  EXPECT_EQ(movedShardPodName("sess-1-abc", "sess-1-abc"), "sess-1-abc-m1");
  EXPECT_EQ(movedShardPodName("sess-1-abc-m1", "sess-1-abc"), "sess-1-abc-m2");
  EXPECT_EQ(movedShardPodName("sess-1-abc-m41", "sess-1-abc"), "sess-1-abc-m42");
}

}  // namespace
}  // namespace baton::rollout
