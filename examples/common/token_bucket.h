#pragma once

#include <chrono>

namespace baton::examples {

// Paces events at `rate` per second with at most `capacity` saved up. Time is
// passed in so the pacing is testable without sleeping.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double rate, double capacity, Clock::time_point now);

  // Takes one token if available.
  bool TryTake(Clock::time_point now);
  // Tokens available now, rounded down.
  long Available(Clock::time_point now);
  // Changes the rate from now on; tokens already saved are kept.
  void SetRate(double rate, double capacity, Clock::time_point now);

  double rate() const { return rate_; }
  double capacity() const { return capacity_; }

 private:
  void Refill(Clock::time_point now);

  double rate_;
  double capacity_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace baton::examples
