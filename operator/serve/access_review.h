// The requests and answers of delegated authentication and authorization,
// as controller-runtime's filters.WithAuthenticationAndAuthorization does it:
// a caller's bearer token is checked with a TokenReview (the API server says
// who it is), then that user is checked with a SubjectAccessReview for a
// non-resource URL (the API server's RBAC says whether it may). PURE: JSON in,
// JSON out; the I/O is the caller's.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::serve {

struct ReviewedUser {
  std::string username;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;
};

// The token of an `Authorization: Bearer <token>` header; nullopt for any
// other scheme, an empty token or one with whitespace in it.
std::optional<std::string> BearerToken(std::string_view authorization);

// A TokenReview for `token`, with no audience: the API server's own, as for
// a token Prometheus reads from its ServiceAccount.
nlohmann::json TokenReviewRequest(const std::string& token);

// The user a TokenReview answer authenticates; nullopt when it does not (or
// the answer is garbled: typed checks only, a bad answer refuses).
std::optional<ReviewedUser> AuthenticatedUser(const nlohmann::json& review);

// A SubjectAccessReview: may `user` do `verb` on the non-resource URL `path`?
nlohmann::json NonResourceAccessReviewRequest(const ReviewedUser& user, const std::string& path,
                                              const std::string& verb);

// Whether a SubjectAccessReview answer allows; false for anything garbled.
bool AccessAllowed(const nlohmann::json& review);

}  // namespace baton::serve
