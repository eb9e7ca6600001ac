// Who may read a protected endpoint (/metrics): the request's Authorization
// header in, an HTTP status out. HttpEndpoints depends on the interface
// only; DelegatedAuthorizer asks the API server, as controller-runtime's
// secure metrics server does (TokenReview, then SubjectAccessReview).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace baton::serve {

struct AccessDecision {
  // 200: serve; 401: no or bad token; 403: a user not allowed; 500: the API
  // server could not be asked (nothing is served on doubt).
  int status = 500;
  std::string message;  // the reply's body; names no token
};

class RequestAuthorizer {
 public:
  virtual ~RequestAuthorizer() = default;
  // `authorization`: the raw Authorization header, "" when absent.
  virtual AccessDecision Authorize(std::string_view authorization) = 0;
};

class DelegatedAuthorizer : public RequestAuthorizer {
 public:
  using Clock = std::chrono::steady_clock;
  // Creates a review object and returns the API server's answer; throws
  // when it cannot (unreachable, 403 for the operator itself, ...).
  using CreateReview = std::function<nlohmann::json(const nlohmann::json& review)>;

  struct Options {
    std::string path = "/metrics";
    std::string verb = "get";
    // Allowed answers are reused this long, so a scrape every few seconds
    // costs no review; a revoked binding or token is refused after it.
    std::chrono::milliseconds cache_ttl{20'000};
    std::size_t cache_entries = 256;  // bound: rotating tokens cannot grow it
  };

  DelegatedAuthorizer(CreateReview token_reviews, CreateReview access_reviews,
                      std::function<Clock::time_point()> now, Options options);
  DelegatedAuthorizer(CreateReview token_reviews, CreateReview access_reviews,
                      std::function<Clock::time_point()> now)
      : DelegatedAuthorizer(std::move(token_reviews), std::move(access_reviews), std::move(now),
                            Options{}) {}

  AccessDecision Authorize(std::string_view authorization) override;

 private:
  CreateReview token_reviews_;
  CreateReview access_reviews_;
  std::function<Clock::time_point()> now_;
  Options options_;
  std::mutex mu_;
  // SHA-256 of an allowed token -> end of trust; the tokens themselves are
  // not kept.
  std::map<std::string, Clock::time_point> allowed_until_;
};

}  // namespace baton::serve
