// RFC 3339 times as the Kubernetes API writes them (metav1.Time,
// "2026-01-02T03:04:05Z"): the format of every time in a tier's spec and
// status and in Baton's pod annotations.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace baton::timestamp {

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; fractions are kept to the
// microsecond. nullopt for an empty or malformed string or an impossible date:
// a time Baton cannot read is absent, never the epoch.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);

// UTC with whole seconds, "2026-01-02T03:04:05Z", as metav1.Time serializes
// (the fraction is truncated, so Format(Parse(x)) == x for server times).
std::string FormatRfc3339(std::chrono::system_clock::time_point time);

// "2026-11-25T09:20:06.123456Z": metav1.MicroTime (a Lease's renewTime), and
// times a reader compares with its own clock (the serving directory's
// updatedAt: how long a version took to reach it).
std::string FormatMicroTime(std::chrono::system_clock::time_point time);

}  // namespace baton::timestamp
