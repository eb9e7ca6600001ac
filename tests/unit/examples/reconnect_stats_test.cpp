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

TEST(ReconnectStats, PeakRateOverASlidingSpan) {
  ReconnectStats s;
  // 60 in [900 ms, 1100 ms): fixed 1 s windows see 30 and 30, a sliding one 60.
  for (int i = 0; i < 60; ++i) s.Record(milliseconds(900 + 200 * i / 60), microseconds(1));
  s.Record(milliseconds(2100), microseconds(1));
  EXPECT_EQ(s.MaxPerWindow(milliseconds(1000)), 30u);
  EXPECT_EQ(s.MaxInAnySpan(milliseconds(1000)), 60u);
  EXPECT_EQ(ReconnectStats().MaxInAnySpan(milliseconds(1000)), 0u);
}

TEST(ReconnectStats, MergesAnotherFleetShiftedByItsLaterStart) {
  ReconnectStats a;
  a.Record(milliseconds(50), microseconds(10));
  ReconnectStats b;
  b.Record(milliseconds(20), microseconds(30));
  a.Merge(b, milliseconds(40));  // b started 40 ms after a: its reconnect began at 60 ms
  EXPECT_EQ(a.count(), 2u);
  EXPECT_EQ(a.MaxPerWindow(milliseconds(100)), 2u);
  EXPECT_EQ(a.started()[1], milliseconds(60));
  EXPECT_EQ(a.Percentile(100), microseconds(30));
}

}  // namespace
}  // namespace baton::examples
