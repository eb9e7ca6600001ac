#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "host_port.h"

namespace baton::examples {

// Which registry address a client uses for each shard. Sticky: it keeps the
// address it uses while the serving directory still lists it (when the old
// and the new pod of a shard are both listed, the old one still holds the
// entries). When the directory stops listing it, the newly listed address
// becomes current and the old one "previous": a client asks it about a miss
// until it is gone, which covers the moment between the directory dropping
// the old pod and the drain request reaching it.
class ShardRoutes {
 public:
  struct Route {
    std::optional<HostPort> current;
    std::optional<HostPort> previous;
  };

  explicit ShardRoutes(int shards) : routes_(static_cast<std::size_t>(shards)) {}

  // The directory's addresses, in its order, with the shard each serves.
  // Shards out of range are ignored.
  void Update(const std::vector<std::pair<HostPort, int>>& listed);
  Route Get(int shard) const { return routes_.at(static_cast<std::size_t>(shard)); }
  // The previous address stopped answering: its pod is gone.
  void ForgetPrevious(int shard);
  // Every shard has a current address.
  bool Complete() const;
  int shards() const { return static_cast<int>(routes_.size()); }

 private:
  std::vector<Route> routes_;
};

}  // namespace baton::examples
