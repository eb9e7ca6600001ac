// Text cut to fit a status field's maxLength (hack/crdgen/tier_schema.yaml):
// a longer value would have the whole status write refused. Some of it
// comes from workloads (a verdict's reason), so it may be long on purpose.
#pragma once

#include <cstddef>
#include <string>

namespace baton::api {

// At most `max` bytes, cut before a UTF-8 character rather than inside one
// (a cut character would make the JSON unwritable).
inline std::string BoundedText(std::string text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

// status.message's maxLength.
inline constexpr std::size_t kStatusMessageMaxBytes = 1024;

}  // namespace baton::api
