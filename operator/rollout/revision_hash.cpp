#include "rollout/revision_hash.h"

namespace baton::rollout {

std::uint64_t fnv1a64(std::string_view bytes) {
  constexpr std::uint64_t kOffsetBasis = 14695981039346656037ULL;
  constexpr std::uint64_t kPrime = 1099511628211ULL;
  std::uint64_t hash = kOffsetBasis;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kPrime;
  }
  return hash;
}

std::string shortHash(std::string_view bytes) {
  constexpr std::size_t kLength = 10;
  constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::uint64_t value = fnv1a64(bytes);
  // Fixed width (leading zeros kept) so every name built from it has the same shape.
  std::string out(kLength, '0');
  for (std::size_t i = kLength; i-- > 0;) {
    out[i] = kDigits[value % kDigits.size()];
    value /= kDigits.size();
  }
  return out;
}

std::string revisionHash(const nlohmann::json& pod_template, std::int32_t collision_count) {
  std::string canonical = pod_template.dump();
  if (collision_count != 0) canonical += "#" + std::to_string(collision_count);
  return shortHash(canonical);
}

}  // namespace baton::rollout
