#include "drain/serving_interval.h"

#include <algorithm>
#include <functional>
#include <string>

namespace baton::drain {

bool CountMoved(const DrainReading& before, const DrainReading& after) {
  if (before.known != after.known) return true;
  if (!after.known) return false;
  if (before.state != after.state || before.instance_id != after.instance_id) return true;
  const int64_t delta = before.sessions > after.sessions ? before.sessions - after.sessions
                                                         : after.sessions - before.sessions;
  const int64_t scale = std::max<int64_t>({before.sessions, after.sessions, 16});
  return delta > 0 && delta * 16 >= scale;
}

std::chrono::milliseconds ServingInterval(int steady_reads, std::chrono::milliseconds poll,
                                          std::chrono::milliseconds rest, double jitter) {
  auto interval = poll;
  for (int i = 0; i < steady_reads && interval < rest; ++i) interval *= 2;
  if (interval < rest) return interval;
  jitter = std::clamp(jitter, 0.0, 1.0);
  const auto extra =
      std::chrono::milliseconds(static_cast<int64_t>(jitter * static_cast<double>(rest.count())));
  return std::max(poll, rest + extra);
}

double JitterOf(std::string_view key, uint64_t n) {
  // splitmix64 over the key's hash and the counter.
  uint64_t x = std::hash<std::string_view>{}(key) + n * 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return static_cast<double>(x >> 11) / static_cast<double>(uint64_t{1} << 53);
}

}  // namespace baton::drain
