// Reading Prometheus' answer to an instant query (GET /api/v1/query) into a
// MetricSample: known only for exactly one finite number. Pure.
#pragma once

#include <cstddef>
#include <string_view>

#include "analysis/metric_query.h"

namespace baton::analysis {

// Reasons quoted from the server's error are cut to this many bytes: they
// end up in status and Events.
inline constexpr std::size_t kMaxErrorBytes = 256;

// `http_status` 0 is not an answer (the caller names the failure itself).
// A vector with one sample or a scalar is a known value; an empty vector is
// "no series", several are "N series, want 1", NaN and infinities are
// unknown, and so is anything else, with the reason.
MetricSample ParsePrometheusAnswer(int http_status, std::string_view body);

}  // namespace baton::analysis
