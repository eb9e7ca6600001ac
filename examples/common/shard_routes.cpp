#include "shard_routes.h"

namespace baton::examples {

void ShardRoutes::Update(const std::vector<std::pair<HostPort, int>>& listed) {
  for (std::size_t shard = 0; shard < routes_.size(); ++shard) {
    std::optional<HostPort> first;
    bool current_listed = false;
    for (const auto& [address, s] : listed) {
      if (s != static_cast<int>(shard)) continue;
      if (!first) first = address;
      if (address == routes_[shard].current) current_listed = true;
    }
    Route& route = routes_[shard];
    if (current_listed || !first) continue;  // sticky; or nothing to switch to
    if (route.current) route.previous = route.current;
    route.current = first;
    if (route.previous == route.current) route.previous.reset();
  }
}

void ShardRoutes::ForgetPrevious(int shard) {
  routes_.at(static_cast<std::size_t>(shard)).previous.reset();
}

bool ShardRoutes::Complete() const {
  for (const auto& r : routes_) {
    if (!r.current) return false;
  }
  return true;
}

}  // namespace baton::examples
