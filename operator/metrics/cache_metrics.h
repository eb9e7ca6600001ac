// The caches' periodic comparison with the server (kube/reflector.h):
// baton_cache_relists_total{resource} and
// baton_cache_relist_differences_total{resource}. A difference is an object
// the cache had wrong at the version it claimed: an event a watch never
// delivered. Anything above zero deserves an alert.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <cstddef>
#include <string_view>

namespace baton::metrics {

class CacheMetrics {
 public:
  explicit CacheMetrics(prometheus::Registry& registry);
  void OnRelistCompared(std::string_view resource, std::size_t differences);

 private:
  prometheus::Family<prometheus::Counter>& relists_;
  prometheus::Family<prometheus::Counter>& differences_;
};

}  // namespace baton::metrics
