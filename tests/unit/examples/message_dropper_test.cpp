#include "message_dropper.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

int DropsOf(MessageDropper d, int messages) {
  int dropped = 0;
  for (int i = 0; i < messages; ++i) dropped += d.Next() ? 1 : 0;
  return dropped;
}

TEST(MessageDropper, DropsExactlyTheShareSpreadEvenly) {
  EXPECT_EQ(DropsOf(MessageDropper(0.3), 1000), 300);
  EXPECT_EQ(DropsOf(MessageDropper(0.25), 4), 1);  // not 4 in a row later
  EXPECT_EQ(DropsOf(MessageDropper(1), 7), 7);
}

TEST(MessageDropper, ZeroNeverDropsAndOutOfRangeIsClamped) {
  EXPECT_EQ(DropsOf(MessageDropper(0), 1000), 0);
  EXPECT_EQ(DropsOf(MessageDropper(-1), 1000), 0);
  EXPECT_EQ(DropsOf(MessageDropper(3), 10), 10);
}

}  // namespace
}  // namespace baton::examples
