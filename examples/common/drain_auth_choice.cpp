#include "drain_auth_choice.h"

namespace baton::examples {
namespace {

DrainAuthChoice Invalid(std::string error) {
  return {DrainAuthMode::kInvalid, std::move(error)};
}

}  // namespace

DrainAuthChoice ChooseDrainAuth(const DrainAuthFlags& flags) {
  const bool static_token = !flags.token_file.empty();
  // The identity is what turns TokenReview on: without it nothing could be
  // accepted. A kubeconfig alone is a half-configured TokenReview, not a
  // request for no authentication. The audience alone is not a request at
  // all: Baton sets $BATON_DRAIN_AUDIENCE in every pod of a tier with auth.
  const bool token_review =
      !flags.allowed_identity.empty() || !flags.token_review_kubeconfig.empty();
  if (flags.allow_unauthenticated && (static_token || token_review)) {
    return Invalid(
        "--drain-allow-unauthenticated contradicts --drain-token-file, "
        "--drain-allowed-identity and --token-review-kubeconfig: choose one");
  }
  if (static_token && token_review) {
    return Invalid(
        "--drain-token-file and TokenReview (--drain-allowed-identity, "
        "--token-review-kubeconfig) exclude each other: choose one");
  }
  if (flags.allow_unauthenticated) return {DrainAuthMode::kUnauthenticated, ""};
  if (static_token) return {DrainAuthMode::kStaticToken, ""};
  if (token_review) {
    if (flags.allowed_identity.empty()) {
      return Invalid(
          "TokenReview needs --drain-allowed-identity "
          "(e.g. system:serviceaccount:baton:baton-operator)");
    }
    if (flags.audience.empty()) {
      return Invalid(
          "TokenReview needs an audience: --drain-audience or $BATON_DRAIN_AUDIENCE "
          "(Baton sets it in pods of a tier with spec.drain.auth.type: ServiceAccountToken)");
    }
    return {DrainAuthMode::kTokenReview, ""};
  }
  return Invalid(
      "the drain endpoint must authenticate its callers: give --drain-allowed-identity "
      "(TokenReview of Baton's ServiceAccount token) or --drain-token-file PATH, or "
      "--drain-allow-unauthenticated to let anyone who can reach the port start drains");
}

}  // namespace baton::examples
