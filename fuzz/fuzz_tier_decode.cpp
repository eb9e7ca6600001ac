// Fuzzes custom-resource decoding (operator/api/tier_types.cpp): a tier
// object as the watch delivers it. The contract of the decoder: a wrong
// shape throws DecodeError (any other exception escaping is a bug: the
// controller would treat a bad object as a crash), and what decodes
// survives encode -> decode unchanged (status patches rely on it).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "api/tier_types.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;
  baton::api::Tier tier;
  try {
    tier = doc.get<baton::api::Tier>();
  } catch (const baton::api::DecodeError&) {
    return 0;
  }
  nlohmann::json encoded = tier;
  const auto again = encoded.get<baton::api::Tier>();
  if (!(again == tier)) std::abort();
  (void)encoded.dump();
  return 0;
}
