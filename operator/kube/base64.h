// Strict base64 (RFC 4648, standard alphabet) for kubeconfig *-data fields,
// on cpprestsdk's codec.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace baton::kube {

// Decodes standard base64. Whitespace (line breaks in hand-edited files) is
// skipped; any other character outside the alphabet, bad padding or a
// truncated final group yields nullopt, so a typo is reported instead of
// silently producing garbage key material.
std::optional<std::string> DecodeBase64(std::string_view text);

std::string EncodeBase64(std::string_view bytes);

}  // namespace baton::kube
