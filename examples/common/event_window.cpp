#include "event_window.h"

#include <algorithm>

namespace baton::examples {
namespace {

std::int64_t SecondOf(EventWindow::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

EventCounts& EventCounts::operator+=(const EventCounts& o) {
  relayed += o.relayed;
  dropped += o.dropped;
  refused += o.refused;
  return *this;
}

EventWindow::EventWindow(std::chrono::seconds span)
    : buckets_(static_cast<std::size_t>(std::max<std::int64_t>(1, span.count()))) {}

void EventWindow::Add(const EventCounts& counts, Clock::time_point now) {
  const std::int64_t second = SecondOf(now);
  Bucket& b = buckets_[static_cast<std::size_t>(second) % buckets_.size()];
  // A bucket last used a whole span (or more) ago is reused for this second.
  if (b.second != second) b = Bucket{second, {}};
  b.counts += counts;
}

EventCounts EventWindow::Sum(Clock::time_point now) const {
  const std::int64_t second = SecondOf(now);
  const auto span = static_cast<std::int64_t>(buckets_.size());
  EventCounts total;
  for (const Bucket& b : buckets_) {
    if (b.second >= 0 && b.second <= second && b.second > second - span) total += b.counts;
  }
  return total;
}

}  // namespace baton::examples
