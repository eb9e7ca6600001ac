#include "target_picker.h"

#include <gtest/gtest.h>

#include <map>

namespace baton::examples {
namespace {

const HostPort kA{"127.0.0.1", 1}, kB{"127.0.0.2", 2}, kC{"127.0.0.3", 3};

TargetPicker Picker() {
  TargetPicker p(7);
  p.SetTargets({{"relay-a", kA}, {"relay-b", kB}, {"relay-c", kC}});
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

TEST(TargetPicker, NothingWhenOnlyTheRelayBeingLeftIsKnown) {
  TargetPicker p(1);
  p.SetTargets({{"relay-a", kA}});
  EXPECT_FALSE(p.Next("", kA));
  EXPECT_EQ(p.Next("", std::nullopt), kA);
}

}  // namespace
}  // namespace baton::examples
