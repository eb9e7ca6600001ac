#include "line_splitter.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

TEST(LineSplitter, SplitsAcrossChunksAndDropsCarriageReturns) {
  LineSplitter s;
  ASSERT_TRUE(s.Append("HEL"));
  EXPECT_FALSE(s.Next());
  ASSERT_TRUE(s.Append("LO a\r\nSEND b 1 hi\nBY"));
  EXPECT_EQ(s.Next(), "HELLO a");
  EXPECT_EQ(s.Next(), "SEND b 1 hi");
  EXPECT_FALSE(s.Next());
  ASSERT_TRUE(s.Append("E\n"));
  EXPECT_EQ(s.Next(), "BYE");
  EXPECT_EQ(s.buffered(), 0u);
}

TEST(LineSplitter, KeepsEmptyLines) {
  LineSplitter s;
  s.Append("\n\nx\n");
  EXPECT_EQ(s.Next(), "");
  EXPECT_EQ(s.Next(), "");
  EXPECT_EQ(s.Next(), "x");
}

TEST(LineSplitter, RefusesAnOverlongLine) {
  LineSplitter s(8);
  EXPECT_TRUE(s.Append("12345678"));
  EXPECT_FALSE(s.Append("9"));
  EXPECT_TRUE(s.overflowed());
  EXPECT_FALSE(s.Next());
  EXPECT_FALSE(s.Append("\n"));
}

TEST(LineSplitter, ManyShortLinesDoNotGrowTheBuffer) {
  LineSplitter s(16);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(s.Append("ACK " + std::to_string(i) + "\n"));
    ASSERT_EQ(s.Next(), "ACK " + std::to_string(i));
  }
  EXPECT_EQ(s.buffered(), 0u);
}

}  // namespace
}  // namespace baton::examples
