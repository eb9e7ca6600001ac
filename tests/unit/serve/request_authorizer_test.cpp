#include "serve/request_authorizer.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>

namespace baton::serve {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A fake API server: tokens -> users, and the users allowed to get /metrics.
struct FakeApiServer {
  std::map<std::string, std::string> users;  // token -> username
  std::set<std::string> readers;
  int token_reviews = 0;
  int access_reviews = 0;
  bool down = false;
  json last_access_review;

  DelegatedAuthorizer::CreateReview TokenReviews() {
    return [this](const json& review) {
      ++token_reviews;
      if (down) throw std::runtime_error("connection refused");
      auto it = users.find(review["spec"]["token"].get<std::string>());
      if (it == users.end()) return json{{"status", {{"authenticated", false}}}};
      return json{
          {"status",
           {{"authenticated", true}, {"user", {{"username", it->second}, {"groups", {"g"}}}}}}};
    };
  }
  DelegatedAuthorizer::CreateReview AccessReviews() {
    return [this](const json& review) {
      ++access_reviews;
      last_access_review = review;
      if (down) throw std::runtime_error("403 Forbidden");
      const bool allowed = readers.count(review["spec"]["user"].get<std::string>()) > 0;
      return json{{"status", {{"allowed", allowed}}}};
    };
  }
};

class DelegatedAuthorizerTest : public ::testing::Test {
 protected:
  DelegatedAuthorizerTest() {
    api.users = {{"prom-token", "prometheus"}, {"other-token", "someone"}};
    api.readers = {"prometheus"};
  }
  DelegatedAuthorizer Make(std::size_t cache_entries = 256) {
    DelegatedAuthorizer::Options options;
    options.cache_ttl = 20s;
    options.cache_entries = cache_entries;
    return DelegatedAuthorizer(
        api.TokenReviews(), api.AccessReviews(), [this] { return now; }, options);
  }
  FakeApiServer api;
  DelegatedAuthorizer::Clock::time_point now{};
};

TEST_F(DelegatedAuthorizerTest, NoOrBadTokenIs401AndAsksNothingWithoutAToken) {
  auto authz = Make();
  EXPECT_EQ(authz.Authorize("").status, 401);
  EXPECT_EQ(authz.Authorize("Basic dXNlcjpwYXNz").status, 401);
  EXPECT_EQ(api.token_reviews, 0);
  EXPECT_EQ(authz.Authorize("Bearer forged").status, 401);
  EXPECT_EQ(api.token_reviews, 1);
  EXPECT_EQ(api.access_reviews, 0) << "an unauthenticated caller is never authorized";
}

TEST_F(DelegatedAuthorizerTest, AnAuthenticatedUserWithoutTheRightIs403) {
  auto authz = Make();
  const AccessDecision d = authz.Authorize("Bearer other-token");
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(d.message, "Authorization denied for user someone\n");
  EXPECT_EQ(api.last_access_review["spec"]["nonResourceAttributes"],
            json({{"path", "/metrics"}, {"verb", "get"}}));
  EXPECT_EQ(api.last_access_review["spec"]["groups"], json({"g"}));
}

TEST_F(DelegatedAuthorizerTest, AReaderIsAllowedAndTheAnswerIsCachedBriefly) {
  auto authz = Make();
  EXPECT_EQ(authz.Authorize("Bearer prom-token").status, 200);
  now += 19s;
  EXPECT_EQ(authz.Authorize("Bearer prom-token").status, 200);
  EXPECT_EQ(api.token_reviews, 1);
  EXPECT_EQ(api.access_reviews, 1);
  // The binding is removed: refused once the cached answer has expired.
  api.readers.clear();
  now += 2s;
  EXPECT_EQ(authz.Authorize("Bearer prom-token").status, 403);
  EXPECT_EQ(api.token_reviews, 2);
}

TEST_F(DelegatedAuthorizerTest, RefusalsAreNotCached) {
  auto authz = Make();
  EXPECT_EQ(authz.Authorize("Bearer other-token").status, 403);
  api.readers.insert("someone");
  EXPECT_EQ(authz.Authorize("Bearer other-token").status, 200);
}

TEST_F(DelegatedAuthorizerTest, AnApiServerThatCannotBeAskedIs500AndServesNothing) {
  auto authz = Make();
  api.down = true;
  EXPECT_EQ(authz.Authorize("Bearer prom-token").status, 500);
  // Authenticated, but the access review fails.
  DelegatedAuthorizer half(
      api.TokenReviews(), [](const json&) -> json { throw std::runtime_error("timeout"); },
      [this] { return now; });
  api.down = false;
  const AccessDecision d = half.Authorize("Bearer prom-token");
  EXPECT_EQ(d.status, 500);
  EXPECT_EQ(d.message.find("prom-token"), std::string::npos) << "the reply names no token";
}

TEST_F(DelegatedAuthorizerTest, TheCacheIsBounded) {
  for (int i = 0; i < 5; ++i) api.users["t" + std::to_string(i)] = "prometheus";
  auto authz = Make(/*cache_entries=*/2);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(authz.Authorize("Bearer t" + std::to_string(i)).status, 200);
  const int reviews = api.token_reviews;
  // Token 0 fell out when the cache was full; asked again.
  EXPECT_EQ(authz.Authorize("Bearer t0").status, 200);
  EXPECT_EQ(api.token_reviews, reviews + 1);
}

}  // namespace
}  // namespace baton::serve
