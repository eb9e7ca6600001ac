// The Prometheus client's pure parts: its URL and its request target. The
// exchange itself runs against a real Prometheus in
// tests/integration/analysis.
#include "analysis/prometheus_query.h"

#include <gtest/gtest.h>

namespace baton::analysis {
namespace {

TEST(PrometheusUrl, HostPortAndPrefix) {
  std::string error;
  auto u = ParsePrometheusUrl("http://prometheus.monitoring:9090", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->host, "prometheus.monitoring");
  EXPECT_EQ(u->port, 9090);
  EXPECT_EQ(u->prefix, "");
  auto prefixed = ParsePrometheusUrl("http://127.0.0.1/prom/", error);
  ASSERT_TRUE(prefixed) << error;
  EXPECT_EQ(prefixed->port, 80);
  EXPECT_EQ(prefixed->prefix, "/prom");
  auto v6 = ParsePrometheusUrl("http://[fd00::7]:9090", error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->host, "fd00::7");
  EXPECT_EQ(v6->Authority(), "[fd00::7]:9090");
}

TEST(PrometheusUrl, RefusesWhatItCannotReach) {
  for (const char* bad : {"https://p:9090", "p:9090", "http://", "http://:9090", "http://p:0",
                          "http://p:70000", "http://p:90x", "http://[::1", "http://p/a?b=c"}) {
    std::string error;
    EXPECT_FALSE(ParsePrometheusUrl(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(PrometheusUrl, TheQueryIsPercentEncoded) {
  EXPECT_EQ(InstantQueryTarget("", R"(sum(rate(x{a="b c"}[30s])) / 2)"),
            "/api/v1/query?query=sum%28rate%28x%7Ba%3D%22b%20c%22%7D%5B30s%5D%29%29%20%2F%202");
  EXPECT_EQ(InstantQueryTarget("/prom", "a+b&c"), "/prom/api/v1/query?query=a%2Bb%26c");
}

TEST(PrometheusQuery, ABadUrlMakesEveryQueryUnknown) {
  PrometheusQuery q({"https://p:9090"});
  auto s = q.Query("up");
  EXPECT_FALSE(s.known);
  EXPECT_EQ(s.error, "https is not supported for the Prometheus URL");
}

}  // namespace
}  // namespace baton::analysis
