// TokenReview authentication of the drain contract (docs/drain-protocol.md,
// "Authentication"): the caller's bearer token is sent to the API server's
// TokenReview API with the configured audience, and accepted only if the API
// server authenticates it for that audience as the one allowed identity
// (Baton's ServiceAccount). Positive answers are cached briefly so that a
// poll every second does not cost a review every second.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "kubeconfig_credentials.h"

namespace baton::examples {

struct TokenReviewPolicy {
  std::string audience;          // spec.audiences of the review; must be echoed back
  std::string allowed_identity;  // e.g. system:serviceaccount:baton:baton-operator
};

// PURE: whether a TokenReview answer accepts the caller. `error` says why not.
bool ReviewAccepts(const nlohmann::json& review, const TokenReviewPolicy& policy,
                   std::string* error = nullptr);

// The TokenReview request body for `token`.
nlohmann::json TokenReviewRequest(const std::string& token, const std::string& audience);

enum class AuthVerdict { kAccepted, kRefused, kUnavailable };

class TokenReviewer {
 public:
  using Clock = std::chrono::steady_clock;
  // Posts a TokenReview and returns the answer; nullopt when the API server
  // could not be asked (unreachable, TLS failure, non-2xx).
  using Poster = std::function<std::optional<nlohmann::json>(const nlohmann::json& request)>;

  TokenReviewer(TokenReviewPolicy policy, Poster poster, std::function<Clock::time_point()> now,
                std::chrono::milliseconds cache_ttl = std::chrono::seconds(10));

  // `authorization` is the raw Authorization header value.
  AuthVerdict Check(std::string_view authorization);

 private:
  TokenReviewPolicy policy_;
  Poster poster_;
  std::function<Clock::time_point()> now_;
  std::chrono::milliseconds cache_ttl_;
  std::mutex mu_;
  std::map<std::string, Clock::time_point> accepted_until_;  // token -> end of trust
};

// A Poster over HTTPS to the API server named by `credentials` (server
// certificate verified against its CA).
TokenReviewer::Poster HttpsTokenReviewPoster(KubeconfigCredentials credentials);

}  // namespace baton::examples
