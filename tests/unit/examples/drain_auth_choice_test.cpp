#include "drain_auth_choice.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

constexpr const char* kIdentity = "system:serviceaccount:baton:baton-operator";
constexpr const char* kAudience = "baton.dev/drain/chat/RelayTier/relay";

DrainAuthFlags TokenReview() {
  DrainAuthFlags f;
  f.allowed_identity = kIdentity;
  f.audience = kAudience;
  return f;
}

TEST(ChooseDrainAuth, NoAuthenticationAtAllIsRefusedNamingTheFlags) {
  DrainAuthChoice c = ChooseDrainAuth({});
  EXPECT_EQ(c.mode, DrainAuthMode::kInvalid);
  for (const char* flag :
       {"--drain-allowed-identity", "--drain-token-file", "--drain-allow-unauthenticated"}) {
    EXPECT_NE(c.error.find(flag), std::string::npos) << flag << " missing from: " << c.error;
  }
}

TEST(ChooseDrainAuth, AnAudienceFromTheEnvironmentAloneIsNoChoice) {
  // Baton sets BATON_DRAIN_AUDIENCE in every pod of a tier with auth; that
  // alone must not make a workload start without checking anything.
  DrainAuthFlags f;
  f.audience = kAudience;
  EXPECT_EQ(ChooseDrainAuth(f).mode, DrainAuthMode::kInvalid);
  f.allow_unauthenticated = true;
  EXPECT_EQ(ChooseDrainAuth(f).mode, DrainAuthMode::kUnauthenticated);
}

TEST(ChooseDrainAuth, OnlyTheExplicitFlagOpensTheEndpoint) {
  DrainAuthFlags f;
  f.allow_unauthenticated = true;
  EXPECT_EQ(ChooseDrainAuth(f).mode, DrainAuthMode::kUnauthenticated);
}

TEST(ChooseDrainAuth, StaticTokenFile) {
  DrainAuthFlags f;
  f.token_file = "/etc/drain/token";
  EXPECT_EQ(ChooseDrainAuth(f).mode, DrainAuthMode::kStaticToken);
}

TEST(ChooseDrainAuth, TokenReviewNeedsIdentityAndAudienceButNoKubeconfig) {
  // Credentials may come from $KUBECONFIG or the in-cluster mount.
  EXPECT_EQ(ChooseDrainAuth(TokenReview()).mode, DrainAuthMode::kTokenReview);

  DrainAuthFlags no_audience = TokenReview();
  no_audience.audience.clear();
  DrainAuthChoice c = ChooseDrainAuth(no_audience);
  EXPECT_EQ(c.mode, DrainAuthMode::kInvalid);
  EXPECT_NE(c.error.find("BATON_DRAIN_AUDIENCE"), std::string::npos) << c.error;

  // A kubeconfig without an identity is half a TokenReview, never "no auth".
  DrainAuthFlags no_identity = TokenReview();
  no_identity.allowed_identity.clear();
  no_identity.token_review_kubeconfig = "/pod/kubeconfig";
  c = ChooseDrainAuth(no_identity);
  EXPECT_EQ(c.mode, DrainAuthMode::kInvalid);
  EXPECT_NE(c.error.find("--drain-allowed-identity"), std::string::npos) << c.error;
}

TEST(ChooseDrainAuth, ContradictionsAreRefused) {
  DrainAuthFlags open_and_token;
  open_and_token.allow_unauthenticated = true;
  open_and_token.token_file = "/etc/drain/token";
  EXPECT_EQ(ChooseDrainAuth(open_and_token).mode, DrainAuthMode::kInvalid);

  DrainAuthFlags open_and_review = TokenReview();
  open_and_review.allow_unauthenticated = true;
  EXPECT_EQ(ChooseDrainAuth(open_and_review).mode, DrainAuthMode::kInvalid);

  DrainAuthFlags token_and_review = TokenReview();
  token_and_review.token_file = "/etc/drain/token";
  EXPECT_EQ(ChooseDrainAuth(token_and_review).mode, DrainAuthMode::kInvalid);
}

}  // namespace
}  // namespace baton::examples
