// analysis::MetricQuery against a real Prometheus server's HTTP API:
// GET <base>/api/v1/query?query=<promql>, plain HTTP, over Boost.Beast (as
// the drain client: its parser caps headers and body as bytes arrive).
// Every failure is an unknown sample with its reason; nothing throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "analysis/metric_query.h"

namespace baton::analysis {

struct PrometheusUrl {
  std::string host;  // an IPv6 literal without brackets
  int port = 80;
  std::string prefix;  // "" or "/path" (a Prometheus behind --web.route-prefix)
  std::string Authority() const;
};

// "http://host[:port][/prefix]"; nullopt with `error` set otherwise (https
// is not supported: Baton reaches Prometheus in-cluster over plain HTTP).
std::optional<PrometheusUrl> ParsePrometheusUrl(const std::string& url, std::string& error);

// The request target of an instant query: prefix + "/api/v1/query?query=" +
// the percent-encoded query.
std::string InstantQueryTarget(const std::string& prefix, const std::string& promql);

class PrometheusQuery : public MetricQuery {
 public:
  struct Options {
    std::string base_url;  // e.g. "http://prometheus.monitoring:9090"
    std::chrono::milliseconds timeout{5000};
    std::size_t max_body_bytes = 1 << 20;
  };
  explicit PrometheusQuery(Options options);
  // Thread-safe: each call has its own connection.
  MetricSample Query(const std::string& promql) override;

 private:
  Options options_;
  std::optional<PrometheusUrl> url_;
  std::string url_error_;
};

}  // namespace baton::analysis
