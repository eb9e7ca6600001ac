#include "kube/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace baton::kube {

std::chrono::milliseconds ItemBackoff::When(const std::string& item) {
  const int n = failures_[item]++;
  // Past 2^40 every sane cap is exceeded; stop doubling before overflow.
  if (n >= 40) return max_;
  const double delay = static_cast<double>(base_.count()) * std::ldexp(1.0, n);
  if (delay >= static_cast<double>(max_.count())) return max_;
  return std::chrono::milliseconds(static_cast<int64_t>(delay));
}

void ItemBackoff::Forget(const std::string& item) {
  failures_.erase(item);
}

int ItemBackoff::Failures(const std::string& item) const {
  auto it = failures_.find(item);
  return it == failures_.end() ? 0 : it->second;
}

TokenBucket::TokenBucket(double qps, int burst, Clock::time_point now)
    : qps_(qps), burst_(std::max(1, burst)), tokens_(burst_), last_(now) {}

std::chrono::nanoseconds TokenBucket::Reserve(Clock::time_point now) {
  if (qps_ <= 0) return std::chrono::nanoseconds(0);  // unlimited
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
  // Tokens may go negative: each reservation queues behind the previous one.
  tokens_ -= 1.0;
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  const double wait_s = -tokens_ / qps_;
  return std::chrono::nanoseconds(static_cast<int64_t>(wait_s * 1e9));
}

RateLimiter::RateLimiter(RateLimiterOptions options, TokenBucket::Clock::time_point now)
    : backoff_(options.base_delay, options.max_delay), bucket_(options.qps, options.burst, now) {}

std::chrono::nanoseconds RateLimiter::When(const std::string& item,
                                           TokenBucket::Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const std::chrono::nanoseconds item_wait = backoff_.When(item);
  const std::chrono::nanoseconds bucket_wait = bucket_.Reserve(now);
  return std::max(item_wait, bucket_wait);
}

void RateLimiter::Forget(const std::string& item) {
  std::lock_guard lock(mutex_);
  backoff_.Forget(item);
}

int RateLimiter::NumRequeues(const std::string& item) const {
  std::lock_guard lock(mutex_);
  return backoff_.Failures(item);
}

}  // namespace baton::kube
