#include "drain/serving_interval.h"

#include <gtest/gtest.h>

#include <string>

namespace baton::drain {
namespace {

using namespace std::chrono_literals;

DrainReading Known(int64_t sessions, DrainState state = DrainState::Serving) {
  DrainReading r;
  r.known = true;
  r.sessions = sessions;
  r.state = state;
  r.instance_id = "i1";
  return r;
}

TEST(ServingIntervalTest, SmallCountsMoveOnAnyChange) {
  EXPECT_FALSE(CountMoved(Known(0), Known(0)));
  EXPECT_TRUE(CountMoved(Known(0), Known(1)));
  EXPECT_TRUE(CountMoved(Known(15), Known(14)));
}

TEST(ServingIntervalTest, LargeCountsMoveBySixteenthOrMore) {
  EXPECT_FALSE(CountMoved(Known(500000), Known(497000))) << "churn is not a move";
  EXPECT_FALSE(CountMoved(Known(500000), Known(531249)));
  EXPECT_TRUE(CountMoved(Known(500000), Known(534000)));  // 34,000 x 16 >= 534,000
  EXPECT_TRUE(CountMoved(Known(500000), Known(400000)));
  // 0 -> 75 (a scale-up's sessions arriving) moves; 74 -> 75 does not.
  EXPECT_TRUE(CountMoved(Known(0), Known(75)));
  EXPECT_FALSE(CountMoved(Known(74), Known(75)));
}

TEST(ServingIntervalTest, StateInstanceAndKnownnessAlwaysMove) {
  EXPECT_TRUE(CountMoved(Known(100), Known(100, DrainState::Draining)));
  auto other = Known(100);
  other.instance_id = "i2";
  EXPECT_TRUE(CountMoved(Known(100), other));
  EXPECT_TRUE(CountMoved(DrainReading::Unknown("refused", {}), Known(100)));
  EXPECT_TRUE(CountMoved(Known(100), DrainReading::Unknown("refused", {})));
}

TEST(ServingIntervalTest, DoublesFromThePollIntervalUpToTheRestWithJitter) {
  EXPECT_EQ(ServingInterval(0, 5s, 30s, 0.5), 5s);
  EXPECT_EQ(ServingInterval(1, 5s, 30s, 0.5), 10s);
  EXPECT_EQ(ServingInterval(2, 5s, 30s, 0.5), 20s);
  EXPECT_EQ(ServingInterval(3, 5s, 30s, 0.0), 30s);
  EXPECT_EQ(ServingInterval(3, 5s, 30s, 0.5), 45s);
  EXPECT_EQ(ServingInterval(100, 5s, 30s, 0.999), 59970ms);
}

TEST(ServingIntervalTest, NeverShorterThanThePollInterval) {
  EXPECT_EQ(ServingInterval(0, 300s, 30s, 0.0), 300s);
  EXPECT_EQ(ServingInterval(5, 300s, 30s, 0.0), 300s);
}

TEST(ServingIntervalTest, JitterIsInUnitRangeAndRepeatable) {
  double sum = 0;
  for (uint64_t n = 0; n < 1000; ++n) {
    const double j = JitterOf("ns/pod-" + std::to_string(n % 7), n);
    ASSERT_GE(j, 0.0);
    ASSERT_LT(j, 1.0);
    sum += j;
  }
  EXPECT_NEAR(sum / 1000, 0.5, 0.05) << "spread over the range, not stuck at one end";
  EXPECT_EQ(JitterOf("ns/p", 3), JitterOf("ns/p", 3));
  EXPECT_NE(JitterOf("ns/p", 3), JitterOf("ns/p", 4));
}

}  // namespace
}  // namespace baton::drain
