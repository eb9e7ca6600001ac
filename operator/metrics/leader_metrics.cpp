#include "metrics/leader_metrics.h"

#include "api/contract.h"

namespace baton::metrics {

LeaderMetrics::LeaderMetrics(prometheus::Registry& registry, const std::string& lease_name)
    : status_(prometheus::BuildGauge()
                  .Name(std::string(api::metric::kLeaderElectionMasterStatus))
                  .Help("Gauge of if the reporting system is master of the relevant lease, 0 "
                        "indicates backup, 1 indicates master. 'name' is the string used to "
                        "identify the lease.")
                  .Register(registry)
                  .Add({{"name", lease_name}})) {}

void LeaderMetrics::SetLeading(bool leading) {
  status_.Set(leading ? 1 : 0);
}

}  // namespace baton::metrics
