#include "target_picker.h"

#include <gtest/gtest.h>

#include <map>

namespace baton::examples {
namespace {

const HostPort kA{"127.0.0.1", 1}, kB{"127.0.0.2", 2}, kC{"127.0.0.3", 3};

TargetPicker Picker() {
  TargetPicker p(7);
  p.SetTargets({{"relay-a", kA, std::nullopt, Room::kOpen},
                {"relay-b", kB, std::nullopt, Room::kOpen},
                {"relay-c", kC, std::nullopt, Room::kOpen}});
  return p;
}

TEST(TargetPicker, InitialPlacementIsRoundRobin) {
  auto p = Picker();
  EXPECT_EQ(p.Initial(0), kA);
  EXPECT_EQ(p.Initial(1), kB);
  EXPECT_EQ(p.Initial(5), kC);
  EXPECT_FALSE(TargetPicker(1).Initial(0));
}

TEST(TargetPicker, FollowsAHintByPodNameOrAddress) {
  auto p = Picker();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(p.Next("relay-c", kA), kC);
    EXPECT_EQ(p.Next("127.0.0.2:2", kA), kB);
  }
}

TEST(TargetPicker, IgnoresAHintAtTheRelayBeingLeftOrUnknown) {
  auto p = Picker();
  for (int i = 0; i < 50; ++i) {
    EXPECT_NE(p.Next("relay-a", kA), kA);
    EXPECT_NE(p.Next("nobody", kA), kA);
  }
}

TEST(TargetPicker, SpreadsUnhintedMovesOverTheOthers) {
  auto p = Picker();
  std::map<int, int> seen;
  for (int i = 0; i < 400; ++i) ++seen[p.Next("", kA)->port];
  EXPECT_EQ(seen.count(1), 0u);
  EXPECT_GT(seen[2], 100);
  EXPECT_GT(seen[3], 100);
}

TEST(TargetPicker, FollowsTheDirectoryWeights) {
  TargetPicker p(3);
  p.SetTargets({{"relay-a", kA, 0, Room::kOpen},
                {"relay-b", kB, 30, Room::kOpen},
                {"relay-c", kC, 10, Room::kOpen}});
  std::map<int, int> seen;
  for (int i = 0; i < 4000; ++i) ++seen[p.Next("", std::nullopt)->port];
  EXPECT_EQ(seen.count(1), 0u);  // weight 0: drains next, takes none
  // 3:1 expected (3,000 : 1,000); the bounds are ~10 standard deviations wide.
  EXPECT_GT(seen[2], 2700);
  EXPECT_GT(seen[3], 700);
}

TEST(TargetPicker, PassesOverFullTargetsAndFullHints) {
  TargetPicker p(5);
  p.SetTargets({{"relay-a", kA, 5, Room::kFull},
                {"relay-b", kB, 0, Room::kOpen},
                {"relay-c", kC, 0, Room::kOpen}});
  for (int i = 0; i < 50; ++i) {
    EXPECT_NE(p.Next("relay-a", std::nullopt), kA);
    EXPECT_NE(p.Next("", std::nullopt), kA);
  }
  // When every other target is full, one is still named (the relay decides).
  p.SetTargets({{"relay-a", kA, 5, Room::kFull}, {"relay-b", kB, 0, Room::kFull}});
  EXPECT_EQ(p.Next("", kB), kA);
}

TEST(TargetsFromDirectory, CarriesWeightAndFullness) {
  ServingDirectory d;
  d.endpoints = {{"relay-a", "127.0.0.1", 1, 19000, "5", 0, 19000},
                 {"relay-b", "127.0.0.2", 2, 10, "5", 7, std::nullopt}};
  auto t = TargetsFromDirectory(d);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].room, Room::kFull);
  EXPECT_EQ(t[0].weight, 0);
  EXPECT_EQ(t[1].room, Room::kOpen);  // unknown capacity is never "full"
  EXPECT_EQ(t[1].weight, 7);
}

// A directory entry without "sessions": unknown, never 0. Before the fix it
// read as 0 sessions, so a pod never read looked like it had room.
TEST(TargetPicker, AnUnknownCountIsTakenOnlyWhenNoTargetHasKnownRoom) {
  auto d = ParseServingDirectory(R"({"endpoints": [
      {"pod": "relay-a", "address": "127.0.0.1", "port": 1, "weight": 1000, "capacity": 100},
      {"pod": "relay-b", "address": "127.0.0.2", "port": 2, "sessions": 50, "weight": 1,
       "capacity": 100},
      {"pod": "relay-c", "address": "127.0.0.3", "port": 3, "sessions": 100, "weight": 1,
       "capacity": 100}]})");
  ASSERT_TRUE(d);
  TargetPicker p(9);
  p.SetTargets(TargetsFromDirectory(*d));
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(p.Next("", std::nullopt), kB);
    EXPECT_EQ(p.Next("relay-a", std::nullopt), kB);  // a hint at it is not followed either
  }
  // relay-b being left: relay-a's unknown count is preferred to full relay-c.
  for (int i = 0; i < 50; ++i) EXPECT_EQ(p.Next("", kB), kA);
}

TEST(TargetPicker, NothingWhenOnlyTheRelayBeingLeftIsKnown) {
  TargetPicker p(1);
  p.SetTargets({{"relay-a", kA, std::nullopt, Room::kOpen}});
  EXPECT_FALSE(p.Next("", kA));
  EXPECT_EQ(p.Next("", std::nullopt), kA);
}

}  // namespace
}  // namespace baton::examples
