#include "kube/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace baton::kube {
namespace {

using namespace std::chrono_literals;

RateLimiterOptions Fast() {
  return {.base_delay = 1ms, .max_delay = 50ms, .qps = 0, .burst = 1};
}

TEST(WorkQueue, DeduplicatesWaitingKeys) {
  WorkQueue q(Fast());
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_EQ(*q.Get(), "b");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueue, KeyInProcessingIsNotHandedOutTwiceAndIsRequeuedAfterDone) {
  WorkQueue q(Fast());
  q.Add("a");
  auto first = q.Get();
  ASSERT_EQ(*first, "a");
  q.Add("a");  // changed while being processed
  EXPECT_EQ(q.Len(), 0u) << "must not be handed to a second worker";
  auto second = std::async(std::launch::async, [&] { return q.Get(); });
  EXPECT_EQ(second.wait_for(100ms), std::future_status::timeout);
  q.Done("a");
  ASSERT_EQ(second.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(*second.get(), "a");
  q.Done("a");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueue, DoneWithoutReAddDoesNotRequeue) {
  WorkQueue q(Fast());
  q.Add("a");
  q.Get();
  q.Done("a");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueue, AddAfterDelaysAndKeepsTheEarlierTime) {
  WorkQueue q(Fast());
  const auto t0 = std::chrono::steady_clock::now();
  q.AddAfter("late", 300ms);
  q.AddAfter("x", 2s);
  q.AddAfter("x", 100ms);  // earlier wins
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(*q.Get(), "x");
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_GE(t1 - t0, 90ms);
  EXPECT_LT(t1 - t0, 1s);
  EXPECT_EQ(*q.Get(), "late");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 290ms);
}

// The delay thread may already sleep until a far-away key is due; a key
// added later with an earlier time must wake it (a controller's 500 ms
// requeue must not wait behind a 2-minute one).
TEST(WorkQueue, EarlierKeyAddedWhileWaitingForALaterOneIsNotHeldBack) {
  WorkQueue q(Fast());
  q.AddAfter("far", 5s);
  std::this_thread::sleep_for(50ms);  // the delay thread now waits for "far"
  const auto t0 = std::chrono::steady_clock::now();
  q.AddAfter("near", 100ms);
  auto got = std::async(std::launch::async, [&] { return q.Get(); });
  ASSERT_EQ(got.wait_for(2s), std::future_status::ready) << "near was held back behind far";
  EXPECT_EQ(*got.get(), "near");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 90ms);
  q.ShutDown();
}

TEST(WorkQueue, RateLimitedRequeueBacksOffExponentially) {
  WorkQueue q({.base_delay = 20ms, .max_delay = 1s, .qps = 0, .burst = 1});
  std::vector<std::chrono::milliseconds> waits;
  for (int i = 0; i < 4; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    q.AddRateLimited("k");
    auto k = q.Get();
    waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0));
    q.Done(*k);
  }
  EXPECT_EQ(q.NumRequeues("k"), 4);
  // 20, 40, 80, 160 ms (timers only ever fire late).
  EXPECT_GE(waits[0], 19ms);
  EXPECT_GE(waits[1], 39ms);
  EXPECT_GE(waits[2], 79ms);
  EXPECT_GE(waits[3], 159ms);
  EXPECT_LT(waits[3], 1s);
  q.Forget("k");
  EXPECT_EQ(q.NumRequeues("k"), 0);
}

TEST(WorkQueue, OverallRateLimitPacesDistinctKeys) {
  WorkQueue q({.base_delay = 1ms, .max_delay = 1ms, .qps = 20, .burst = 2});
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) q.AddRateLimited("k" + std::to_string(i));
  for (int i = 0; i < 6; ++i) q.Done(*q.Get());
  // 2 at once, then 4 more at 20/s: at least 200 ms.
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 190ms);
}

TEST(WorkQueue, ShutDownHandsOutWhatIsQueuedThenStops) {
  WorkQueue q(Fast());
  q.Add("a");
  q.AddAfter("later", 10s);
  q.ShutDown();
  q.Add("refused");
  EXPECT_TRUE(q.ShuttingDown());
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_FALSE(q.Get().has_value());
}

