#include "serve/request_authorizer.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <optional>

#include "serve/access_review.h"

namespace baton::serve {
namespace {

std::string Sha256(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

}  // namespace

DelegatedAuthorizer::DelegatedAuthorizer(CreateReview token_reviews, CreateReview access_reviews,
                                         std::function<Clock::time_point()> now, Options options)
    : token_reviews_(std::move(token_reviews)),
      access_reviews_(std::move(access_reviews)),
      now_(std::move(now)),
      options_(std::move(options)) {}

AccessDecision DelegatedAuthorizer::Authorize(std::string_view authorization) {
  const std::optional<std::string> token = BearerToken(authorization);
  if (!token) return {401, "Unauthorized\n"};
  const std::string key = Sha256(*token);
  {
    std::lock_guard lock(mu_);
    if (auto it = allowed_until_.find(key); it != allowed_until_.end()) {
      if (now_() < it->second) return {200, ""};
      allowed_until_.erase(it);
    }
  }
  // Asked outside the lock: a slow API server must not serialise scrapes.
  std::optional<ReviewedUser> user;
  try {
    user = AuthenticatedUser(token_reviews_(TokenReviewRequest(*token)));
  } catch (const std::exception& e) {
    spdlog::warn("{}: TokenReview failed: {}", options_.path, e.what());
    return {500, "Authentication failed\n"};
  }
  if (!user) return {401, "Unauthorized\n"};
  bool allowed = false;
  try {
    allowed = AccessAllowed(
        access_reviews_(NonResourceAccessReviewRequest(*user, options_.path, options_.verb)));
  } catch (const std::exception& e) {
    spdlog::warn("{}: SubjectAccessReview for {} failed: {}", options_.path, user->username,
                 e.what());
    return {500, "Authorization for user " + user->username + " failed\n"};
  }
  if (!allowed) return {403, "Authorization denied for user " + user->username + "\n"};
  std::lock_guard lock(mu_);
  if (allowed_until_.size() >= options_.cache_entries) allowed_until_.clear();
  allowed_until_[key] = now_() + options_.cache_ttl;
  return {200, ""};
}

}  // namespace baton::serve
