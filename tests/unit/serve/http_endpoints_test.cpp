#include "serve/http_endpoints.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <atomic>

#include "serve/request_authorizer.h"
#include "serve/serving_certificate.h"

namespace baton::serve {
namespace {

std::shared_ptr<prometheus::Registry> RegistryWithACounter() {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& family = prometheus::BuildCounter()
                     .Name("baton_test_things_total")
                     .Help("Things counted by the test.")
                     .Register(*registry);
  family.Add({{"kind", "a"}}).Increment(3);
  return registry;
}

// Allows exactly one token; refuses every other one, as the API server would.
class OneTokenAuthorizer : public RequestAuthorizer {
 public:
  AccessDecision Authorize(std::string_view authorization) override {
    ++calls;
    if (authorization.empty()) return {401, "Unauthorized\n"};
    if (authorization == "Bearer reader") return {200, ""};
    return {403, "Authorization denied for user other\n"};
  }
  std::atomic<int> calls{0};
};

TEST(HttpEndpointsTest, ServesMetricsAndProbesOnTheirOwnPorts) {
  std::atomic<bool> ready{false};
  HttpEndpoints metrics({"127.0.0.1", 0, nullptr});
  metrics.ServeMetrics(RegistryWithACounter(), nullptr);
  HttpEndpoints probes({"127.0.0.1", 0, nullptr});
  probes.ServeProbes([] { return std::optional<std::string>(); },
                     [&]() -> std::optional<std::string> {
                       if (ready) return std::nullopt;
                       return "caches not synced";
                     });
  metrics.Start();
  probes.Start();
  ASSERT_GT(metrics.port(), 0);

  httplib::Client client("127.0.0.1", metrics.port());
  auto scrape = client.Get("/metrics");
  ASSERT_TRUE(scrape);
  EXPECT_EQ(scrape->status, 200);
  EXPECT_NE(scrape->body.find("baton_test_things_total{kind=\"a\"} 3"), std::string::npos)
      << scrape->body;
  auto no_probe = client.Get("/healthz");
  ASSERT_TRUE(no_probe);
  EXPECT_EQ(no_probe->status, 404);

  httplib::Client probe_client("127.0.0.1", probes.port());
  auto health = probe_client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto not_ready = probe_client.Get("/readyz");
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(not_ready->body, "not ok: caches not synced\n");
  ready = true;
  auto now_ready = probe_client.Get("/readyz");
  ASSERT_TRUE(now_ready);
  EXPECT_EQ(now_ready->status, 200);
  // The unauthenticated probe port gives no metrics away.
  auto leak = probe_client.Get("/metrics");
  ASSERT_TRUE(leak);
  EXPECT_EQ(leak->status, 404);

  probes.Stop();
  EXPECT_FALSE(probe_client.Get("/healthz")) << "still serving after Stop()";
}

TEST(HttpEndpointsTest, SecureMetricsNeedAnAuthorizedTokenOverHttps) {
  auto authorizer = std::make_shared<OneTokenAuthorizer>();
  HttpEndpoints metrics({"127.0.0.1", 0, ServingCertificate::SelfSigned({"127.0.0.1"})});
  metrics.ServeMetrics(RegistryWithACounter(), authorizer);
  metrics.Start();

  httplib::SSLClient client("127.0.0.1", metrics.port());
  client.enable_server_certificate_verification(false);  // self-signed
  auto anonymous = client.Get("/metrics");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(anonymous->body.find("baton_test"), std::string::npos);

  auto other = client.Get("/metrics", {{"Authorization", "Bearer other"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  EXPECT_EQ(other->body.find("baton_test"), std::string::npos);

  auto reader = client.Get("/metrics", {{"Authorization", "Bearer reader"}});
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->status, 200);
  EXPECT_NE(reader->body.find("baton_test_things_total"), std::string::npos);
  EXPECT_EQ(authorizer->calls, 3);

  // Plain HTTP to the HTTPS port gets no metrics.
  httplib::Client plain("127.0.0.1", metrics.port());
  auto downgrade = plain.Get("/metrics", {{"Authorization", "Bearer reader"}});
  EXPECT_TRUE(!downgrade || downgrade->status != 200);
}

TEST(HttpEndpointsTest, PortInUseIsAnError) {
  HttpEndpoints first({"127.0.0.1", 0, nullptr});
  first.Start();
  HttpEndpoints second({"127.0.0.1", first.port(), nullptr});
  EXPECT_THROW(second.Start(), std::runtime_error);
}

}  // namespace
}  // namespace baton::serve
