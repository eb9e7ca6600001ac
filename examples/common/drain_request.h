#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace baton::examples {

// The body of POST <base>/start (docs/drain-protocol.md).
struct DrainRequest {
  double pace = 0;  // sessions per second
  std::chrono::system_clock::time_point deadline;
  std::string successor;
  std::string reason;

  bool operator==(const DrainRequest&) const = default;
};

struct DrainRequestParse {
  std::optional<DrainRequest> request;
  std::string error;  // set when request is empty
};

DrainRequestParse ParseDrainRequest(std::string_view body);

// RFC 3339 with 'Z' or a numeric offset; fractional seconds accepted.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);
// UTC, whole seconds, 'Z' suffix.
std::string FormatRfc3339(std::chrono::system_clock::time_point t);

}  // namespace baton::examples
