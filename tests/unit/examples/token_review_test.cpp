#include "token_review.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

const TokenReviewPolicy kPolicy{"baton-drain", "system:serviceaccount:baton:operator"};

nlohmann::json Review(bool authenticated, const std::string& user,
                      nlohmann::json audiences = {"baton-drain"}) {
  return {{"status",
           {{"authenticated", authenticated},
            {"user", {{"username", user}}},
            {"audiences", audiences}}}};
}

TEST(ReviewAccepts, OnlyTheAllowedIdentityWithTheAudience) {
  EXPECT_TRUE(ReviewAccepts(Review(true, kPolicy.allowed_identity), kPolicy));
  std::string why;
  EXPECT_FALSE(ReviewAccepts(Review(false, kPolicy.allowed_identity), kPolicy, &why));
  EXPECT_NE(why.find("not authenticated"), std::string::npos);
  EXPECT_FALSE(ReviewAccepts(Review(true, "system:serviceaccount:baton:other"), kPolicy, &why));
  EXPECT_NE(why.find("not allowed"), std::string::npos);
  EXPECT_FALSE(ReviewAccepts(Review(true, kPolicy.allowed_identity, {"other"}), kPolicy, &why));
  EXPECT_NE(why.find("audience"), std::string::npos);
  EXPECT_FALSE(
      ReviewAccepts(Review(true, kPolicy.allowed_identity, nlohmann::json::array()), kPolicy));
  EXPECT_FALSE(ReviewAccepts(nlohmann::json::object(), kPolicy));
  EXPECT_FALSE(ReviewAccepts(nlohmann::json("garbage"), kPolicy));
  EXPECT_FALSE(ReviewAccepts({{"status", {{"authenticated", "true"}}}}, kPolicy));
}

TEST(TokenReviewRequest, CarriesTheTokenAndAudience) {
  auto r = TokenReviewRequest("t0k", "aud");
  EXPECT_EQ(r["kind"], "TokenReview");
  EXPECT_EQ(r["spec"]["token"], "t0k");
  EXPECT_EQ(r["spec"]["audiences"], nlohmann::json({"aud"}));
}

struct ScriptedApi {
  TokenReviewer::Clock::time_point now{};
  int posts = 0;
  bool up = true;
  std::string good_token = "good";

  TokenReviewer Reviewer() {
    return TokenReviewer(
        kPolicy,
        [this](const nlohmann::json& req) -> std::optional<nlohmann::json> {
          ++posts;
          if (!up) return std::nullopt;
          return Review(req["spec"]["token"] == good_token, kPolicy.allowed_identity);
        },
        [this] { return now; }, std::chrono::seconds(10));
  }
};

TEST(TokenReviewer, RefusesWithoutAskingWhenThereIsNoBearerToken) {
  ScriptedApi api;
  auto r = api.Reviewer();
  EXPECT_EQ(r.Check(""), AuthVerdict::kRefused);
  EXPECT_EQ(r.Check("Basic Zm9vOmJhcg=="), AuthVerdict::kRefused);
  EXPECT_EQ(r.Check("Bearer "), AuthVerdict::kRefused);
  EXPECT_EQ(api.posts, 0);
}

TEST(TokenReviewer, CachesOnlyAcceptedTokensAndOnlyBriefly) {
  ScriptedApi api;
  auto r = api.Reviewer();
  EXPECT_EQ(r.Check("Bearer good"), AuthVerdict::kAccepted);
  EXPECT_EQ(r.Check("Bearer good"), AuthVerdict::kAccepted);
  EXPECT_EQ(api.posts, 1);
  EXPECT_EQ(r.Check("Bearer bad"), AuthVerdict::kRefused);
  EXPECT_EQ(r.Check("Bearer bad"), AuthVerdict::kRefused);
  EXPECT_EQ(api.posts, 3);
  // Past the cache's life the token is reviewed again, and a revoked one is refused.
  api.now += std::chrono::seconds(10);
  api.good_token = "other";
  EXPECT_EQ(r.Check("Bearer good"), AuthVerdict::kRefused);
  EXPECT_EQ(api.posts, 4);
}

TEST(TokenReviewer, AnUnreachableApiServerIsNotAnAcceptance) {
  ScriptedApi api;
  api.up = false;
  auto r = api.Reviewer();
  EXPECT_EQ(r.Check("Bearer good"), AuthVerdict::kUnavailable);
  api.up = true;
  EXPECT_EQ(r.Check("Bearer good"), AuthVerdict::kAccepted);
}

}  // namespace
}  // namespace baton::examples
