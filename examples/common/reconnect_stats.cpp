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

ReconnectStats::Duration ReconnectStats::Percentile(double p) const {
  if (took_.empty()) return Duration(0);
  std::vector<Duration> sorted = took_;
  std::sort(sorted.begin(), sorted.end());
  double rank = std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size()));
  std::size_t index = rank < 1.0 ? 0 : static_cast<std::size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace baton::examples
