// How long a work-queue item waits before it is retried: client-go's
// default controller rate limiter, the larger of
//   - per-item exponential backoff (base × 2^failures, capped), and
//   - one token bucket shared by all items (qps, burst),
// so one failing object backs off alone while a storm of failures cannot
// exceed the overall rate. Pure: the clock is passed in.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace baton::kube {

struct RateLimiterOptions {
  std::chrono::milliseconds base_delay{5};
  std::chrono::milliseconds max_delay{1'000'000};  // 1000 s, as client-go
  double qps = 10.0;
  int burst = 100;
};

// Per-item exponential backoff: the n-th When() of an item (n from 0)
// answers base × 2^n, capped at max; Forget() starts the item over.
class ItemBackoff {
 public:
  ItemBackoff(std::chrono::milliseconds base, std::chrono::milliseconds max)
      : base_(base), max_(max) {}
  std::chrono::milliseconds When(const std::string& item);
  void Forget(const std::string& item);
  int Failures(const std::string& item) const;

 private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds max_;
  std::unordered_map<std::string, int> failures_;
};

// A token bucket: `burst` tokens, refilled at `qps`. Reserve() takes one
// token (possibly in the future) and answers how long to wait for it.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double qps, int burst, Clock::time_point now);
  std::chrono::nanoseconds Reserve(Clock::time_point now);

 private:
  double qps_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

// The two combined; thread-safe.
class RateLimiter {
 public:
  explicit RateLimiter(RateLimiterOptions options = {},
                       TokenBucket::Clock::time_point now = TokenBucket::Clock::now());
  std::chrono::nanoseconds When(const std::string& item,
                                TokenBucket::Clock::time_point now = TokenBucket::Clock::now());
  void Forget(const std::string& item);
  int NumRequeues(const std::string& item) const;

 private:
  mutable std::mutex mutex_;
  ItemBackoff backoff_;
  TokenBucket bucket_;
};

}  // namespace baton::kube
