#include "kube/api_error.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace baton::kube {
namespace {

std::string WhatText(int code, Reason reason, const std::string& message) {
  return std::string(ReasonName(reason)) + " (HTTP " + std::to_string(code) + "): " + message;
}

Reason ReasonFromCode(int code) {
  switch (code) {
    case 400:
      return Reason::BadRequest;
    case 401:
      return Reason::Unauthorized;
    case 403:
      return Reason::Forbidden;
    case 404:
      return Reason::NotFound;
    case 405:
      return Reason::MethodNotAllowed;
    case 409:
      return Reason::Conflict;
    case 410:
      return Reason::Gone;
    case 422:
      return Reason::Invalid;
    case 429:
      return Reason::TooManyRequests;
    case 503:
      return Reason::ServiceUnavailable;
    case 504:
      return Reason::Timeout;
    default:
      return code >= 500 && code <= 599 ? Reason::ServerError : Reason::Unknown;
  }
}

std::optional<std::chrono::seconds> ParseSeconds(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  long long v = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  // client-go only honours the delta-seconds form; an HTTP-date is ignored.
  if (ec != std::errc() || ptr != end || v < 0) return std::nullopt;
  return std::chrono::seconds(v);
}

std::string StringOr(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::NotFound:
      return "NotFound";
    case Reason::AlreadyExists:
      return "AlreadyExists";
    case Reason::Conflict:
      return "Conflict";
    case Reason::Gone:
      return "Gone";
    case Reason::Invalid:
      return "Invalid";
    case Reason::Forbidden:
      return "Forbidden";
    case Reason::Unauthorized:
      return "Unauthorized";
    case Reason::TooManyRequests:
      return "TooManyRequests";
    case Reason::BadRequest:
      return "BadRequest";
    case Reason::MethodNotAllowed:
      return "MethodNotAllowed";
    case Reason::Timeout:
      return "Timeout";
    case Reason::ServerError:
      return "ServerError";
    case Reason::ServiceUnavailable:
      return "ServiceUnavailable";
    case Reason::Unknown:
      return "Unknown";
  }
  return "Unknown";
}

Reason ClassifyReason(int http_code, std::string_view r) {
  if (r == "NotFound") return Reason::NotFound;
  if (r == "AlreadyExists") return Reason::AlreadyExists;
  if (r == "Conflict") return Reason::Conflict;
  if (r == "Gone" || r == "Expired") return Reason::Gone;
  if (r == "Invalid") return Reason::Invalid;
  if (r == "Forbidden") return Reason::Forbidden;
  if (r == "Unauthorized") return Reason::Unauthorized;
  if (r == "TooManyRequests") return Reason::TooManyRequests;
  if (r == "BadRequest") return Reason::BadRequest;
  if (r == "MethodNotAllowed") return Reason::MethodNotAllowed;
  if (r == "Timeout" || r == "ServerTimeout") return Reason::Timeout;
  if (r == "InternalError") return Reason::ServerError;
  if (r == "ServiceUnavailable") return Reason::ServiceUnavailable;
  return ReasonFromCode(http_code);
}

ApiError::ApiError(int code, Reason reason, std::string status_reason, std::string message,
                   std::vector<StatusCause> causes, std::optional<std::chrono::seconds> retry_after,
                   std::string kind, std::string name)
    : std::runtime_error(WhatText(code, reason, message)),
      code_(code),
      reason_(reason),
      status_reason_(std::move(status_reason)),
      message_(std::move(message)),
      causes_(std::move(causes)),
      retry_after_(retry_after),
      kind_(std::move(kind)),
      name_(std::move(name)) {}

ApiError DecodeApiError(int http_code, std::string_view body, std::string_view retry_after_header) {
  std::optional<std::chrono::seconds> retry_after;
  if (!retry_after_header.empty()) retry_after = ParseSeconds(retry_after_header);

  const auto status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status.is_object() && StringOr(status, "kind") == "Status") {
    // Status.code is authoritative when present: aggregated APIs and
    // webhooks may wrap one status in another HTTP answer.
    int code = http_code;
    if (auto it = status.find("code"); it != status.end() && it->is_number_integer()) {
      code = it->get<int>();
    }
    const std::string status_reason = StringOr(status, "reason");
    std::string message = StringOr(status, "message");
    std::vector<StatusCause> causes;
    std::string kind, name;
    if (auto d = status.find("details"); d != status.end() && d->is_object()) {
      kind = StringOr(*d, "kind");
      name = StringOr(*d, "name");
      if (auto c = d->find("causes"); c != d->end() && c->is_array()) {
        for (const auto& cause : *c) {
          if (!cause.is_object()) continue;
          causes.push_back(
              {StringOr(cause, "field"), StringOr(cause, "reason"), StringOr(cause, "message")});
        }
      }
      if (auto ra = d->find("retryAfterSeconds"); ra != d->end() && ra->is_number_integer()) {
        if (ra->get<long long>() > 0) retry_after = std::chrono::seconds(ra->get<long long>());
      }
    }
    if (message.empty()) message = "the server reported " + std::to_string(code);
    return ApiError(code, ClassifyReason(code, status_reason), status_reason, std::move(message),
                    std::move(causes), retry_after, std::move(kind), std::move(name));
  }

  // Not a Status: keep the start of the body, it is usually the best clue.
  constexpr std::size_t kMaxBody = 256;
  std::string message = "the server responded with HTTP " + std::to_string(http_code);
  if (!body.empty()) {
    message += ": ";
    message += body.substr(0, kMaxBody);
  }
  return ApiError(http_code, ReasonFromCode(http_code), {}, std::move(message), {}, retry_after);
}

}  // namespace baton::kube
