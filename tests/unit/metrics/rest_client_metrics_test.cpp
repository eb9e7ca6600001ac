#include "metrics/rest_client_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace baton::metrics {
namespace {

TEST(RestClientMetrics, CountsByCodeMethodAndHost) {
  prometheus::Registry registry;
  RestClientMetrics metrics(registry, HostOf("https://127.0.0.1:6443/"));
  metrics.OnRequest({"GET", "pods", 200, {}, 0});
  metrics.OnRequest({"GET", "pods", 200, {}, 0});
  metrics.OnRequest({"PATCH", "pods", 409, {}, 0});
  metrics.OnRequest({"GET", "pods", 0, {}, 1});  // no answer at all
  auto text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_NE(
      text.find(R"(rest_client_requests_total{code="200",host="127.0.0.1:6443",method="GET"} 2)"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(code="409",host="127.0.0.1:6443",method="PATCH"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(code="<error>",host="127.0.0.1:6443",method="GET"} 1)"),
            std::string::npos);
}

TEST(RestClientMetrics, HostOfAServerUrl) {
  EXPECT_EQ(HostOf("https://127.0.0.1:6443"), "127.0.0.1:6443");
  EXPECT_EQ(HostOf("https://kube.example:443/prefix"), "kube.example:443");
  EXPECT_EQ(HostOf("127.0.0.5:8443"), "127.0.0.5:8443");
}

}  // namespace
}  // namespace baton::metrics
