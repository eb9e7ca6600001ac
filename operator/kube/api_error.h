// Typed errors decoded from the apiserver's metav1.Status answers, in the
// spirit of k8s.io/apimachinery/pkg/api/errors: callers branch on Reason
// (IsNotFound(e), IsConflict(e), ...) rather than on HTTP codes or text.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace baton::kube {

enum class Reason {
  NotFound,
  AlreadyExists,
  Conflict,
  Gone,  // 410: "Gone" or "Expired" (too old resourceVersion / continue token)
  Invalid,
  Forbidden,
  Unauthorized,
  TooManyRequests,
  BadRequest,
  MethodNotAllowed,
  Timeout,  // "Timeout" (504) and "ServerTimeout" (500 with retry)
  ServerError,
  ServiceUnavailable,
  Unknown,
};

std::string_view ReasonName(Reason reason);

// One entry of Status.details.causes: for Invalid, which field and why.
struct StatusCause {
  std::string field;    // e.g. "metadata.name", "spec.replicas"
  std::string reason;   // e.g. "FieldValueInvalid", "FieldValueRequired"
  std::string message;  // human text
};

class ApiError : public std::runtime_error {
 public:
  ApiError(int code, Reason reason, std::string status_reason, std::string message,
           std::vector<StatusCause> causes = {},
           std::optional<std::chrono::seconds> retry_after = std::nullopt, std::string kind = {},
           std::string name = {});

  int code() const { return code_; }
  Reason reason() const { return reason_; }
  // Status.reason exactly as sent (e.g. "Expired", "ServerTimeout"); may be empty.
  const std::string& status_reason() const { return status_reason_; }
  const std::string& message() const { return message_; }
  const std::vector<StatusCause>& causes() const { return causes_; }
  // From details.retryAfterSeconds or the Retry-After header.
  std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }
  // Status.details.kind / name: what the error is about, when the server says.
  const std::string& kind() const { return kind_; }
  const std::string& name() const { return name_; }

 private:
  int code_;
  Reason reason_;
  std::string status_reason_;
  std::string message_;
  std::vector<StatusCause> causes_;
  std::optional<std::chrono::seconds> retry_after_;
  std::string kind_;
  std::string name_;
};

// Builds the error for a non-2xx answer. `body` is usually a metav1.Status
// JSON document; anything else (HTML from a proxy, empty) still yields a
// typed error from the HTTP code, with the body text as message.
// `retry_after_header` is the raw Retry-After header value, if any.
ApiError DecodeApiError(int http_code, std::string_view body,
                        std::string_view retry_after_header = {});

// Maps a Status.reason string (and the HTTP code, when the reason is empty
// or unknown) the way apimachinery's ReasonForError/NewGenericServerResponse do.
Reason ClassifyReason(int http_code, std::string_view status_reason);

inline bool IsNotFound(const ApiError& e) {
  return e.reason() == Reason::NotFound;
}
inline bool IsAlreadyExists(const ApiError& e) {
  return e.reason() == Reason::AlreadyExists;
}
inline bool IsConflict(const ApiError& e) {
  return e.reason() == Reason::Conflict;
}
inline bool IsGone(const ApiError& e) {
  return e.reason() == Reason::Gone;
}
inline bool IsInvalid(const ApiError& e) {
  return e.reason() == Reason::Invalid;
}
inline bool IsForbidden(const ApiError& e) {
  return e.reason() == Reason::Forbidden;
}
inline bool IsUnauthorized(const ApiError& e) {
  return e.reason() == Reason::Unauthorized;
}
inline bool IsTooManyRequests(const ApiError& e) {
  return e.reason() == Reason::TooManyRequests;
}
inline bool IsBadRequest(const ApiError& e) {
  return e.reason() == Reason::BadRequest;
}
inline bool IsMethodNotAllowed(const ApiError& e) {
  return e.reason() == Reason::MethodNotAllowed;
}
inline bool IsTimeout(const ApiError& e) {
  return e.reason() == Reason::Timeout;
}
inline bool IsServerError(const ApiError& e) {
  return e.reason() == Reason::ServerError;
}
inline bool IsServiceUnavailable(const ApiError& e) {
  return e.reason() == Reason::ServiceUnavailable;
}

}  // namespace baton::kube
