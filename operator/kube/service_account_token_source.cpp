#include "kube/service_account_token_source.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "kube/base64.h"
#include "kube/resource.h"
#include "kube/rest_client.h"
#include "timestamp/rfc3339.h"

namespace baton::kube {
namespace {

// The claims of a JWT (its middle, base64url without padding); nullopt when
// it is not one.
std::optional<nlohmann::json> JwtClaims(const std::string& jwt) {
  auto first = jwt.find('.');
  auto second = first == std::string::npos ? first : jwt.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  std::string part = jwt.substr(first + 1, second - first - 1);
  for (char& c : part) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (part.size() % 4 != 0) part.push_back('=');
  auto bytes = DecodeBase64(part);
  if (!bytes) return std::nullopt;
  auto claims = nlohmann::json::parse(*bytes, nullptr, false);
  if (!claims.is_object()) return std::nullopt;
  return claims;
}

}  // namespace

ServiceAccountTokenSource::ServiceAccountTokenSource(Requester requester,
                                                     std::function<Clock::time_point()> now,
                                                     Options options)
    : requester_(std::move(requester)), now_(std::move(now)), options_(options) {}

std::string ServiceAccountTokenSource::Token(const std::string& audience) {
  std::unique_lock lock(mu_);
  Entry& e = entries_[audience];
  for (;;) {
    const auto now = now_();
    const bool valid = e.issued && now < e.issued->expires_at;
    if (valid && now < e.refresh_at) return e.issued->token;
    if (e.requesting) {
      // Another caller is asking: the token in hand serves until then; with
      // none, wait for that one answer rather than ask a second time.
      if (valid) return e.issued->token;
      requested_.wait(lock, [&e] { return !e.requesting; });
      continue;
    }
    if (now < e.no_retry_before) return valid ? e.issued->token : "";
    e.requesting = true;
    lock.unlock();
    std::optional<IssuedToken> fresh;
    std::string error;
    try {
      fresh = requester_(audience, options_.ttl);
    } catch (const std::exception& ex) {
      error = ex.what();
    }
    lock.lock();
    e.requesting = false;
    requested_.notify_all();
    if (fresh) {
      auto life = std::chrono::duration_cast<Clock::duration>(fresh->expires_at - now);
      e.refresh_at =
          now + std::chrono::duration_cast<Clock::duration>(life * options_.refresh_after);
      e.issued = std::move(fresh);
      return e.issued->token;
    }
    e.no_retry_before = now + options_.retry_after_failure;
    spdlog::warn("drain auth: cannot obtain a token for audience {}: {}", audience, error);
    return valid && now_() < e.issued->expires_at ? e.issued->token : "";
  }
}

ServiceAccountTokenSource::Requester TokenRequestRequester(RestClient& client, std::string ns,
                                                           std::string name) {
  return [&client, ns = std::move(ns), name = std::move(name)](const std::string& audience,
                                                               std::chrono::seconds ttl) {
    nlohmann::json body = {
        {"apiVersion", "authentication.k8s.io/v1"},
        {"kind", "TokenRequest"},
        {"spec",
         {{"audiences", nlohmann::json::array({audience})}, {"expirationSeconds", ttl.count()}}}};
    const auto asked_at = ServiceAccountTokenSource::Clock::now();
    return IssuedTokenOf(
        client.CreateSubresource(resources::kServiceAccounts, ns, name, "token", body), asked_at,
        ttl);
  };
}

IssuedToken IssuedTokenOf(const nlohmann::json& answer,
                          std::chrono::system_clock::time_point asked_at,
                          std::chrono::seconds ttl) {
  IssuedToken out;
  out.token = answer.value("/status/token"_json_pointer, std::string());
  if (out.token.empty()) throw std::runtime_error("TokenRequest answered without a token");
  // status.expirationTimestamp is the API's word on the token's life (the
  // server may shorten what was asked, and a token is opaque: it need not
  // be a JWT). Failing that, a JWT's `exp`; failing that, the request.
  const std::string expiry =
      answer.value("/status/expirationTimestamp"_json_pointer, std::string());
  if (const auto at = timestamp::ParseRfc3339(expiry)) {
    out.expires_at = *at;
  } else if (auto claims = JwtClaims(out.token);
             claims && claims->contains("exp") && (*claims)["exp"].is_number_integer()) {
    out.expires_at = ServiceAccountTokenSource::Clock::time_point(
        std::chrono::seconds((*claims)["exp"].get<int64_t>()));
  } else {
    out.expires_at = asked_at + ttl;
  }
  return out;
}

std::optional<std::string> ServiceAccountOfToken(const std::string& jwt) {
  auto claims = JwtClaims(jwt);
  if (!claims || !claims->contains("sub") || !(*claims)["sub"].is_string()) return std::nullopt;
  const std::string sub = (*claims)["sub"];
  constexpr std::string_view kPrefix = "system:serviceaccount:";
  if (sub.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
  std::string rest = sub.substr(kPrefix.size());
  auto colon = rest.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return std::nullopt;
  return rest.substr(0, colon) + "/" + rest.substr(colon + 1);
}

}  // namespace baton::kube
