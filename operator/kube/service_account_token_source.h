// Audience-bound tokens for the operator's own ServiceAccount, from the
// TokenRequest API (POST serviceaccounts/<sa>/token). Baton presents them to
// drain endpoints that check them with a TokenReview: the operator needs no
// Secret reads, and a token sent to one tier's pods is useless against the
// API server or a tier with another audience.
//
// One token per audience is cached and replaced once most of its life has
// passed, so a drain poll never waits for the API server on the usual path.
// When a refresh fails, the old token is used until it expires; after that
// (or when none was ever obtained) the answer is "" for a while (no retry
// storm against an API server that is down), and the workload answers 401,
// which Baton reads as an unknown count. Thread-safe; no lock is held while
// the API server is asked, so a slow TokenRequest delays only callers that
// have no valid token for that audience.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

namespace baton::kube {

class RestClient;

struct IssuedToken {
  std::string token;
  std::chrono::system_clock::time_point expires_at;
};

class ServiceAccountTokenSource {
 public:
  using Clock = std::chrono::system_clock;
  // Obtains a token for `audience` valid for about `ttl`; throws on failure.
  using Requester =
      std::function<IssuedToken(const std::string& audience, std::chrono::seconds ttl)>;

  struct Options {
    // TokenRequest's expirationSeconds (the API server's minimum is 600).
    std::chrono::seconds ttl{600};
    // Refresh once this share of the token's life has passed.
    double refresh_after = 0.8;
    // After a failed request, no new attempt for this long.
    std::chrono::seconds retry_after_failure{5};
  };

  ServiceAccountTokenSource(Requester requester, std::function<Clock::time_point()> now,
                            Options options);
  ServiceAccountTokenSource(Requester requester, std::function<Clock::time_point()> now)
      : ServiceAccountTokenSource(std::move(requester), std::move(now), Options{}) {}

  // The token to send for `audience`; "" when none is valid.
  std::string Token(const std::string& audience);

 private:
  struct Entry {
    std::optional<IssuedToken> issued;
    Clock::time_point refresh_at{};
    Clock::time_point no_retry_before{};
    bool requesting = false;  // one caller is asking the API server
  };

  Requester requester_;
  std::function<Clock::time_point()> now_;
  Options options_;
  std::mutex mu_;
  std::condition_variable requested_;     // an Entry's request ended
  std::map<std::string, Entry> entries_;  // node-based: an Entry stays put while unlocked
};

// A Requester over the TokenRequest API for the ServiceAccount `ns`/`name`.
ServiceAccountTokenSource::Requester TokenRequestRequester(RestClient& client, std::string ns,
                                                           std::string name);

// The token of a TokenRequest answer, and when it expires: its
// status.expirationTimestamp, else the token's `exp` claim, else asked_at +
// ttl. Throws when the answer holds no token.
IssuedToken IssuedTokenOf(const nlohmann::json& answer,
                          std::chrono::system_clock::time_point asked_at, std::chrono::seconds ttl);

// "NS/NAME" of the ServiceAccount a service-account JWT was issued to (its
// `sub` claim, system:serviceaccount:NS:NAME), read without verifying the
// signature: only to learn who we are from our own mounted token.
std::optional<std::string> ServiceAccountOfToken(const std::string& jwt);

}  // namespace baton::kube
