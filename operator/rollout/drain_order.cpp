#include "rollout/drain_order.h"

#include <tuple>

namespace baton::rollout {
namespace {

int Rank(const DrainOrderKey& k) {
  if (k.never_ran) return 0;
  return k.sessions ? 1 : 2;
}

}  // namespace

bool DrainsBefore(const DrainOrderKey& a, const DrainOrderKey& b) {
  const int rank_a = Rank(a);
  const int rank_b = Rank(b);
  const std::int64_t sessions_a = a.sessions.value_or(0);
  const std::int64_t sessions_b = b.sessions.value_or(0);
  return std::tie(rank_a, sessions_a, a.name) < std::tie(rank_b, sessions_b, b.name);
}

}  // namespace baton::rollout
