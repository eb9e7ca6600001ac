#include "kube/service_account_token_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>
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

// The API's status.expirationTimestamp is the token's life: an opaque
// (non-JWT) token that the server gave 10 minutes although an hour was
// asked expires at the server's time. (Before, the requester read only a
// JWT's `exp` and took such a token for an hour: 50 minutes of 401s.)
TEST(IssuedTokenOf, TheServersExpirationTimestampRules) {
  using std::chrono::seconds;
  const auto asked = std::chrono::system_clock::time_point(seconds(1'800'000'000));
  const nlohmann::json opaque = nlohmann::json::parse(
      R"({"status":{"token":"opaque","expirationTimestamp":"2027-01-15T08:10:00Z"}})");
  EXPECT_EQ(IssuedTokenOf(opaque, asked, seconds(3600)).expires_at,
            std::chrono::system_clock::time_point(seconds(1'800'000'000 + 600)));

  // A JWT whose exp disagrees: the status still rules.
  nlohmann::json jwt = opaque;
  jwt["status"]["token"] = Jwt(R"({"exp":1800003600})");
  EXPECT_EQ(IssuedTokenOf(jwt, asked, seconds(3600)).expires_at,
            std::chrono::system_clock::time_point(seconds(1'800'000'600)));

  // No (readable) status time: the JWT's exp, else the request.
  jwt["status"]["expirationTimestamp"] = "soon";
  EXPECT_EQ(IssuedTokenOf(jwt, asked, seconds(3600)).expires_at,
            std::chrono::system_clock::time_point(seconds(1'800'003'600)));
  const nlohmann::json bare = nlohmann::json::parse(R"({"status":{"token":"opaque"}})");
  EXPECT_EQ(IssuedTokenOf(bare, asked, seconds(900)).expires_at, asked + seconds(900));

  EXPECT_THROW(IssuedTokenOf(nlohmann::json::parse(R"({"status":{}})"), asked, seconds(600)),
               std::runtime_error);
}

}  // namespace
}  // namespace baton::kube

namespace baton::kube {
namespace {

// Issue 25: the lock is not held across the TokenRequest. Before, a caller
// whose token was still valid (or of another audience) waited for a slow
// API server behind the refreshing caller: every drain read stalled with it.
TEST(ServiceAccountTokenSource, ASlowRefreshDelaysNobodyWhoHasAValidToken) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> requests{0};
  Clock::time_point now{seconds(1'000'000)};
  std::mutex now_mu;
  ServiceAccountTokenSource source(
      [&](const std::string& audience, seconds ttl) {
        const int n = ++requests;
        if (audience == "slow" && n > 1) released.wait();  // the refresh hangs
        std::lock_guard lock(now_mu);
        return IssuedToken{audience + "#" + std::to_string(n), now + ttl};
      },
      [&] {
        std::lock_guard lock(now_mu);
        return now;
      },
      {.ttl = seconds(600), .refresh_after = 0.8});
  ASSERT_EQ(source.Token("slow"), "slow#1");
  {
    std::lock_guard lock(now_mu);
    now += seconds(500);  // due for refresh, still valid for 100 s
  }
  auto refreshing = std::async(std::launch::async, [&] { return source.Token("slow"); });
  while (requests.load() < 2) std::this_thread::yield();  // the refresh is under way
  auto same = std::async(std::launch::async, [&] { return source.Token("slow"); });
  auto other = std::async(std::launch::async, [&] { return source.Token("fast"); });
  const bool same_answered = same.wait_for(seconds(10)) == std::future_status::ready;
  const bool other_answered = other.wait_for(seconds(10)) == std::future_status::ready;
  release.set_value();
  ASSERT_TRUE(same_answered) << "a caller with a valid token waited for the refresh";
  ASSERT_TRUE(other_answered) << "another audience waited for the refresh";
  EXPECT_EQ(same.get(), "slow#1");
  EXPECT_EQ(other.get(), "fast#3");
  EXPECT_EQ(refreshing.get(), "slow#2");
  EXPECT_EQ(requests.load(), 3) << "one refresh, not one per caller";
}

// Without a valid token, callers wait for the one request under way.
TEST(ServiceAccountTokenSource, CallersWithoutATokenShareOneRequest) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> requests{0};
  const Clock::time_point now{seconds(1'000'000)};
  ServiceAccountTokenSource source(
      [&](const std::string& audience, seconds ttl) {
        const int n = ++requests;
        released.wait();
        return IssuedToken{audience + "#" + std::to_string(n), now + ttl};
      },
      [&] { return now; });
  auto first = std::async(std::launch::async, [&] { return source.Token("a"); });
  while (requests.load() < 1) std::this_thread::yield();
  auto second = std::async(std::launch::async, [&] { return source.Token("a"); });
  release.set_value();
  EXPECT_EQ(first.get(), "a#1");
  EXPECT_EQ(second.get(), "a#1");
  EXPECT_EQ(requests.load(), 1);
}

}  // namespace
}  // namespace baton::kube
