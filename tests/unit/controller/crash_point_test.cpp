#include "controller/crash_point.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace baton::controller {
namespace {

TEST(CrashPointTest, ParsesAWriteAndAnOptionalCount) {
  EXPECT_FALSE(CrashPoint::Parse(""));
  auto first = CrashPoint::Parse("mark-draining");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->write, "mark-draining");
  EXPECT_EQ(first->nth, 1);
  EXPECT_EQ(CrashPoint::Parse("delete-pod:3")->nth, 3);
}

TEST(CrashPointTest, RefusesWhatWouldSilentlyTestNothing) {
  EXPECT_THROW(CrashPoint::Parse("mark-drained"), std::invalid_argument);
  EXPECT_THROW(CrashPoint::Parse("delete-pod:"), std::invalid_argument);
  EXPECT_THROW(CrashPoint::Parse("delete-pod:0"), std::invalid_argument);
  EXPECT_THROW(CrashPoint::Parse("delete-pod:2x"), std::invalid_argument);
}

TEST(CrashPointTest, ReachedOnlyAtTheNthMatchingWrite) {
  CrashPoint point(CrashPoint::Parse("delete-pod:2"));
  EXPECT_FALSE(point.Reached("create-pod"));
  EXPECT_FALSE(point.Reached("delete-pod"));
  EXPECT_FALSE(point.Reached("mark-draining"));
  EXPECT_TRUE(point.Reached("delete-pod"));
  EXPECT_FALSE(point.Reached("delete-pod"));
}

TEST(CrashPointTest, WithoutASpecNothingIsEverReached) {
  CrashPoint none;
  for (auto write : write_point::kAll) EXPECT_FALSE(none.Reached(write));
}

}  // namespace
}  // namespace baton::controller
