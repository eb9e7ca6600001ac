// The drain monitor (operator/drain/drain_monitor.cpp) with the real HTTP
// client, following many pods of which some misbehave: a hang or a trickle
// must not delay the readings of the others, a count is reported as read
// (no smoothing: the planner decides), an error replaces a known count with
// unknown (never a stale number), and a restart shows as a new instanceId.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "drain/drain_monitor.h"
#include "fault_responder.h"

namespace baton::drain_faults {
namespace {

using namespace std::chrono_literals;
using drain::DrainMonitor;
using drain::DrainReading;
using drain::FollowSpec;
using Clock = std::chrono::steady_clock;

FollowSpec Polled(int port, std::chrono::milliseconds interval = 100ms) {
  FollowSpec spec;
  spec.endpoint.host = "127.0.0.1";
  spec.endpoint.port = port;
  spec.poll_interval = interval;
  return spec;
}

// Waits (bounded) until `pred` holds; false on timeout.
bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

class MonitorFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = drain::MakeHttpDrainClient(drain::HttpDrainClientOptions{400ms});
    drain::DrainMonitorOptions options;
    options.retry_after_error = 200ms;
    // Fairness, not back-off, is tested here: a healthy pod whose count sits
    // still keeps being read about every 100 ms.
    options.rest_interval = 100ms;
    monitor_ = std::make_unique<DrainMonitor>(
        *client_,
        [this](const std::string& key) {
          std::lock_guard lock(mu_);
          changes_.push_back(key);
        },
        options);
  }
  void TearDown() override { monitor_->Stop(); }

  std::size_t ChangesOf(const std::string& key) {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(std::count(changes_.begin(), changes_.end(), key));
  }

  std::unique_ptr<drain::DrainClient> client_;
  std::unique_ptr<DrainMonitor> monitor_;
  std::mutex mu_;
  std::vector<std::string> changes_;
};

TEST_F(MonitorFaults, MisbehavingPodsDoNotDelayTheOthers) {
  // More stuck pods than cpprestsdk's pool has threads (40): a client that
  // parks a pool thread per stuck answer would starve the healthy ones.
  constexpr int kStuck = 48;
  RawFaultServer hang(RawFault::kHang);
  RawFaultServer trickle(RawFault::kTrickleBody, 100ms);
  ClosedPort refused;
  ScriptedDrainServer healthy_a({{200, StatusBody("a", 10, "Serving"), 0ms}});
  ScriptedDrainServer healthy_b({{200, StatusBody("b", 20, "Serving"), 0ms}});
  for (int i = 0; i < kStuck; ++i) {
    monitor_->Track("hang-" + std::to_string(i), Polled(hang.port()));
    monitor_->Track("trickle-" + std::to_string(i), Polled(trickle.port()));
  }
  monitor_->Track("refused", Polled(refused.port()));
  monitor_->Track("a", Polled(healthy_a.port()));
  monitor_->Track("b", Polled(healthy_b.port()));

  const auto start = Clock::now();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto a = monitor_->Latest("a");
        auto b = monitor_->Latest("b");
        return a && a->known && b && b->known;
      },
      5s))
      << "healthy pods were not read while others hung";
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(monitor_->Latest("a")->sessions, 10);
  EXPECT_EQ(monitor_->Latest("b")->sessions, 20);

  // They keep being read at their interval (100-200 ms) while the others hang.
  const auto reads_before = healthy_a.requests();
  std::this_thread::sleep_for(1500ms);
  EXPECT_GE(healthy_a.requests() - reads_before, 5u);

  // Every misbehaving pod reads unknown, none as zero.
  for (const std::string key : {"hang-0", "hang-47", "trickle-0", "trickle-47", "refused"}) {
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = monitor_->Latest(key);
          return r.has_value();
        },
        5s))
        << key << " was never read";
    EXPECT_FALSE(monitor_->Latest(key)->known) << key;
  }
}

