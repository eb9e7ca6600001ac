// When the REST client tries a request again, and after how long. Pure.
//
// Modelled on client-go's rest.Request retry rules, tightened where a write
// could be applied twice:
//   - 429 with Retry-After: any verb. The apiserver (priority & fairness,
//     max-in-flight) refuses these before running the handler.
//   - 5xx with Retry-After: every verb except POST. A 500 ServerTimeout may
//     arrive after a create was committed; retrying would create twice.
//   - 429/5xx without Retry-After: never (e.g. an eviction blocked by a PDB
//     answers 429 without it; the caller decides).
//   - connect failures (refused, unreachable): any verb (nothing was sent).
//   - other transport failures (reset, EOF): GET only.
//   - TLS handshake failures: never (a certificate does not fix itself).
//   - client-side timeouts: never (the time budget is spent).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "kube/transport_error.h"

namespace baton::kube {

struct RetryPolicy {
  int max_retries = 5;
  // Server-suggested waits are capped so a misbehaving server cannot park a
  // controller for minutes.
  std::chrono::milliseconds max_retry_after{10'000};
  // Backoff for transport failures: initial * 2^attempt, capped.
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5'000};
};

// What one attempt produced: an HTTP status (with its Retry-After header) or
// a transport failure.
struct AttemptOutcome {
  int http_code = 0;  // 0 when transport_failure is set
  std::optional<std::chrono::seconds> retry_after;
  std::optional<TransportError::Kind> transport_failure;
};

// `retries_done` counts the retries already made (0 after the first attempt).
// Returns how long to wait before the next attempt, or nullopt to give up.
std::optional<std::chrono::milliseconds> RetryDelay(const RetryPolicy& policy,
                                                    std::string_view http_method, int retries_done,
                                                    const AttemptOutcome& outcome);

}  // namespace baton::kube
