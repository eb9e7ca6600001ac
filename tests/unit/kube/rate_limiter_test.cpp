#include "kube/rate_limiter.h"

#include <gtest/gtest.h>

namespace baton::kube {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

TEST(ItemBackoff, DoublesPerItemUpToTheCapAndForgets) {
  ItemBackoff b(5ms, 100ms);
  EXPECT_EQ(b.When("a"), 5ms);
  EXPECT_EQ(b.When("a"), 10ms);
  EXPECT_EQ(b.When("a"), 20ms);
  EXPECT_EQ(b.When("b"), 5ms);  // independent per item
  EXPECT_EQ(b.When("a"), 40ms);
  EXPECT_EQ(b.When("a"), 80ms);
  EXPECT_EQ(b.When("a"), 100ms);
  EXPECT_EQ(b.Failures("a"), 6);
  b.Forget("a");
  EXPECT_EQ(b.Failures("a"), 0);
  EXPECT_EQ(b.When("a"), 5ms);
}

TEST(ItemBackoff, NeverOverflows) {
  ItemBackoff b(5ms, milliseconds(1'000'000));
  milliseconds last{0};
  for (int i = 0; i < 200; ++i) last = b.When("x");
  EXPECT_EQ(last, milliseconds(1'000'000));
}

TEST(TokenBucket, BurstThenPaced) {
  const auto t0 = TokenBucket::Clock::time_point{} + 1h;
  TokenBucket bucket(10.0, 3, t0);
  EXPECT_EQ(bucket.Reserve(t0).count(), 0);
  EXPECT_EQ(bucket.Reserve(t0).count(), 0);
  EXPECT_EQ(bucket.Reserve(t0).count(), 0);
  // Burst spent: the next reservations queue 100 ms apart.
  EXPECT_NEAR(std::chrono::duration<double>(bucket.Reserve(t0)).count(), 0.1, 1e-6);
  EXPECT_NEAR(std::chrono::duration<double>(bucket.Reserve(t0)).count(), 0.2, 1e-6);
  // After a second the bucket has refilled (capped at burst).
  const auto t1 = t0 + 10s;
  EXPECT_EQ(bucket.Reserve(t1).count(), 0);
}

TEST(RateLimiter, TakesTheLargerOfBackoffAndBucket) {
  const auto t0 = TokenBucket::Clock::time_point{} + 1h;
  RateLimiter limiter({.base_delay = 5ms, .max_delay = 1000s, .qps = 1.0, .burst = 1}, t0);
  EXPECT_EQ(limiter.When("a", t0), 5ms);  // bucket has a token; backoff dominates
  // Bucket empty: 1 s for the next token dominates b's 5 ms backoff.
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(limiter.When("b", t0)), 1000ms);
  EXPECT_EQ(limiter.NumRequeues("a"), 1);
  limiter.Forget("a");
  EXPECT_EQ(limiter.NumRequeues("a"), 0);
}

}  // namespace
}  // namespace baton::kube
