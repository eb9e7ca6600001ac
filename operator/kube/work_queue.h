// A controller work queue with client-go's semantics:
//   - keys are de-duplicated: adding a key already waiting is a no-op;
//   - a key being processed is never handed to a second worker; if it is
//     added meanwhile it is marked dirty and re-queued when Done() is called;
//   - AddRateLimited waits max(per-key exponential backoff, overall token
//     bucket), Forget() resets the key's backoff; AddAfter delays a key;
//   - ShutDown() refuses new keys, lets Get() hand out what is queued and
//     then return nullopt; ShutDownWithDrain() also waits for Done() of
//     every key handed out.
// WorkerPool runs N workers over a queue.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kube/queue_observer.h"
#include "kube/rate_limiter.h"

namespace baton::kube {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // observer (optional): depth, adds and latencies, for /metrics.
  explicit WorkQueue(RateLimiterOptions rate_limits = {},
                     std::shared_ptr<QueueObserver> observer = nullptr);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  // A key already waiting keeps the earlier of its two ready times.
  void AddAfter(const std::string& key, std::chrono::nanoseconds delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is ready; nullopt once shut down and empty.
  std::optional<std::string> Get();
  // The worker finished `key` (successfully or not).
  void Done(const std::string& key);

  void ShutDown();
  void ShutDownWithDrain();
  bool ShuttingDown() const;
  // Keys ready to be handed out (not the delayed ones, not in processing).
  std::size_t Len() const;

 private:
  void AddLocked(const std::string& key);
  void DelayLoop(std::stop_token stop);

  RateLimiter limiter_;
  std::shared_ptr<QueueObserver> observer_;
  // For the observer: when each key was added, and when its work began.
  std::unordered_map<std::string, Clock::time_point> added_at_;
  std::unordered_map<std::string, Clock::time_point> started_at_;
  mutable std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;       // queued or to re-queue after Done
  std::unordered_set<std::string> processing_;  // handed out, not Done
  bool shutting_down_ = false;

  // Delayed keys: the earliest ready time per key, and a heap of
  // (time, key) with stale entries skipped when popped.
  std::unordered_map<std::string, Clock::time_point> waiting_;
  using Timed = std::pair<Clock::time_point, std::string>;
  std::priority_queue<Timed, std::vector<Timed>, std::greater<>> heap_;
  std::condition_variable_any delay_cond_;
  std::jthread delay_thread_;
};

// N threads that Get() a key, call reconcile(key) and Done() it. reconcile
// returns true on success (the key's backoff is forgotten); false or an
// exception re-queues the key rate-limited. Destruction shuts the queue
// down, lets running reconciles finish and joins.
class WorkerPool {
 public:
  using Reconcile = std::function<bool(const std::string& key)>;
  WorkerPool(WorkQueue& queue, int workers, Reconcile reconcile);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Shuts the queue down and waits for the workers to finish.
  void Stop();

  // The reconcile that has been running longest, if any runs: its key and
  // how long. Liveness checks compare it with a bound (a reconcile makes a
  // few requests, each with a deadline, so minutes mean a hang).
  struct Busy {
    std::string key;
    std::chrono::steady_clock::duration running_for{};
  };
  std::optional<Busy> LongestRunning(std::chrono::steady_clock::time_point now) const;

 private:
  void Work(std::size_t worker);

  WorkQueue& queue_;
  Reconcile reconcile_;
  mutable std::mutex busy_mutex_;
  // Per worker: the key it reconciles and since when; nullopt when idle.
  std::vector<std::optional<std::pair<std::string, std::chrono::steady_clock::time_point>>> busy_;
  std::vector<std::thread> threads_;
};

}  // namespace baton::kube
