#include "drain/drain_monitor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

namespace baton::drain {
namespace {

using namespace std::chrono_literals;

DrainReading Known(int64_t sessions, std::string instance = "i1",
                   DrainState state = DrainState::Serving) {
  DrainReading r;
  r.known = true;
  r.sessions = sessions;
  r.state = state;
  r.instance_id = std::move(instance);
  return r;
}

// A DrainClient whose answers come from a script; either synchronously
// (inside Read) or later, when the test releases them.
class ScriptedClient : public DrainClient {
 public:
  struct Call {
    DrainEndpoint endpoint;
    LongPoll poll;
    std::function<void(DrainReading)> done;
  };

  std::function<DrainReading(const DrainEndpoint&, const LongPoll&)> answer;
  std::atomic<bool> hold{false};  // keep calls pending until Release()

  void Read(const DrainEndpoint& ep, const LongPoll& poll,
            std::function<void(DrainReading)> done) override {
    std::unique_lock lock(mu_);
    calls_.push_back(Call{ep, poll, nullptr});
    if (hold) {
      pending_.push_back(Call{ep, poll, std::move(done)});
      return;
    }
    lock.unlock();
    done(answer(ep, poll));
  }
  DrainReading Start(const DrainEndpoint&, const DrainRequest&) override { return {}; }
  DrainReading Cancel(const DrainEndpoint&) override { return {}; }
  void Forget(const DrainEndpoint& ep) override {
    std::lock_guard lock(mu_);
    forgotten_.push_back(ep.Key());
  }

  void ReleaseAll() {
    std::deque<Call> pending;
    {
      std::lock_guard lock(mu_);
      pending.swap(pending_);
    }
    for (auto& c : pending) c.done(answer(c.endpoint, c.poll));
  }
  std::vector<Call> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::size_t Pending() {
    std::lock_guard lock(mu_);
    return pending_.size();
  }
  std::vector<std::string> Forgotten() {
    std::lock_guard lock(mu_);
    return forgotten_;
  }

 private:
  std::mutex mu_;
  std::vector<Call> calls_;
  std::deque<Call> pending_;
  std::vector<std::string> forgotten_;
};

template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

FollowSpec Poll(std::string host, std::chrono::milliseconds interval = 10ms) {
  FollowSpec s;
  s.endpoint = DrainEndpoint{std::move(host), 9000, "/drain", ""};
  s.poll_interval = interval;
  return s;
}

// A clock that moves only when the test says, and a monitor without a
// thread that reads only when stepped: no test below waits for a schedule.
struct FakeClock {
  DrainMonitor::Clock::time_point now = DrainMonitor::Clock::time_point(1h);
  DrainMonitor::Now fn() {
    return [this] { return now; };
  }
};

DrainMonitor Stepped(ScriptedClient& client, FakeClock& clock, DrainMonitor::OnChange on_change,
                     DrainMonitorOptions options = {}) {
  return DrainMonitor(client, std::move(on_change), options, clock.fn(),
                      DrainMonitor::ManualStepping{});
}

// The one test of the thread itself: it reads on its own schedule.
TEST(DrainMonitorTest, TheThreadPollsOnItsOwn) {
  ScriptedClient client;
  std::atomic<int> reads{0};
  client.answer = [&](const DrainEndpoint&, const LongPoll&) {
    ++reads;
    return Known(100);
  };
  DrainMonitor monitor(client, nullptr);
  monitor.Track("ns/p", Poll("127.0.0.5"));
  ASSERT_TRUE(Eventually([&] { return reads >= 3; }));
  monitor.Stop();
  EXPECT_EQ(monitor.Latest("ns/p")->sessions, 100);
}

TEST(DrainMonitorTest, PollsAndReportsOnlyChanges) {
  ScriptedClient client;
  FakeClock clock;
  int reads = 0;
  client.answer = [&](const DrainEndpoint&, const LongPoll&) {
    ++reads;
    return Known(reads < 5 ? 100 : 90);  // changes once, after the 4th read
  };
  int changes = 0;
  DrainMonitor monitor = Stepped(client, clock, [&](const std::string& key) {
    EXPECT_EQ(key, "ns/p");
    ++changes;
  });
  FollowSpec spec = Poll("127.0.0.5", 5s);
  spec.may_rest = false;  // a tier with work to do: every poll interval, no back-off
  monitor.Track("ns/p", spec);
  for (int i = 0; i < 8; ++i) {
    monitor.Step();
    monitor.Step();  // nothing more is due at the same instant
    clock.now += 5s;
  }
  EXPECT_EQ(reads, 8);
  EXPECT_EQ(changes, 2);  // first reading, then 100 -> 90
  EXPECT_EQ(monitor.Latest("ns/p")->sessions, 90);
}

TEST(DrainMonitorTest, UnknownStaysUnknownAndIsRetried) {
  ScriptedClient client;
  FakeClock clock;
  int reads = 0;
  client.answer = [&](const DrainEndpoint&, const LongPoll&) {
    ++reads;
    return DrainReading::Unknown("connection refused", std::chrono::system_clock::now());
  };
  DrainMonitorOptions options;
  options.retry_after_error = 5s;
  DrainMonitor monitor = Stepped(client, clock, nullptr, options);
  monitor.Track("ns/p", Poll("127.0.0.5", 1h));  // interval far away: retries come from errors
  for (int i = 0; i < 3; ++i) {
    monitor.Step();
    clock.now += 5s;
  }
  EXPECT_EQ(reads, 3);
  auto latest = monitor.Latest("ns/p");
  ASSERT_TRUE(latest.has_value());
  EXPECT_FALSE(latest->known);
  EXPECT_EQ(latest->sessions, 0);  // the field is meaningless; `known` says so
}

TEST(DrainMonitorTest, FollowModeLongPollsWithLastCountAndThreshold) {
  ScriptedClient client;
  FakeClock clock;
  int reads = 0;
  client.answer = [&](const DrainEndpoint&, const LongPoll&) {
    ++reads;
    return Known(std::max(0, 50 - reads * 10), "i1", DrainState::Draining);
  };
  DrainMonitor monitor = Stepped(client, clock, nullptr);
  FollowSpec spec = Poll("127.0.0.5");
  spec.follow = true;
  spec.threshold = 7;
  spec.long_poll_wait = 1500ms;
  monitor.Track("ns/p", spec);
  for (int i = 0; i < 3; ++i) {
    monitor.Step();
    clock.now += 10ms;
  }
  auto calls = client.Calls();
  // The first read knows nothing yet and asks at once; later ones long-poll
  // from the count last seen.
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].poll.wait.count(), 0);
  EXPECT_EQ(calls[1].poll.wait, 1500ms);
  EXPECT_EQ(calls[1].poll.last_sessions, 40);
  EXPECT_EQ(calls[1].poll.threshold, 7);
  EXPECT_EQ(calls[2].poll.last_sessions, 30);
}

