// One instant query against the platform's metrics server (Prometheus'
// HTTP API, GET /api/v1/query), as a canary bake asks it: "what is this
// number now?". The answer is one number or unknown; unknown never passes
// a bake and never fails one by itself (docs/canary.md).
#pragma once

#include <string>

namespace baton::analysis {

struct MetricSample {
  bool known = false;
  double value = 0;   // meaningful only when known
  std::string error;  // why unknown: "no series", "3 series, want 1", "HTTP 503", ...
};

class MetricQuery {
 public:
  virtual ~MetricQuery() = default;
  // Blocking, bounded by the implementation's own timeout; never throws.
  virtual MetricSample Query(const std::string& promql) = 0;
};

}  // namespace baton::analysis
