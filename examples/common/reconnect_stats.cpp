#include "reconnect_stats.h"

#include <algorithm>
#include <cmath>

namespace baton::examples {

void ReconnectStats::Record(Duration since_start, Duration took) {
  started_.push_back(since_start);
  took_.push_back(took);
}

std::uint64_t ReconnectStats::MaxPerWindow(Duration window) const {
  if (window.count() <= 0) return 0;
  std::map<std::int64_t, std::uint64_t> per_window;
  std::uint64_t best = 0;
  for (Duration at : started_) {
    best = std::max(best, ++per_window[at.count() / window.count()]);
  }
  return best;
}

std::uint64_t ReconnectStats::MaxInAnySpan(Duration window) const {
  std::vector<Duration> sorted = started_;
  std::sort(sorted.begin(), sorted.end());
  std::size_t first = 0;
  std::uint64_t best = 0;
  for (std::size_t last = 0; last < sorted.size(); ++last) {
    while (sorted[last] - sorted[first] >= window) ++first;
    best = std::max<std::uint64_t>(best, last - first + 1);
  }
  return best;
}

void ReconnectStats::Merge(const ReconnectStats& other, Duration offset) {
  for (std::size_t i = 0; i < other.started_.size(); ++i) {
    Record(other.started_[i] + offset, other.took_[i]);
  }
}

ReconnectStats::Duration ReconnectStats::Percentile(double p) const {
  if (took_.empty()) return Duration(0);
  std::vector<Duration> sorted = took_;
  std::sort(sorted.begin(), sorted.end());
  double rank = std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size()));
  std::size_t index = rank < 1.0 ? 0 : static_cast<std::size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace baton::examples
