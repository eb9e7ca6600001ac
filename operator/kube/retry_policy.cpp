#include "kube/retry_policy.h"

#include <algorithm>

namespace baton::kube {

std::optional<std::chrono::milliseconds> RetryDelay(const RetryPolicy& policy,
                                                    std::string_view http_method, int retries_done,
                                                    const AttemptOutcome& outcome) {
  using std::chrono::milliseconds;
  if (retries_done >= policy.max_retries) return std::nullopt;

  if (outcome.transport_failure) {
    const auto kind = *outcome.transport_failure;
    const bool retry = kind == TransportError::Kind::ConnectFailed ||
                       (kind == TransportError::Kind::Other && http_method == "GET");
    if (!retry) return std::nullopt;
    auto delay = policy.initial_backoff;
    for (int i = 0; i < retries_done && delay < policy.max_backoff; ++i) delay *= 2;
    return std::min(delay, policy.max_backoff);
  }

  const int code = outcome.http_code;
  if (!outcome.retry_after) return std::nullopt;
  const bool retry = code == 429 || (code >= 500 && code <= 599 && http_method != "POST");
  if (!retry) return std::nullopt;
  // Retry-After: 0 still deserves a short pause, or a hot loop hammers the server.
  const milliseconds suggested =
      std::max<milliseconds>(*outcome.retry_after, policy.initial_backoff);
  return std::min(suggested, policy.max_retry_after);
}

}  // namespace baton::kube
