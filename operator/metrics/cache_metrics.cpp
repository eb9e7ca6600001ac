#include "metrics/cache_metrics.h"

#include <string>

#include "api/contract.h"

namespace baton::metrics {

CacheMetrics::CacheMetrics(prometheus::Registry& registry)
    : relists_(prometheus::BuildCounter()
                   .Name(std::string(api::metric::kCacheRelistsTotal))
                   .Help("Lists at a cache's resourceVersion that compared it with the server")
                   .Register(registry)),
      differences_(prometheus::BuildCounter()
                       .Name(std::string(api::metric::kCacheRelistDifferencesTotal))
                       .Help("Cached objects found different from the server by those lists "
                             "(events the watch missed)")
                       .Register(registry)) {}

void CacheMetrics::OnRelistCompared(std::string_view resource, std::size_t differences) {
  const prometheus::Labels labels{{"resource", std::string(resource)}};
  relists_.Add(labels).Increment();
  // Created at the first comparison, so a rate() over it is never empty.
  differences_.Add(labels).Increment(static_cast<double>(differences));
}

}  // namespace baton::metrics
