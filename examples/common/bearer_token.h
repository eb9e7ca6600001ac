#pragma once

#include <string>
#include <string_view>

namespace baton::examples {

// Static-token authentication of the drain contract: the token is the content
// of a file (trailing whitespace trimmed), re-read on every check so that a
// rotated Secret takes effect without a restart.
class BearerTokenFile {
 public:
  explicit BearerTokenFile(std::string path) : path_(std::move(path)) {}

  // `authorization` is the raw Authorization header value. An unreadable or
  // empty token file accepts nothing.
  bool Accepts(std::string_view authorization) const;

 private:
  std::string path_;
};

// Compares without an early exit, so timing does not reveal a prefix match.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace baton::examples
