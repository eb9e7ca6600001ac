#include "drain_state.h"

#include <gtest/gtest.h>

#include <thread>

namespace baton::examples {
namespace {

using std::chrono::milliseconds;

DrainRequest Request(double pace) {
  DrainRequest r;
  r.pace = pace;
  r.deadline = std::chrono::system_clock::from_time_t(1735732800);
  r.successor = "relay-b";
  r.reason = "rollout";
  return r;
}

TEST(DrainState, StateNamesFollowDrainAndCount) {
  DrainState s("id", "v1");
  s.SetSessions(3);
  EXPECT_STREQ(s.Read().StateName(), "Serving");
  s.Start(Request(10), std::chrono::system_clock::now());
  EXPECT_STREQ(s.Read().StateName(), "Draining");
  s.SetSessions(0);
  EXPECT_STREQ(s.Read().StateName(), "Drained");
  s.Cancel();
  EXPECT_STREQ(s.Read().StateName(), "Serving");
}

TEST(DrainState, JsonFollowsTheContract) {
  DrainState s("abc", "v2");
  s.SetSessions(7);
  auto serving = ToJson(s.Read());
  EXPECT_EQ(serving["protocol"], "baton.dev/drain/v1");
  EXPECT_EQ(serving["instanceId"], "abc");
  EXPECT_EQ(serving["version"], "v2");
  EXPECT_EQ(serving["sessions"], 7);
  EXPECT_EQ(serving["state"], "Serving");
  EXPECT_FALSE(serving.contains("drain"));
  EXPECT_FALSE(serving.contains("capacity"));  // not reported: absent, never 0
  s.SetCapacity(19000);
  EXPECT_EQ(ToJson(s.Read())["capacity"], 19000);
  auto now = std::chrono::system_clock::from_time_t(1735732000);
  auto draining = ToJson(s.Start(Request(100), now));
  EXPECT_EQ(draining["state"], "Draining");
  EXPECT_EQ(draining["drain"]["pace"], 100.0);
  EXPECT_EQ(draining["drain"]["deadline"], "2025-01-01T12:00:00Z");
  EXPECT_EQ(draining["drain"]["successor"], "relay-b");
  EXPECT_EQ(draining["drain"]["reason"], "rollout");
  EXPECT_EQ(draining["drain"]["startedAt"], "2025-01-01T11:46:40Z");
}

TEST(DrainState, StartIsIdempotentAndKeepsStartedAt) {
  DrainState s("id", "v1");
  auto t0 = std::chrono::system_clock::from_time_t(1000);
  auto first = s.Start(Request(10), t0);
  auto repeat = s.Start(Request(10), t0 + std::chrono::seconds(5));
  EXPECT_EQ(repeat.generation, first.generation);
  EXPECT_EQ(repeat.started_at, t0);
  auto faster = s.Start(Request(20), t0 + std::chrono::seconds(9));
  EXPECT_GT(faster.generation, first.generation);
  EXPECT_EQ(faster.drain->pace, 20);
  EXPECT_EQ(faster.started_at, t0);
  auto cancelled = s.Cancel();
  EXPECT_FALSE(cancelled.draining());
  EXPECT_EQ(s.Cancel().generation, cancelled.generation) << "cancel when serving is a no-op";
}

TEST(DrainState, LongPollTimesOutWhenNothingChanges) {
  DrainState s("id", "v1");
  s.SetSessions(5);
  auto t0 = std::chrono::steady_clock::now();
  auto snap = s.Wait({milliseconds(100), 5, std::nullopt});
  EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(100));
  EXPECT_EQ(snap.sessions, 5);
}

TEST(DrainState, LongPollAnswersAtOnceWhenAlreadyDifferentOrBelowThreshold) {
  DrainState s("id", "v1");
  s.SetSessions(5);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(s.Wait({milliseconds(5000), 6, std::nullopt}).sessions, 5);
  EXPECT_EQ(s.Wait({milliseconds(5000), std::nullopt, 5}).sessions, 5);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(1000));
}

TEST(DrainState, LongPollWakesOnCountChangeAndOnDrainStart) {
  DrainState s("id", "v1");
  s.SetSessions(5);
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    s.SetSessions(4);
  });
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(s.Wait({milliseconds(10000), 5, std::nullopt}).sessions, 4);
  writer.join();
  std::thread starter([&] {
    std::this_thread::sleep_for(milliseconds(50));
    s.Start(Request(1), std::chrono::system_clock::now());
  });
  EXPECT_TRUE(s.Wait({milliseconds(10000), 4, std::nullopt}).draining());
  starter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(5000));
}

TEST(DrainState, ThresholdWaitIgnoresChangesAboveIt) {
  DrainState s("id", "v1");
  s.SetSessions(10);
  std::thread writer([&] {
    for (int n = 9; n >= 0; --n) {
      std::this_thread::sleep_for(milliseconds(5));
      s.SetSessions(n);
    }
  });
  EXPECT_EQ(s.Wait({milliseconds(10000), std::nullopt, 0}).sessions, 0);
  writer.join();
}

TEST(DrainState, ShutdownReleasesWaiters) {
  DrainState s("id", "v1");
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(50));
    s.Shutdown();
  });
  auto t0 = std::chrono::steady_clock::now();
  s.Wait({std::chrono::hours(1), 0, std::nullopt});
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(5000));
}

TEST(DrainState, AcknowledgementIsAwaitedOnlyWhenRequired) {
  DrainState free_running("id", "v1");
  EXPECT_TRUE(free_running.WaitApplied(99, milliseconds(0)));
  DrainState s("id", "v1");
  s.RequireAcknowledgement();
  auto snap = s.Start(Request(1), std::chrono::system_clock::now());
  EXPECT_FALSE(s.WaitApplied(snap.generation, milliseconds(20)));
  std::thread loop([&] { s.Applied(snap.generation); });
  EXPECT_TRUE(s.WaitApplied(snap.generation, milliseconds(5000)));
  loop.join();
}

TEST(DrainState, InstanceIdsAreLongAndDistinct) {
  std::string a = NewInstanceId(), b = NewInstanceId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(DrainState, VerdictAppearsInTheStatusObjectOnlyWhenGiven) {
  DrainState s("id", "v1");
  DrainSnapshot snapshot = s.Read();
  EXPECT_FALSE(ToJson(snapshot).contains("verdict"));
  snapshot.verdict = WorkloadVerdict{false, "dropped 30.0% of 10 messages in the last 10 s"};
  EXPECT_EQ(ToJson(snapshot)["verdict"],
            nlohmann::json(
                {{"healthy", false}, {"reason", "dropped 30.0% of 10 messages in the last 10 s"}}));
  snapshot.verdict = WorkloadVerdict{true, ""};
  EXPECT_EQ(ToJson(snapshot)["verdict"], nlohmann::json({{"healthy", true}}));
}

}  // namespace
}  // namespace baton::examples
