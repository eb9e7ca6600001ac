#include "serve/access_review.h"

#include <gtest/gtest.h>

namespace baton::serve {
namespace {

using nlohmann::json;

TEST(BearerTokenTest, TakesOnlyABearerToken) {
  EXPECT_EQ(BearerToken("Bearer abc.def"), "abc.def");
  EXPECT_EQ(BearerToken("bearer abc"), "abc");
  EXPECT_EQ(BearerToken(""), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer "), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer"), std::nullopt);
  EXPECT_EQ(BearerToken("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer a b"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearerabc"), std::nullopt);
}

TEST(AccessReviewTest, TokenReviewCarriesTheTokenAndNoAudience) {
  const json review = TokenReviewRequest("t0k");
  EXPECT_EQ(review["apiVersion"], "authentication.k8s.io/v1");
  EXPECT_EQ(review["kind"], "TokenReview");
  EXPECT_EQ(review["spec"], json({{"token", "t0k"}}));
}

TEST(AccessReviewTest, AuthenticatedUserFromAnAnswer) {
  const json answer = {{"status",
                        {{"authenticated", true},
                         {"user",
                          {{"username", "system:serviceaccount:monitoring:prometheus"},
                           {"uid", "u-1"},
                           {"groups", {"system:serviceaccounts", "system:authenticated"}},
                           {"extra", {{"authentication.kubernetes.io/pod-name", {"prom-0"}}}}}}}}};
  auto user = AuthenticatedUser(answer);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->username, "system:serviceaccount:monitoring:prometheus");
  EXPECT_EQ(user->uid, "u-1");
  EXPECT_EQ(user->groups,
            (std::vector<std::string>{"system:serviceaccounts", "system:authenticated"}));
  EXPECT_EQ(user->extra.at("authentication.kubernetes.io/pod-name"),
            std::vector<std::string>{"prom-0"});
}

TEST(AccessReviewTest, AnythingButAnAuthenticatedUserIsNone) {
  const json user = {{"username", "alice"}};
  for (const json& answer : {
           json(nullptr),
           json::array(),
           json::object(),
           json({{"status", {{"authenticated", false}, {"user", user}}}}),
           json({{"status", {{"authenticated", "true"}, {"user", user}}}}),
           json({{"status", {{"authenticated", true}}}}),
           json({{"status", {{"authenticated", true}, {"user", {{"username", ""}}}}}}),
           json({{"status", {{"authenticated", true}, {"user", {{"username", 7}}}}}}),
           json({{"status",
                  {{"authenticated", true},
                   {"user", {{"username", "alice"}, {"groups", "system:masters"}}}}}}),
           json({{"status",
                  {{"authenticated", true},
                   {"user", {{"username", "alice"}, {"extra", {{"k", "v"}}}}}}}}),
       }) {
    EXPECT_EQ(AuthenticatedUser(answer), std::nullopt) << answer.dump();
  }
}

TEST(AccessReviewTest, SubjectAccessReviewAsksForTheNonResourceUrl) {
  ReviewedUser user{"alice", "u-1", {"devs"}, {{"scopes", {"a"}}}};
  const json review = NonResourceAccessReviewRequest(user, "/metrics", "get");
  EXPECT_EQ(review["apiVersion"], "authorization.k8s.io/v1");
  EXPECT_EQ(review["kind"], "SubjectAccessReview");
  EXPECT_EQ(review["spec"],
            json({{"user", "alice"},
                  {"uid", "u-1"},
                  {"groups", {"devs"}},
                  {"extra", {{"scopes", {"a"}}}},
                  {"nonResourceAttributes", {{"path", "/metrics"}, {"verb", "get"}}}}));
  const json bare = NonResourceAccessReviewRequest({"bob", "", {}, {}}, "/metrics", "get");
  EXPECT_FALSE(bare["spec"].contains("uid"));
  EXPECT_FALSE(bare["spec"].contains("extra"));
}

TEST(AccessReviewTest, OnlyAnExplicitAllowAllows) {
  EXPECT_TRUE(AccessAllowed({{"status", {{"allowed", true}}}}));
  EXPECT_FALSE(AccessAllowed({{"status", {{"allowed", false}}}}));
  EXPECT_FALSE(AccessAllowed({{"status", {{"allowed", true}, {"denied", true}}}}));
  EXPECT_FALSE(AccessAllowed({{"status", {{"allowed", "true"}}}}));
  EXPECT_FALSE(AccessAllowed({{"status", json::object()}}));
  EXPECT_FALSE(AccessAllowed(json::object()));
  EXPECT_FALSE(AccessAllowed(json(nullptr)));
}

}  // namespace
}  // namespace baton::serve
