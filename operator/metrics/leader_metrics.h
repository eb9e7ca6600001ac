// client-go's leader_election_master_status{name}: 1 while this process
// leads (or works without leader election), 0 otherwise.
#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

namespace baton::metrics {

class LeaderMetrics {
 public:
  LeaderMetrics(prometheus::Registry& registry, const std::string& lease_name);
  void SetLeading(bool leading);

 private:
  prometheus::Gauge& status_;
};

}  // namespace baton::metrics
