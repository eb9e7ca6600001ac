#include "serve/http_endpoints.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <atomic>

namespace baton::serve {
namespace {

TEST(HttpEndpointsTest, ServesMetricsAndProbes) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& family = prometheus::BuildCounter()
                     .Name("baton_test_things_total")
                     .Help("Things counted by the test.")
                     .Register(*registry);
  family.Add({{"kind", "a"}}).Increment(3);
  std::atomic<bool> ready{false};
  HttpEndpoints endpoints(
      {"127.0.0.1", 0}, registry, [] { return std::optional<std::string>(); },
      [&]() -> std::optional<std::string> {
        if (ready) return std::nullopt;
        return "caches not synced";
      });
  endpoints.Start();
  ASSERT_GT(endpoints.port(), 0);

  httplib::Client client("127.0.0.1", endpoints.port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("baton_test_things_total{kind=\"a\"} 3"), std::string::npos)
      << metrics->body;

  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto not_ready = client.Get("/readyz");
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(not_ready->body, "not ok: caches not synced\n");
  ready = true;
  auto now_ready = client.Get("/readyz");
  ASSERT_TRUE(now_ready);
  EXPECT_EQ(now_ready->status, 200);
  endpoints.Stop();
  EXPECT_FALSE(client.Get("/healthz")) << "still serving after Stop()";
}

TEST(HttpEndpointsTest, PortInUseIsAnError) {
  auto registry = std::make_shared<prometheus::Registry>();
  HttpEndpoints first({"127.0.0.1", 0}, registry, nullptr, nullptr);
  first.Start();
  HttpEndpoints second({"127.0.0.1", first.port()}, registry, nullptr, nullptr);
  EXPECT_THROW(second.Start(), std::runtime_error);
}

}  // namespace
}  // namespace baton::serve