// Issue 18: one tenant's hanging endpoints must not starve other tiers. A
// budget of 8 reads in flight, a client timeout of 5 s, 20 pods of one tier
// that never answer (first in key order) and one healthy pod of another
// tier: with one shared budget the 20 would hold all 8 slots for 5 s at a
// time; with a share per tier the healthy pod is read at its interval.
TEST(MonitorFairShare, AHangingTierLeavesOtherTiersTheirShareOfTheBudget) {
  auto client = drain::MakeHttpDrainClient(drain::HttpDrainClientOptions{5s});
  drain::DrainMonitorOptions options;
  options.max_in_flight = 8;
  options.rest_interval = 100ms;  // as above: no back-off to hide a starved read
  DrainMonitor monitor(*client, nullptr, options);
  RawFaultServer hang(RawFault::kHang);
  ScriptedDrainServer healthy({{200, StatusBody("ok", 3, "Serving"), 0ms}});
  for (int i = 0; i < 20; ++i) {
    auto spec = Polled(hang.port());
    spec.group = "RelayTier/hostile/relay";
    monitor.Track("a-hostile/relay-" + std::to_string(i), spec);
  }
  auto spec = Polled(healthy.port());
  spec.group = "RelayTier/other/relay";
  monitor.Track("z-other/relay-0", spec);

  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = monitor.Latest("z-other/relay-0");
        return r && r->known;
      },
      2s))
      << "the other tier was not read while the hostile one held the budget";
  const auto reads_before = healthy.requests();
  std::this_thread::sleep_for(1500ms);
  EXPECT_GE(healthy.requests() - reads_before, 5u) << "read every 100-200 ms";
  // Its share: 8 / (2 tiers + 1 kept free) = 2 (4 if it was alone when first planned).
  EXPECT_GE(hang.accepted(), 2u) << "the hostile tier had its share of reads";
  monitor.Stop();
}

TEST_F(MonitorFaults, FlappingCountIsReportedAsRead) {
  std::vector<ScriptedAnswer> script;
  for (int i = 0; i < 40; ++i) {
    script.push_back({200, StatusBody("i1", i % 2 == 0 ? 5 : 0, "Serving"), 0ms});
  }
  ScriptedDrainServer flap(script);
  std::set<long long> seen;
  monitor_->Track("flap", Polled(flap.port(), 20ms));
  ASSERT_TRUE(WaitFor(
      [&] {
        if (auto r = monitor_->Latest("flap"); r && r->known) seen.insert(r->sessions);
        return seen.size() == 2 && ChangesOf("flap") >= 6;
      },
      5s))
      << "changes: " << ChangesOf("flap");
  EXPECT_EQ(seen, (std::set<long long>{0, 5}));
}

TEST_F(MonitorFaults, ErrorAfterAKnownCountIsUnknownNotTheOldCount) {
  ScriptedDrainServer server({{200, StatusBody("i1", 7, "Serving"), 0ms},
                              {200, StatusBody("i1", 7, "Serving"), 0ms},
                              {503, R"({"error":"overloaded"})", 0ms}});
  monitor_->Track("p", Polled(server.port(), 50ms));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = monitor_->Latest("p");
        return r && r->known && r->sessions == 7;
      },
      3s));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = monitor_->Latest("p");
        return r && !r->known;
      },
      3s));
  EXPECT_NE(monitor_->Latest("p")->error.find("503"), std::string::npos);
}

TEST_F(MonitorFaults, RestartShowsAsANewInstanceSayingZero) {
  // A draining pod at 100 sessions restarts: the new process says 0 and
  // Serving. The monitor reports that reading as it is, with the new
  // instanceId, so the planner can tell it from a finished drain (its table
  // row DrainedZeroFromARestartedInstanceIsNotDrained).
  ScriptedDrainServer server({{200, StatusBody("before", 100, "Draining"), 0ms},
                              {200, StatusBody("after", 0, "Serving"), 0ms}});
  FollowSpec spec = Polled(server.port());
  spec.follow = true;
  spec.long_poll_wait = 300ms;
  monitor_->Track("p", spec);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = monitor_->Latest("p");
        return r && r->known && r->instance_id == "after";
      },
      3s));
  auto r = *monitor_->Latest("p");
  EXPECT_EQ(r.sessions, 0);
  EXPECT_EQ(r.state, drain::DrainState::Serving);
  // The second read was a long-poll from the first instance's count.
  auto queries = server.queries();
  ASSERT_GE(queries.size(), 2u);
  EXPECT_EQ(queries[0], "");
  EXPECT_EQ(queries[1], "lastSessions=100&threshold=0&waitMs=300");
}

}  // namespace
}  // namespace baton::drain_faults
