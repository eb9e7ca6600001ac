#include "token_review.h"

#include <httplib.h>

#include <algorithm>

namespace baton::examples {

bool ReviewAccepts(const nlohmann::json& review, const TokenReviewPolicy& policy,
                   std::string* error) {
  auto fail = [error](std::string why) {
    if (error) *error = std::move(why);
    return false;
  };
  if (!review.is_object()) return fail("not a TokenReview");
  const nlohmann::json status = review.value("status", nlohmann::json::object());
  // Typed checks only: json::value() throws on a field of the wrong type,
  // and a garbled answer must refuse, not crash the drain server.
  const bool authenticated = status.is_object() && status.contains("authenticated") &&
                             status["authenticated"].is_boolean() &&
                             status["authenticated"].get<bool>();
  if (!authenticated) {
    const bool has_error =
        status.is_object() && status.contains("error") && status["error"].is_string();
    return fail("not authenticated: " +
                (has_error ? status["error"].get<std::string>() : std::string("-")));
  }
  const nlohmann::json audiences = status.value("audiences", nlohmann::json::array());
  if (!audiences.is_array() ||
      std::find(audiences.begin(), audiences.end(), policy.audience) == audiences.end()) {
    return fail("token not for audience " + policy.audience);
  }
  const nlohmann::json user = status.value("user", nlohmann::json::object());
  const std::string username =
      user.is_object() && user.contains("username") && user["username"].is_string()
          ? user["username"].get<std::string>()
          : "";
  if (username != policy.allowed_identity) return fail("identity " + username + " not allowed");
  return true;
}

nlohmann::json TokenReviewRequest(const std::string& token, const std::string& audience) {
  return {{"apiVersion", "authentication.k8s.io/v1"},
          {"kind", "TokenReview"},
          {"spec", {{"token", token}, {"audiences", nlohmann::json::array({audience})}}}};
}

TokenReviewer::TokenReviewer(TokenReviewPolicy policy, Poster poster,
                             std::function<Clock::time_point()> now,
                             std::chrono::milliseconds cache_ttl)
    : policy_(std::move(policy)),
      poster_(std::move(poster)),
      now_(std::move(now)),
      cache_ttl_(cache_ttl) {}

AuthVerdict TokenReviewer::Check(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.substr(0, kScheme.size()) != kScheme) return AuthVerdict::kRefused;
  const std::string token(authorization.substr(kScheme.size()));
  if (token.empty()) return AuthVerdict::kRefused;
  {
    std::lock_guard lock(mu_);
    auto it = accepted_until_.find(token);
    if (it != accepted_until_.end()) {
      if (now_() < it->second) return AuthVerdict::kAccepted;
      accepted_until_.erase(it);
    }
  }
  // Asked outside the lock: a slow API server must not serialise every call.
  auto review = poster_(TokenReviewRequest(token, policy_.audience));
  if (!review) return AuthVerdict::kUnavailable;
  if (!ReviewAccepts(*review, policy_)) return AuthVerdict::kRefused;
  std::lock_guard lock(mu_);
  // Bounded: a caller rotating tokens cannot grow the cache without limit.
  if (accepted_until_.size() >= 256) accepted_until_.clear();
  accepted_until_[token] = now_() + cache_ttl_;
  return AuthVerdict::kAccepted;
}

TokenReviewer::Poster HttpsTokenReviewPoster(KubeconfigCredentials credentials) {
  return
      [c = std::move(credentials)](const nlohmann::json& request) -> std::optional<nlohmann::json> {
        std::unique_ptr<httplib::SSLClient> client =
            c.client_cert_file.empty() ? std::make_unique<httplib::SSLClient>(c.host, c.port)
                                       : std::make_unique<httplib::SSLClient>(
                                             c.host, c.port, c.client_cert_file, c.client_key_file);
        client->set_ca_cert_path(c.ca_file.c_str());
        client->enable_server_certificate_verification(true);
        client->set_connection_timeout(2, 0);
        client->set_read_timeout(3, 0);
        client->set_write_timeout(3, 0);
        if (std::string token = CurrentToken(c); !token.empty()) {
          client->set_bearer_token_auth(token);
        }
        auto res = client->Post("/apis/authentication.k8s.io/v1/tokenreviews", request.dump(),
                                "application/json");
        if (!res || res->status / 100 != 2) return std::nullopt;
        auto body = nlohmann::json::parse(res->body, nullptr, false);
        if (body.is_discarded()) return std::nullopt;
        return body;
      };
}

}  // namespace baton::examples
