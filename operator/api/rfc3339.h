// RFC 3339 times as the Kubernetes API writes them (metav1.Time,
// "2026-01-02T03:04:05Z"): the format of every time in a tier's spec and
// status and in Baton's pod annotations.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace baton::api {

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; fractions are kept to the
// microsecond. nullopt for an empty or malformed string or an impossible date:
// a time Baton cannot read is absent, never the epoch.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);

// UTC with whole seconds, "2026-01-02T03:04:05Z", as metav1.Time serializes
// (the fraction is truncated, so Format(Parse(x)) == x for server times).
std::string FormatRfc3339(std::chrono::system_clock::time_point time);

// UTC to the microsecond, "2026-01-02T03:04:05.250000Z" (metav1.MicroTime's
// shape): for times a reader compares with its own clock, such as the
// serving directory's updatedAt (how long a version took to reach it).
std::string FormatRfc3339Micros(std::chrono::system_clock::time_point time);

}  // namespace baton::api
