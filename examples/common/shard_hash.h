#pragma once

#include <cstdint>
#include <string_view>

namespace baton::examples {

// 64-bit FNV-1a: fixed and portable, so every client and every shard compute
// the same owner for a user with nothing shared but the shard count.
std::uint64_t Fnv1a64(std::string_view text);

// Modular hashing over a fixed shard count: the shard (0..shards-1) that owns
// `user`. `shards` must be > 0.
int ShardOf(std::string_view user, int shards);

}  // namespace baton::examples
