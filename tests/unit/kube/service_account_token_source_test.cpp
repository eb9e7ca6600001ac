#include "kube/service_account_token_source.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "kube/base64.h"

namespace baton::kube {
namespace {

using Clock = ServiceAccountTokenSource::Clock;
using std::chrono::seconds;

// A scripted TokenRequest API: hands out numbered tokens valid for the
// requested ttl from the injected clock, or fails while `down`.
struct FakeIssuer {
  Clock::time_point now{seconds(1'000'000)};
  bool down = false;
  std::vector<std::string> requests;  // audiences asked for, in order

  ServiceAccountTokenSource Source(ServiceAccountTokenSource::Options options = {}) {
    return ServiceAccountTokenSource(
        [this](const std::string& audience, seconds ttl) {
          requests.push_back(audience);
          if (down) throw std::runtime_error("connection refused");
          return IssuedToken{audience + "#" + std::to_string(requests.size()), now + ttl};
        },
        [this] { return now; }, options);
  }
};

TEST(ServiceAccountTokenSource, CachesOneTokenPerAudience) {
  FakeIssuer api;
  auto source = api.Source();
  EXPECT_EQ(source.Token("relay"), "relay#1");
  api.now += seconds(100);
  EXPECT_EQ(source.Token("relay"), "relay#1");
  EXPECT_EQ(source.Token("session"), "session#2");
  EXPECT_EQ(source.Token("relay"), "relay#1");
  EXPECT_EQ(api.requests.size(), 2u);
}

TEST(ServiceAccountTokenSource, RefreshesOnceMostOfTheLifeHasPassed) {
  FakeIssuer api;
  auto source = api.Source({.ttl = seconds(600), .refresh_after = 0.8});
  EXPECT_EQ(source.Token("a"), "a#1");
  api.now += seconds(479);  // just before 80 % of 600 s
  EXPECT_EQ(source.Token("a"), "a#1");
  api.now += seconds(1);
  EXPECT_EQ(source.Token("a"), "a#2");
  ASSERT_EQ(api.requests.size(), 2u);
  // The new token's own life counts from when it was issued.
  api.now += seconds(479);
  EXPECT_EQ(source.Token("a"), "a#2");
}

TEST(ServiceAccountTokenSource, KeepsTheOldTokenWhileAFailedRefreshIsRetriedLater) {
  FakeIssuer api;
  auto source =
      api.Source({.ttl = seconds(600), .refresh_after = 0.8, .retry_after_failure = seconds(5)});
  EXPECT_EQ(source.Token("a"), "a#1");
  api.now += seconds(500);
  api.down = true;
  EXPECT_EQ(source.Token("a"), "a#1");  // refresh failed; still valid
  EXPECT_EQ(api.requests.size(), 2u);
  api.now += seconds(2);
  EXPECT_EQ(source.Token("a"), "a#1");
  EXPECT_EQ(api.requests.size(), 2u) << "retried before retry_after_failure";
  api.now += seconds(3);
  api.down = false;
  EXPECT_EQ(source.Token("a"), "a#3");
}

TEST(ServiceAccountTokenSource, AnExpiredTokenIsNeverSent) {
  FakeIssuer api;
  auto source =
      api.Source({.ttl = seconds(600), .refresh_after = 0.8, .retry_after_failure = seconds(5)});
  EXPECT_EQ(source.Token("a"), "a#1");
  api.down = true;
  api.now += seconds(600);  // exactly at expiry
  EXPECT_EQ(source.Token("a"), "");
  api.now += seconds(1);
  EXPECT_EQ(source.Token("a"), "");  // within the retry pause: no request
  EXPECT_EQ(api.requests.size(), 2u);
}

TEST(ServiceAccountTokenSource, NoTokenWhenTheApiNeverAnswered) {
  FakeIssuer api;
  api.down = true;
  auto source = api.Source();
  EXPECT_EQ(source.Token("a"), "");
  api.down = false;
  EXPECT_EQ(source.Token("a"), "") << "retry pause not honoured";
  api.now += seconds(5);
  EXPECT_EQ(source.Token("a"), "a#2");
}

std::string Jwt(const std::string& claims) {
  auto enc = EncodeBase64(claims);
  for (char& c : enc) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!enc.empty() && enc.back() == '=') enc.pop_back();
  return "eyJhbGciOiJSUzI1NiJ9." + enc + ".c2ln";
}

TEST(ServiceAccountOfToken, ReadsTheSubjectOfAServiceAccountToken) {
  EXPECT_EQ(ServiceAccountOfToken(Jwt(R"({"sub":"system:serviceaccount:baton:op"})")), "baton/op");
  EXPECT_EQ(ServiceAccountOfToken(Jwt(R"({"sub":"admin"})")), std::nullopt);
  EXPECT_EQ(ServiceAccountOfToken(Jwt(R"({"sub":"system:serviceaccount:baton"})")), std::nullopt);
  EXPECT_EQ(ServiceAccountOfToken(Jwt(R"({"iss":"x"})")), std::nullopt);
  EXPECT_EQ(ServiceAccountOfToken("not-a-jwt"), std::nullopt);
  EXPECT_EQ(ServiceAccountOfToken("a.!!!.b"), std::nullopt);
}

}  // namespace
}  // namespace baton::kube