TEST(DrainMonitorTest, NewEndpointForgetsTheOldReading) {
  ScriptedClient client;
  FakeClock clock;
  client.hold = true;
  client.answer = [](const DrainEndpoint& ep, const LongPoll&) {
    return Known(ep.host == "127.0.0.5" ? 11 : 22);
  };
  DrainMonitor monitor = Stepped(client, clock, nullptr);
  monitor.Track("ns/p", Poll("127.0.0.5", 10s));
  monitor.Step();
  ASSERT_EQ(client.Pending(), 1u);
  client.ReleaseAll();
  ASSERT_TRUE(monitor.Latest("ns/p").has_value());
  EXPECT_EQ(monitor.Latest("ns/p")->sessions, 11);

  monitor.Track("ns/p", Poll("127.0.0.6", 10s));
  EXPECT_FALSE(monitor.Latest("ns/p").has_value()) << "a new pod IP is a new process";
  monitor.Step();
  ASSERT_EQ(client.Pending(), 1u);
  client.ReleaseAll();
  ASSERT_TRUE(monitor.Latest("ns/p").has_value());
  EXPECT_EQ(monitor.Latest("ns/p")->sessions, 22);
}

TEST(DrainMonitorTest, StaleAnswerAfterRespecIsDropped) {
  ScriptedClient client;
  FakeClock clock;
  client.hold = true;
  client.answer = [](const DrainEndpoint& ep, const LongPoll&) {
    return Known(ep.host == "127.0.0.5" ? 11 : 22);
  };
  DrainMonitor monitor = Stepped(client, clock, nullptr);
  monitor.Track("ns/p", Poll("127.0.0.5", 10s));
  monitor.Step();
  ASSERT_EQ(client.Pending(), 1u);
  monitor.Track("ns/p", Poll("127.0.0.6", 10s));
  monitor.Step();
  ASSERT_EQ(client.Pending(), 2u);
  client.ReleaseAll();  // the 127.0.0.5 answer arrives late and must not count
  ASSERT_TRUE(monitor.Latest("ns/p").has_value());
  EXPECT_EQ(monitor.Latest("ns/p")->sessions, 22);
}

TEST(DrainMonitorTest, InFlightReadsAreCapped) {
  ScriptedClient client;
  FakeClock clock;
  client.hold = true;
  client.answer = [](const DrainEndpoint&, const LongPoll&) { return Known(1); };
  DrainMonitorOptions options;
  options.max_in_flight = 6;  // one tier alone holds half: 3 (read_schedule.h)
  DrainMonitor monitor = Stepped(client, clock, nullptr, options);
  // Destroyed before the monitor: a failed assertion must not leave held
  // reads behind, or the monitor's Stop() would wait for them for ever.
  struct ReleaseOnExit {
    ScriptedClient& c;
    ~ReleaseOnExit() {
      c.hold = false;
      c.ReleaseAll();
    }
  } release_on_exit{client};
  for (int i = 0; i < 10; ++i) {
    monitor.Track("ns/p" + std::to_string(i), Poll("127.0.0." + std::to_string(i + 1), 10s));
  }
  monitor.Step();
  monitor.Step();  // still 3 in flight: nothing more goes out
  EXPECT_EQ(client.Pending(), 3u);
  EXPECT_EQ(client.Calls().size(), 3u);
  client.ReleaseAll();
  monitor.Step();
  EXPECT_EQ(client.Calls().size(), 6u);
  for (int i = 0; i < 5 && client.Calls().size() < 10; ++i) {
    client.ReleaseAll();
    monitor.Step();
  }
  client.ReleaseAll();
  EXPECT_EQ(client.Calls().size(), 10u);
  EXPECT_EQ(monitor.Tracked(), 10u);
}

TEST(DrainMonitorTest, UntrackForgetsTheEndpoint) {
  ScriptedClient client;
  FakeClock clock;
  client.answer = [](const DrainEndpoint&, const LongPoll&) { return Known(3); };
  DrainMonitor monitor = Stepped(client, clock, nullptr);
  monitor.Track("ns/p", Poll("127.0.0.5", 10s));
  monitor.Step();
  ASSERT_TRUE(monitor.Latest("ns/p").has_value());
  monitor.Untrack("ns/p");
  EXPECT_FALSE(monitor.Latest("ns/p").has_value());
  EXPECT_EQ(client.Forgotten(), std::vector<std::string>{"127.0.0.5:9000/drain"});
}

}  // namespace
}  // namespace baton::drain
