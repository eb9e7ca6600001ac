#include "inflight_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace baton::examples {
namespace {

DrainRequest Drain() {
  DrainRequest r;
  r.pace = 10;
  r.deadline = std::chrono::system_clock::now() + std::chrono::minutes(1);
  return r;
}

TEST(InFlightGate, CountsAdmittedRequestsIntoTheDrainState) {
  DrainState drain("id", "v1");
  InFlightGate gate(drain);
  {
    auto a = gate.Enter();
    auto b = gate.Enter();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(drain.Read().sessions, 2);
  }
  EXPECT_EQ(drain.Read().sessions, 0);
  EXPECT_EQ(gate.in_flight(), 0);
}

TEST(InFlightGate, DrainingRefusesNewRequestsAndWaitsForAdmittedOnes) {
  DrainState drain("id", "v1");
  InFlightGate gate(drain);
  auto admitted = gate.Enter();
  ASSERT_TRUE(admitted);
  drain.Start(Drain(), std::chrono::system_clock::now());
  EXPECT_FALSE(gate.Enter()) << "refused while draining";
  EXPECT_EQ(drain.Read().sessions, 1) << "a refused request is not counted";
  EXPECT_STREQ(drain.Read().StateName(), "Draining");
  admitted.reset();
  EXPECT_STREQ(drain.Read().StateName(), "Drained");
  drain.Cancel();
  EXPECT_TRUE(gate.Enter()) << "serving again after a cancel";
}

TEST(InFlightGate, NeverReportsZeroWhileAnAdmittedRequestRuns) {
  // Requests come and go on many threads while a drain starts; once draining,
  // every time the state says 0 no admitted request may still be running.
  DrainState drain("id", "v1");
  InFlightGate gate(drain);
  std::atomic<long> running{0};
  std::atomic<bool> stop{false};
  std::atomic<long> false_zeros{0};
  std::vector<std::jthread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (!stop) {
        auto ticket = gate.Enter();
        if (!ticket) continue;
        ++running;
        std::this_thread::yield();
        --running;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  drain.Start(Drain(), std::chrono::system_clock::now());
  for (int i = 0; i < 20000; ++i) {
    long seen_running = running.load();
    if (drain.Read().sessions == 0 && seen_running > 0 && running.load() > 0) ++false_zeros;
  }
  stop = true;
  workers.clear();
  EXPECT_EQ(false_zeros, 0);
  EXPECT_EQ(drain.Read().sessions, 0);
}

}  // namespace
}  // namespace baton::examples
