#include "serve/access_review.h"

#include <algorithm>
#include <cctype>

namespace baton::serve {
namespace {

bool IsBool(const nlohmann::json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_boolean() &&
         object[key].get<bool>();
}

std::string StringOr(const nlohmann::json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_string()
             ? object[key].get<std::string>()
             : "";
}

std::optional<std::vector<std::string>> Strings(const nlohmann::json& list) {
  if (!list.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : list) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

std::optional<std::string> BearerToken(std::string_view authorization) {
  // The scheme is case-insensitive (RFC 7235); the API server's own
  // bearer-token authenticator accepts "bearer" too.
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) {
      return std::nullopt;
    }
  }
  std::string_view token = authorization.substr(kScheme.size());
  if (std::any_of(token.begin(), token.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  return std::string(token);
}

nlohmann::json TokenReviewRequest(const std::string& token) {
  return {{"apiVersion", "authentication.k8s.io/v1"},
          {"kind", "TokenReview"},
          {"spec", {{"token", token}}}};
}

std::optional<ReviewedUser> AuthenticatedUser(const nlohmann::json& review) {
  if (!review.is_object() || !review.contains("status")) return std::nullopt;
  const nlohmann::json& status = review["status"];
  if (!IsBool(status, "authenticated") || !status.contains("user")) return std::nullopt;
  const nlohmann::json& user = status["user"];
  ReviewedUser out;
  out.username = StringOr(user, "username");
  if (out.username.empty()) return std::nullopt;
  out.uid = StringOr(user, "uid");
  if (user.contains("groups")) {
    auto groups = Strings(user["groups"]);
    if (!groups) return std::nullopt;
    out.groups = std::move(*groups);
  }
  if (user.contains("extra")) {
    if (!user["extra"].is_object()) return std::nullopt;
    for (const auto& [key, values] : user["extra"].items()) {
      auto list = Strings(values);
      if (!list) return std::nullopt;
      out.extra[key] = std::move(*list);
    }
  }
  return out;
}

nlohmann::json NonResourceAccessReviewRequest(const ReviewedUser& user, const std::string& path,
                                              const std::string& verb) {
  nlohmann::json spec = {{"user", user.username},
                         {"groups", user.groups},
                         {"nonResourceAttributes", {{"path", path}, {"verb", verb}}}};
  if (!user.uid.empty()) spec["uid"] = user.uid;
  if (!user.extra.empty()) spec["extra"] = user.extra;
  return {{"apiVersion", "authorization.k8s.io/v1"},
          {"kind", "SubjectAccessReview"},
          {"spec", std::move(spec)}};
}

bool AccessAllowed(const nlohmann::json& review) {
  if (!review.is_object() || !review.contains("status")) return false;
  const nlohmann::json& status = review["status"];
  // "denied" wins over "allowed" (an authorizer may say both are false;
  // allowed=true with denied=true is malformed and refuses).
  return IsBool(status, "allowed") && !IsBool(status, "denied");
}

}  // namespace baton::serve
