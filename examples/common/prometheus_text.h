// Metrics in the Prometheus text exposition format (version 0.0.4), as the
// example relay serves them on GET /metrics. Pure; a fixed list of samples
// without labels, so the output is bounded by the list.
#pragma once

#include <string>
#include <vector>

namespace baton::examples {

struct MetricSample {
  std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string type;  // "counter" or "gauge"
  std::string help;  // one line
  double value = 0;
};

std::string FormatPrometheusText(const std::vector<MetricSample>& samples);

}  // namespace baton::examples
