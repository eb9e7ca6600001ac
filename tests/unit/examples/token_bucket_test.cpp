#include "token_bucket.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

using std::chrono::milliseconds;
using Clock = TokenBucket::Clock;

// Drives a bucket with a 1 ms tick for `total` and returns how many events it
// allowed in each 100 ms window.
std::vector<int> PerWindow(TokenBucket& bucket, Clock::time_point t0, milliseconds total) {
  std::vector<int> windows(static_cast<std::size_t>(total.count() / 100), 0);
  for (long ms = 0; ms < total.count(); ++ms) {
    while (bucket.TryTake(t0 + milliseconds(ms))) ++windows[static_cast<std::size_t>(ms / 100)];
  }
  return windows;
}

TEST(TokenBucket, StartsWithItsCapacityThenPaces) {
  auto t0 = Clock::now();
  TokenBucket bucket(1000, 10, t0);
  int burst = 0;
  while (bucket.TryTake(t0)) ++burst;
  EXPECT_EQ(burst, 10);
  EXPECT_FALSE(bucket.TryTake(t0 + std::chrono::microseconds(999)));
  EXPECT_TRUE(bucket.TryTake(t0 + milliseconds(1)));
}

TEST(TokenBucket, NeverExceedsPacePlusCapacityInAnyWindow) {
  auto t0 = Clock::now();
  TokenBucket bucket(1000, 10, t0);
  auto windows = PerWindow(bucket, t0, milliseconds(5000));
  int total = 0;
  for (int w : windows) {
    EXPECT_LE(w, 110);
    total += w;
  }
  EXPECT_GE(total, 5000);
  EXPECT_LE(total, 5010);
}

TEST(TokenBucket, IdleTimeSavesNoMoreThanCapacity) {
  auto t0 = Clock::now();
  TokenBucket bucket(100, 2, t0);
  EXPECT_EQ(bucket.Available(t0 + std::chrono::seconds(60)), 2);
}

TEST(TokenBucket, SetRateChangesThePaceFromNowOn) {
  auto t0 = Clock::now();
  TokenBucket bucket(10, 1, t0);
  ASSERT_TRUE(bucket.TryTake(t0));
  bucket.SetRate(1000, 1, t0);
  EXPECT_TRUE(bucket.TryTake(t0 + milliseconds(1)));
  EXPECT_DOUBLE_EQ(bucket.rate(), 1000);
}

TEST(TokenBucket, ZeroRateReleasesOnlyTheInitialToken) {
  auto t0 = Clock::now();
  TokenBucket bucket(0, 1, t0);
  EXPECT_TRUE(bucket.TryTake(t0));
  EXPECT_FALSE(bucket.TryTake(t0 + std::chrono::hours(1)));
}

}  // namespace
}  // namespace baton::examples
