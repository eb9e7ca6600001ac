// Reading a pod's drain endpoint's answer (docs/drain-protocol.md) into an
// api::DrainReading: known only when it is a well-formed v1 status object;
// anything else is unknown, and unknown is never zero.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/drain_reading.h"
#include "api/shared_enums.h"

namespace baton::drain {

using api::DrainState;

std::string_view ToString(DrainState s);

using api::DrainReading;

// Counts above this are refused as garbage: no process holds 2^40 sessions,
// and a count that large is a sign of a broken or hostile endpoint.
inline constexpr int64_t kMaxPlausibleSessions = int64_t{1} << 40;

// A verdict's reason is the pod's own text and ends up in status and Events:
// longer reasons are cut to this many bytes (at a UTF-8 character boundary).
inline constexpr std::size_t kMaxVerdictReasonBytes = 256;

// Pure: decides known/unknown from an HTTP status code and body.
DrainReading ParseDrainAnswer(int http_status, std::string_view body,
                              std::chrono::system_clock::time_point at);

}  // namespace baton::drain
