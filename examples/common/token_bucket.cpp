#include "token_bucket.h"

#include <algorithm>
#include <cmath>

namespace baton::examples {

TokenBucket::TokenBucket(double rate, double capacity, Clock::time_point now)
    : rate_(std::max(0.0, rate)),
      capacity_(std::max(1.0, capacity)),
      tokens_(capacity_),
      last_(now) {}

void TokenBucket::Refill(Clock::time_point now) {
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::TryTake(Clock::time_point now) {
  Refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

long TokenBucket::Available(Clock::time_point now) {
  Refill(now);
  return static_cast<long>(std::floor(tokens_));
}

void TokenBucket::SetRate(double rate, double capacity, Clock::time_point now) {
  Refill(now);
  rate_ = std::max(0.0, rate);
  capacity_ = std::max(1.0, capacity);
  tokens_ = std::min(tokens_, capacity_);
}

}  // namespace baton::examples
