#include "kube/work_queue.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace baton::kube {

WorkQueue::WorkQueue(RateLimiterOptions rate_limits, std::shared_ptr<QueueObserver> observer)
    : limiter_(rate_limits), observer_(std::move(observer)) {
  delay_thread_ = std::jthread([this](std::stop_token stop) { DelayLoop(stop); });
}

WorkQueue::~WorkQueue() {
  ShutDown();
  delay_thread_.request_stop();
  delay_cond_.notify_all();
  if (delay_thread_.joinable()) delay_thread_.join();
}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_) return;
  if (dirty_.count(key)) return;  // already queued, or re-queued after Done
  dirty_.insert(key);
  if (observer_) {
    observer_->OnAdd();
    added_at_.emplace(key, Clock::now());
  }
  if (processing_.count(key)) return;  // Done() will queue it
  queue_.push_back(key);
  if (observer_) observer_->OnDepth(queue_.size());
  cond_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard lock(mutex_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::nanoseconds delay) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  if (delay.count() <= 0) {
    AddLocked(key);
    return;
  }
  const auto ready = Clock::now() + delay;
  auto it = waiting_.find(key);
  if (it != waiting_.end() && it->second <= ready) return;
  waiting_[key] = ready;
  heap_.emplace(ready, key);
  delay_cond_.notify_all();
}

void WorkQueue::AddRateLimited(const std::string& key) {
  AddAfter(key, limiter_.When(key));
}

void WorkQueue::Forget(const std::string& key) {
  limiter_.Forget(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  return limiter_.NumRequeues(key);
}

void WorkQueue::DelayLoop(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (heap_.empty()) {
      delay_cond_.wait(lock, stop, [this] { return !heap_.empty(); });
      continue;
    }
    const auto [ready, key] = heap_.top();
    auto it = waiting_.find(key);
    if (it == waiting_.end() || it->second != ready) {
      heap_.pop();  // superseded by an earlier AddAfter of the same key
      continue;
    }
    if (Clock::now() < ready) {
      // Wake early when a key with an earlier time arrives: it is now first.
      delay_cond_.wait_until(lock, stop, ready, [this, ready = ready] {
        return !heap_.empty() && heap_.top().first < ready;
      });
      continue;
    }
    heap_.pop();
    waiting_.erase(it);
    AddLocked(key);
  }
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mutex_);
  cond_.wait(lock, [this] { return !queue_.empty() || shutting_down_; });
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  if (observer_) {
    const auto now = Clock::now();
    if (auto it = added_at_.find(key); it != added_at_.end()) {
      observer_->OnQueued(now - it->second);
      added_at_.erase(it);
    }
    started_at_[key] = now;
    observer_->OnDepth(queue_.size());
  }
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard lock(mutex_);
  processing_.erase(key);
  if (observer_) {
    if (auto it = started_at_.find(key); it != started_at_.end()) {
      observer_->OnWorked(Clock::now() - it->second);
      started_at_.erase(it);
    }
  }
  if (dirty_.count(key)) {
    queue_.push_back(key);
    if (observer_) observer_->OnDepth(queue_.size());
    cond_.notify_one();
  }
  if (processing_.empty()) cond_.notify_all();  // for ShutDownWithDrain
}

void WorkQueue::ShutDown() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
  waiting_.clear();
  heap_ = {};
  cond_.notify_all();
}

void WorkQueue::ShutDownWithDrain() {
  std::unique_lock lock(mutex_);
  shutting_down_ = true;
  waiting_.clear();
  heap_ = {};
  cond_.notify_all();
  cond_.wait(lock, [this] { return processing_.empty() && queue_.empty(); });
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard lock(mutex_);
  return shutting_down_;
}

std::size_t WorkQueue::Len() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

WorkerPool::WorkerPool(WorkQueue& queue, int workers, Reconcile reconcile)
    : queue_(queue), reconcile_(std::move(reconcile)), busy_(static_cast<std::size_t>(workers)) {
  threads_.reserve(static_cast<std::size_t>(workers));
  for (std::size_t i = 0; i < busy_.size(); ++i) threads_.emplace_back([this, i] { Work(i); });
}

std::optional<WorkerPool::Busy> WorkerPool::LongestRunning(
    std::chrono::steady_clock::time_point now) const {
  std::lock_guard lock(busy_mutex_);
  std::optional<Busy> longest;
  for (const auto& b : busy_) {
    if (!b) continue;
    if (!longest || now - b->second > longest->running_for) {
      longest = Busy{b->first, now - b->second};
    }
  }
  return longest;
}

WorkerPool::~WorkerPool() {
  Stop();
}

void WorkerPool::Stop() {
  queue_.ShutDown();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::Work(std::size_t worker) {
  while (auto key = queue_.Get()) {
    {
      std::lock_guard lock(busy_mutex_);
      busy_[worker].emplace(*key, std::chrono::steady_clock::now());
    }
    bool ok = false;
    try {
      ok = reconcile_(*key);
    } catch (const std::exception& e) {
      spdlog::warn("reconcile {}: {}", *key, e.what());
    }
    {
      std::lock_guard lock(busy_mutex_);
      busy_[worker].reset();
    }
    if (ok) {
      queue_.Forget(*key);
    } else {
      queue_.AddRateLimited(*key);
    }
    queue_.Done(*key);
  }
}

}  // namespace baton::kube
