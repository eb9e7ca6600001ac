#include "kube/leader_elector.h"

#include <gtest/gtest.h>

namespace baton::kube {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Clock::time_point kT0 = Clock::time_point{} + 1h;

LeaderElectionRecord Held(const std::string& holder, int transitions = 0) {
  return {holder, 15, "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:05.000000Z", transitions};
}

TEST(DecideLease, CreatesAMissingLease) {
  auto d = DecideLease(std::nullopt, kT0, kT0, "me", 15s, "NOW");
  ASSERT_TRUE(d.write);
  EXPECT_TRUE(d.create);
  EXPECT_EQ(d.write->holder_identity, "me");
  EXPECT_EQ(d.write->lease_duration_seconds, 15);
  EXPECT_EQ(d.write->acquire_time, "NOW");
  EXPECT_EQ(d.write->lease_transitions, 0);
}

TEST(DecideLease, LeavesAValidLeaseOfAnotherHolderAlone) {
  auto d = DecideLease(Held("other"), kT0, kT0 + 14s, "me", 15s, "NOW");
  EXPECT_FALSE(d.write);
}

TEST(DecideLease, TakesOverAnExpiredLeaseCountingATransition) {
  auto d = DecideLease(Held("other", 4), kT0, kT0 + 15s, "me", 15s, "NOW");
  ASSERT_TRUE(d.write);
  EXPECT_FALSE(d.create);
  EXPECT_EQ(d.write->holder_identity, "me");
  EXPECT_EQ(d.write->lease_transitions, 5);
  EXPECT_EQ(d.write->acquire_time, "NOW");
}

TEST(DecideLease, ExpiryIsJudgedByTheRecordsDurationOnTheLocalClock) {
  // A released lease says leaseDurationSeconds 1 (and an empty holder).
  LeaderElectionRecord released = Held("");
  released.lease_duration_seconds = 1;
  EXPECT_TRUE(DecideLease(released, kT0, kT0, "me", 15s, "NOW").write);
  // A lease with a short duration held by someone else expires after it,
  // counted from when this process saw it change, not from renewTime.
  LeaderElectionRecord short_lease = Held("other");
  short_lease.lease_duration_seconds = 2;
  EXPECT_FALSE(DecideLease(short_lease, kT0, kT0 + 1900ms, "me", 15s, "NOW").write);
  EXPECT_TRUE(DecideLease(short_lease, kT0, kT0 + 2s, "me", 15s, "NOW").write);
}

TEST(DecideLease, RenewsOwnLeaseKeepingAcquireTimeAndTransitions) {
  auto d = DecideLease(Held("me", 2), kT0, kT0 + 100s, "me", 15s, "NOW");
  ASSERT_TRUE(d.write);
  EXPECT_EQ(d.write->acquire_time, "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(d.write->renew_time, "NOW");
  EXPECT_EQ(d.write->lease_transitions, 2);
}

TEST(LeaderElectionConfig, DefaultsAreClientGosAndValid) {
  LeaderElectionConfig c;
  EXPECT_EQ(c.lease_duration, 15s);
  EXPECT_EQ(c.renew_deadline, 10s);
  EXPECT_EQ(c.retry_period, 2s);
  EXPECT_NO_THROW(ValidateLeaderElectionConfig(c));
  c.renew_deadline = 15s;
  EXPECT_THROW(ValidateLeaderElectionConfig(c), std::invalid_argument);
  c.renew_deadline = 1s;
  c.retry_period = 1s;
  EXPECT_THROW(ValidateLeaderElectionConfig(c), std::invalid_argument);
}

}  // namespace
}  // namespace baton::kube