TEST(WorkQueue, ShutDownWakesBlockedGetters) {
  WorkQueue q(Fast());
  auto waiter = std::async(std::launch::async, [&] { return q.Get(); });
  EXPECT_EQ(waiter.wait_for(50ms), std::future_status::timeout);
  q.ShutDown();
  ASSERT_EQ(waiter.wait_for(2s), std::future_status::ready);
  EXPECT_FALSE(waiter.get().has_value());
}

TEST(WorkQueue, ShutDownWithDrainWaitsForDone) {
  WorkQueue q(Fast());
  q.Add("a");
  auto key = q.Get();
  std::atomic<bool> drained{false};
  std::thread t([&] {
    q.ShutDownWithDrain();
    drained = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(drained.load());
  q.Done(*key);
  t.join();
  EXPECT_TRUE(drained.load());
}

TEST(WorkerPool, NWorkersNeverProcessOneKeyConcurrentlyAndRetryFailures) {
  WorkQueue q({.base_delay = 1ms, .max_delay = 5ms, .qps = 0, .burst = 1});
  std::mutex mu;
  std::set<std::string> running;
  std::map<std::string, int> calls;
  std::atomic<bool> overlap{false};
  std::atomic<int> max_parallel{0};
  {
    WorkerPool pool(q, 4, [&](const std::string& key) {
      {
        std::lock_guard lock(mu);
        if (!running.insert(key).second) overlap = true;
        max_parallel = std::max<int>(max_parallel, static_cast<int>(running.size()));
        ++calls[key];
      }
      std::this_thread::sleep_for(2ms);
      std::lock_guard lock(mu);
      running.erase(key);
      // Each key fails twice, then succeeds.
      return calls[key] >= 3;
    });
    for (int round = 0; round < 5; ++round) {
      for (int i = 0; i < 20; ++i) q.Add("k" + std::to_string(i));
    }
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      {
        std::lock_guard lock(mu);
        bool all = calls.size() == 20u;
        for (const auto& [k, n] : calls) all = all && n >= 3;
        if (all && running.empty()) break;
      }
      ASSERT_LT(std::chrono::steady_clock::now(), deadline);
      std::this_thread::sleep_for(5ms);
    }
  }
  EXPECT_FALSE(overlap.load());
  EXPECT_GT(max_parallel.load(), 1);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(q.NumRequeues("k" + std::to_string(i)), 0);
}

TEST(WorkerPool, StopLetsTheRunningReconcileFinish) {
  WorkQueue q(Fast());
  std::atomic<bool> finished{false};
  std::promise<void> started;
  WorkerPool pool(q, 2, [&](const std::string&) {
    started.set_value();
    std::this_thread::sleep_for(200ms);
    finished = true;
    return true;
  });
  q.Add("a");
  started.get_future().wait();
  pool.Stop();
  EXPECT_TRUE(finished.load());
}

TEST(WorkerPool, LongestRunningNamesTheReconcileInProgressAndNothingWhenIdle) {
  WorkQueue q(Fast());
  std::promise<void> started;
  std::promise<void> release;
  auto released = release.get_future().share();
  WorkerPool pool(q, 2, [&](const std::string&) {
    started.set_value();
    released.wait();
    return true;
  });
  EXPECT_FALSE(pool.LongestRunning(std::chrono::steady_clock::now()));
  q.Add("RelayTier/ns/stuck");
  started.get_future().wait();
  // A clock 10 minutes on: how a liveness check sees a reconcile that hangs.
  auto busy = pool.LongestRunning(std::chrono::steady_clock::now() + std::chrono::minutes(10));
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->key, "RelayTier/ns/stuck");
  EXPECT_GE(busy->running_for, std::chrono::minutes(10));
  release.set_value();
  for (int i = 0; i < 200 && pool.LongestRunning(std::chrono::steady_clock::now()); ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_FALSE(pool.LongestRunning(std::chrono::steady_clock::now()));
  pool.Stop();
}

}  // namespace
}  // namespace baton::kube
