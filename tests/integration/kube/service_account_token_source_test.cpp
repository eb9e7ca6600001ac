// TokenRequest against the real API server: the token's life is what the
// server says in status.expirationTimestamp.
#include "kube/service_account_token_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "kube/config.h"
#include "kube/resource.h"
#include "kube/rest_client.h"
#include "test_cluster.h"
#include "timestamp/rfc3339.h"

namespace baton::kube {
namespace {

using std::chrono::seconds;

class TokenRequestTest : public baton::testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (HasFatalFailure()) return;
    client_ = std::make_unique<RestClient>(LoadKubeconfig(cluster().kubeconfig()));
    client_->Create(
        resources::kServiceAccounts, ns(),
        {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "op"}}}});
  }
  std::unique_ptr<RestClient> client_;
};

TEST_F(TokenRequestTest, TheTokensLifeIsTheServersExpirationTimestamp) {
  const auto before = std::chrono::system_clock::now();
  const IssuedToken issued =
      TokenRequestRequester(*client_, ns(), "op")("baton-test", seconds(600));
  const auto after = std::chrono::system_clock::now();
  EXPECT_FALSE(issued.token.empty());
  // 600 s asked (the API server's minimum): it grants 600 s from its own clock.
  EXPECT_GE(issued.expires_at, before + seconds(598));
  EXPECT_LE(issued.expires_at, after + seconds(602));

  const nlohmann::json body = {
      {"apiVersion", "authentication.k8s.io/v1"},
      {"kind", "TokenRequest"},
      {"spec", {{"audiences", {"baton-test"}}, {"expirationSeconds", 600}}}};
  const nlohmann::json answer =
      client_->CreateSubresource(resources::kServiceAccounts, ns(), "op", "token", body);
  const auto stated = timestamp::ParseRfc3339(
      answer.value("/status/expirationTimestamp"_json_pointer, std::string()));
  ASSERT_TRUE(stated.has_value()) << answer.dump();
  EXPECT_EQ(IssuedTokenOf(answer, std::chrono::system_clock::now(), seconds(3600)).expires_at,
            *stated);
}

}  // namespace
}  // namespace baton::kube
