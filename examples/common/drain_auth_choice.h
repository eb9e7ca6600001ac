// PURE: how the drain endpoint authenticates its callers, decided from the
// flags once at startup. There is no silent default: an endpoint that can
// start and stop drains must either check tokens or be told explicitly
// (--drain-allow-unauthenticated) that anyone on the network may call it.
#pragma once

#include <string>

namespace baton::examples {

struct DrainAuthFlags {
  std::string token_file;               // --drain-token-file
  std::string token_review_kubeconfig;  // --token-review-kubeconfig
  std::string audience;                 // --drain-audience or $BATON_DRAIN_AUDIENCE
  std::string allowed_identity;         // --drain-allowed-identity
  bool allow_unauthenticated = false;   // --drain-allow-unauthenticated
};

enum class DrainAuthMode { kInvalid, kStaticToken, kTokenReview, kUnauthenticated };

struct DrainAuthChoice {
  DrainAuthMode mode = DrainAuthMode::kInvalid;
  std::string error;  // set when mode is kInvalid: what to give instead, by flag
};

DrainAuthChoice ChooseDrainAuth(const DrainAuthFlags& flags);

}  // namespace baton::examples
