#include "shard_hash.h"

namespace baton::examples {

std::uint64_t Fnv1a64(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

int ShardOf(std::string_view user, int shards) {
  return static_cast<int>(Fnv1a64(user) % static_cast<std::uint64_t>(shards));
}

}  // namespace baton::examples
