#include "relay_verdict.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

using std::chrono::seconds;

TEST(RelayVerdict, HealthyAtOrBelowTheShareUnhealthyAbove) {
  auto ok = JudgeRelay({990, 10, 0}, seconds(10), 0.01, false);
  EXPECT_TRUE(ok.healthy) << ok.reason;
  EXPECT_EQ(ok.reason, "dropped 1.0% of 1000 messages in the last 10 s");
  auto bad = JudgeRelay({70, 30, 0}, seconds(10), 0.01, false);
  EXPECT_FALSE(bad.healthy);
  EXPECT_EQ(bad.reason, "dropped 30.0% of 100 messages in the last 10 s");
}

TEST(RelayVerdict, NoMessagesIsHealthy) {
  auto idle = JudgeRelay({}, seconds(10), 0.01, false);
  EXPECT_TRUE(idle.healthy);
  EXPECT_EQ(idle.reason, "dropped 0.0% of 0 messages in the last 10 s");
}

TEST(RelayVerdict, RefusingOrARefusedSessionIsUnhealthy) {
  auto refused = JudgeRelay({100, 0, 2}, seconds(10), 0.01, false);
  EXPECT_FALSE(refused.healthy);
  EXPECT_EQ(refused.reason, "refused 2 sessions in the last 10 s");
  auto refusing = JudgeRelay({}, seconds(10), 0.01, true);
  EXPECT_FALSE(refusing.healthy);
  EXPECT_EQ(refusing.reason, "refusing new sessions; refused 0 sessions in the last 10 s");
  auto both = JudgeRelay({1, 1, 1}, seconds(10), 0.01, false);
  EXPECT_EQ(both.reason,
            "refused 1 sessions in the last 10 s; dropped 50.0% of 2 messages in the last 10 s");
}

}  // namespace
}  // namespace baton::examples
