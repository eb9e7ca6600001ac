#include "kube/base64.h"

#include <cpprest/asyncrt_utils.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace baton::kube {

// cpprestsdk's codec does the work; this adds only what kubeconfig files
// need: line breaks in hand-edited files are skipped, and a malformed value
// is an empty optional (so the caller can name the field) instead of an
// exception.
std::optional<std::string> DecodeBase64(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  std::copy_if(text.begin(), text.end(), std::back_inserter(compact),
               [](unsigned char c) { return !std::isspace(c); });
  if (compact.empty()) return std::string();
  try {
    std::vector<unsigned char> bytes = utility::conversions::from_base64(compact);
    return std::string(bytes.begin(), bytes.end());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string EncodeBase64(std::string_view bytes) {
  std::vector<unsigned char> data(bytes.begin(), bytes.end());
  return utility::conversions::to_base64(data);
}

}  // namespace baton::kube
