#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

namespace baton::examples {

// Reconnects seen by a client fleet: when each one started (to find the
// busiest 100 ms window, i.e. how hard a drain hits the rest of the tier)
// and how long each took.
class ReconnectStats {
 public:
  using Duration = std::chrono::microseconds;

  // `since_start`: when the reconnect began, relative to the run's start.
  void Record(Duration since_start, Duration took);

  std::uint64_t count() const { return took_.size(); }
  // The most reconnects that began inside one window [k*w, (k+1)*w).
  std::uint64_t MaxPerWindow(Duration window) const;
  // The most reconnects that began inside any span of `window` (sliding):
  // the peak rate, wherever windows fall.
  std::uint64_t MaxInAnySpan(Duration window) const;
  // Nearest-rank percentile of reconnect time (0 when there were none).
  Duration Percentile(double p) const;

  // Another fleet's reconnects, whose run started `offset` after this one's
  // (several load generator processes make one verdict).
  void Merge(const ReconnectStats& other, Duration offset);
  const std::vector<Duration>& started() const { return started_; }
  const std::vector<Duration>& took() const { return took_; }

 private:
  std::vector<Duration> started_;
  std::vector<Duration> took_;
};

}  // namespace baton::examples
