// Counts of a relay's events over the last few seconds, in one-second
// buckets: what a verdict over a sliding window needs, in memory bounded by
// the window's length whatever the traffic. Pure; the caller passes the time.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace baton::examples {

struct EventCounts {
  std::uint64_t relayed = 0;  // messages delivered
  std::uint64_t dropped = 0;  // messages acknowledged but not delivered
  std::uint64_t refused = 0;  // sessions accepted and closed at once
  EventCounts& operator+=(const EventCounts& o);
  bool empty() const { return relayed == 0 && dropped == 0 && refused == 0; }
  bool operator==(const EventCounts&) const = default;
};

class EventWindow {
 public:
  using Clock = std::chrono::steady_clock;
  // span >= 1 s; shorter spans are taken as 1 s.
  explicit EventWindow(std::chrono::seconds span);

  void Add(const EventCounts& counts, Clock::time_point now);
  // What was added in the span's whole seconds up to and including now's.
  EventCounts Sum(Clock::time_point now) const;
  std::chrono::seconds span() const { return std::chrono::seconds(buckets_.size()); }

 private:
  struct Bucket {
    std::int64_t second = -1;  // -1: never used
    EventCounts counts;
  };
  std::vector<Bucket> buckets_;
};

}  // namespace baton::examples
