// Two processes contend for one Lease on the real apiserver: exactly one
// leads; kill -9 of the leader hands over within leaseDuration + 2 × retry
// period; a clean stop releases the lease at once.
#include "kube/leader_elector.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "kube/lease_lock.h"
#include "kube/rest_client.h"
#include "kube_watch_fixture.h"

namespace baton::kube {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::ChildProcess;

constexpr int kLeaseSeconds = 3;
constexpr int kRenewMs = 2000;
constexpr int kRetryMs = 500;

class LeaderElectionTest : public baton::testing::ClusterTest {
 protected:
  std::unique_ptr<ChildProcess> Contender(const std::string& identity) {
    return std::make_unique<ChildProcess>(std::vector<std::string>{
        LEASE_CONTENDER_BIN, cluster().kubeconfig(), ns(), "baton-leader", identity,
        std::to_string(kLeaseSeconds), std::to_string(kRenewMs), std::to_string(kRetryMs)});
  }
  // Whether a contender is leading now, from its last LEADING/STOPPED line.
  static bool Leading(ChildProcess& p) {
    bool leading = false;
    for (const auto& [t, line] : p.Lines()) {
      if (line.rfind("LEADING", 0) == 0) leading = true;
      if (line.rfind("STOPPED", 0) == 0) leading = false;
    }
    return leading;
  }
  static std::optional<Clock::time_point> When(ChildProcess& p, const std::string& prefix) {
    for (const auto& [t, line] : p.Lines()) {
      if (line.rfind(prefix, 0) == 0) return t;
    }
    return std::nullopt;
  }
  LeaderElectionRecord Lease() {
    auto client = testing::MakeClient();
    return RecordFromLease(client->Get(resources::kLeases, ns(), "baton-leader"));
  }
};

TEST_F(LeaderElectionTest, ExactlyOneLeadsAndKillNineHandsOverInTime) {
  auto a = Contender("contender-a");
  ASSERT_TRUE(a->WaitForLine("LEADING", 15s)) << "a never led";
  auto b = Contender("contender-b");
  ASSERT_TRUE(b->WaitForLine("LEADER contender-a", 15s)) << "b never saw a as leader";

  // For several lease periods, exactly one leads: a, never b.
  const auto watch_until = Clock::now() + std::chrono::seconds(2 * kLeaseSeconds);
  while (Clock::now() < watch_until) {
    ASSERT_TRUE(Leading(*a));
    ASSERT_FALSE(Leading(*b)) << "two leaders at once";
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(Lease().holder_identity, "contender-a");

  // kill -9: no release, b must wait out the lease.
  const auto killed_at = Clock::now();
  a->Kill(SIGKILL);
  a->Wait(5s);
  const auto bound = std::chrono::seconds(kLeaseSeconds) + 2 * std::chrono::milliseconds(kRetryMs);
  ASSERT_TRUE(b->WaitForLine("LEADING", bound + 3s)) << "b never took over";
  const auto took = *When(*b, "LEADING") - killed_at;
  std::printf(
      "handover after kill -9: %lld ms (bound %lld ms)\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(bound).count()));
  EXPECT_LE(took, bound);
  auto lease = Lease();
  EXPECT_EQ(lease.holder_identity, "contender-b");
  EXPECT_GE(lease.lease_transitions, 1);

  // A clean stop releases: holder emptied, duration 1 s.
  b->Kill(SIGTERM);
  ASSERT_TRUE(b->WaitForLine("EXIT", 10s));
  EXPECT_TRUE(b->WaitForLine("STOPPED", 1s));
  lease = Lease();
  EXPECT_EQ(lease.holder_identity, "");
  EXPECT_EQ(lease.lease_duration_seconds, 1);
}

TEST_F(LeaderElectionTest, AReleasedLeaseIsTakenWithoutWaitingItOut) {
  auto a = Contender("contender-a");
  ASSERT_TRUE(a->WaitForLine("LEADING", 15s));
  auto b = Contender("contender-b");
  ASSERT_TRUE(b->WaitForLine("LEADER contender-a", 15s));
  const auto stopped_at = Clock::now();
  a->Kill(SIGTERM);
  ASSERT_TRUE(a->WaitForLine("EXIT 1", 10s));
  ASSERT_TRUE(b->WaitForLine("LEADING", 10s));
  const auto took = *When(*b, "LEADING") - stopped_at;
  // Released: b needs the 1 s released duration + a retry, not the 3 s lease.
  EXPECT_LT(took, std::chrono::seconds(kLeaseSeconds)) << "b waited out the lease";
  // STOPPED came before the release: a's work had stopped first.
  ASSERT_TRUE(When(*a, "STOPPED"));
  EXPECT_LE(*When(*a, "STOPPED"), *When(*b, "LEADING"));
}

TEST_F(LeaderElectionTest, InProcessElectorsContendForTheSameLease) {
  auto c1 = testing::MakeClient();
  auto c2 = testing::MakeClient();
  LeaderElectionConfig config;
  config.lease_duration = 2s;
  config.renew_deadline = 1500ms;
  config.retry_period = 200ms;
  LeaderElector e1(LeaseLock(*c1, ns(), "inproc", "one"), config);
  LeaderElector e2(LeaseLock(*c2, ns(), "inproc", "two"), config);
  std::jthread t1([&](std::stop_token s) { e1.Run(s); });
  ASSERT_TRUE(testing::WaitUntil(10s, [&] { return e1.IsLeader(); }));
  std::jthread t2([&](std::stop_token s) { e2.Run(s); });
  for (int i = 0; i < 30; ++i) {
    ASSERT_NE(e1.IsLeader(), e2.IsLeader()) << "at " << i;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(e2.CurrentLeader(), "one");
  t1.request_stop();
  t1.join();
  EXPECT_FALSE(e1.IsLeader());
  EXPECT_TRUE(testing::WaitUntil(5s, [&] { return e2.IsLeader(); }));
}

}  // namespace
}  // namespace baton::kube
