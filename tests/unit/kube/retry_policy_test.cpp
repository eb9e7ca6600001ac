#include "kube/retry_policy.h"

#include <gtest/gtest.h>

namespace baton::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Kind = TransportError::Kind;

AttemptOutcome Http(int code, std::optional<seconds> retry_after = std::nullopt) {
  return {code, retry_after, std::nullopt};
}
AttemptOutcome Transport(Kind kind) {
  return {0, std::nullopt, kind};
}

TEST(RetryPolicyTest, TooManyRequestsWithRetryAfterIsRetriedForEveryVerb) {
  const RetryPolicy p;
  for (const char* verb : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_EQ(RetryDelay(p, verb, 0, Http(429, seconds(3))), milliseconds(3000)) << verb;
  }
}

TEST(RetryPolicyTest, WithoutRetryAfterNothingIsRetried) {
  const RetryPolicy p;
  EXPECT_FALSE(RetryDelay(p, "POST", 0, Http(429)));  // eviction blocked by a PDB
  EXPECT_FALSE(RetryDelay(p, "GET", 0, Http(503)));
  EXPECT_FALSE(RetryDelay(p, "GET", 0, Http(500)));
}

TEST(RetryPolicyTest, ServerErrorsWithRetryAfterSpareCreates) {
  const RetryPolicy p;
  EXPECT_TRUE(RetryDelay(p, "GET", 0, Http(500, seconds(1))));
  EXPECT_TRUE(RetryDelay(p, "PUT", 0, Http(503, seconds(1))));
  EXPECT_TRUE(RetryDelay(p, "DELETE", 0, Http(504, seconds(1))));
  EXPECT_FALSE(RetryDelay(p, "POST", 0, Http(500, seconds(1))));
}

TEST(RetryPolicyTest, ClientErrorsAreFinal) {
  const RetryPolicy p;
  for (int code : {400, 401, 403, 404, 409, 410, 422}) {
    EXPECT_FALSE(RetryDelay(p, "GET", 0, Http(code, seconds(1)))) << code;
  }
}

TEST(RetryPolicyTest, RetryAfterIsClampedBothWays) {
  RetryPolicy p;
  p.max_retry_after = milliseconds(5000);
  EXPECT_EQ(RetryDelay(p, "GET", 0, Http(429, seconds(3600))), milliseconds(5000));
  EXPECT_EQ(RetryDelay(p, "GET", 0, Http(429, seconds(0))), p.initial_backoff);
}

TEST(RetryPolicyTest, TransportFailures) {
  const RetryPolicy p;
  EXPECT_TRUE(RetryDelay(p, "POST", 0, Transport(Kind::ConnectFailed)));
  EXPECT_TRUE(RetryDelay(p, "GET", 0, Transport(Kind::Other)));
  EXPECT_FALSE(RetryDelay(p, "POST", 0, Transport(Kind::Other)));  // may have been applied
  EXPECT_FALSE(RetryDelay(p, "PATCH", 0, Transport(Kind::Other)));
  EXPECT_FALSE(RetryDelay(p, "GET", 0, Transport(Kind::Timeout)));
  EXPECT_FALSE(RetryDelay(p, "GET", 0, Transport(Kind::Tls)));
}

TEST(RetryPolicyTest, BackoffGrowsAndIsCapped) {
  RetryPolicy p;
  p.max_retries = 100;
  p.initial_backoff = milliseconds(100);
  p.max_backoff = milliseconds(1000);
  const auto t = Transport(Kind::ConnectFailed);
  EXPECT_EQ(RetryDelay(p, "GET", 0, t), milliseconds(100));
  EXPECT_EQ(RetryDelay(p, "GET", 1, t), milliseconds(200));
  EXPECT_EQ(RetryDelay(p, "GET", 3, t), milliseconds(800));
  EXPECT_EQ(RetryDelay(p, "GET", 4, t), milliseconds(1000));
  EXPECT_EQ(RetryDelay(p, "GET", 60, t), milliseconds(1000));
}

TEST(RetryPolicyTest, RetriesAreBounded) {
  RetryPolicy p;
  p.max_retries = 2;
  EXPECT_TRUE(RetryDelay(p, "GET", 1, Http(429, seconds(1))));
  EXPECT_FALSE(RetryDelay(p, "GET", 2, Http(429, seconds(1))));
  EXPECT_FALSE(RetryDelay(p, "GET", 2, Transport(Kind::ConnectFailed)));
}

}  // namespace
}  // namespace baton::kube
