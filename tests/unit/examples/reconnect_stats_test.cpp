#include "reconnect_stats.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(ReconnectStats, EmptyIsZero) {
  ReconnectStats s;
  EXPECT_EQ(s.count(), 0u);
  EXPECT_EQ(s.MaxPerWindow(milliseconds(100)), 0u);
  EXPECT_EQ(s.Percentile(99), microseconds(0));
}

TEST(ReconnectStats, FindsTheBusiestWindow) {
  ReconnectStats s;
  for (int i = 0; i < 30; ++i) s.Record(milliseconds(10 + i), microseconds(100));   // window 0
  for (int i = 0; i < 50; ++i) s.Record(milliseconds(150 + i), microseconds(100));  // window 1
  s.Record(milliseconds(99), microseconds(1));
  s.Record(milliseconds(100), microseconds(1));
  EXPECT_EQ(s.MaxPerWindow(milliseconds(100)), 51u);
  EXPECT_EQ(s.count(), 82u);
}

TEST(ReconnectStats, NearestRankPercentiles) {
  ReconnectStats s;
  for (int i = 1; i <= 100; ++i) s.Record(milliseconds(0), microseconds(i));
  EXPECT_EQ(s.Percentile(50), microseconds(50));
  EXPECT_EQ(s.Percentile(99), microseconds(99));
  EXPECT_EQ(s.Percentile(100), microseconds(100));
  EXPECT_EQ(s.Percentile(0), microseconds(1));
}

}  // namespace
}  // namespace baton::examples
