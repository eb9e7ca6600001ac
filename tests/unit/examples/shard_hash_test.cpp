#include "shard_hash.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace baton::examples {
namespace {

TEST(ShardHash, Fnv1aMatchesTheReferenceVectors) {
  // From the FNV reference test suite (64-bit FNV-1a).
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(ShardHash, ShardIsTheHashModuloTheCount) {
  EXPECT_EQ(ShardOf("foobar", 4), static_cast<int>(0x85944171f73967e8ull % 4));
  EXPECT_EQ(ShardOf("anything", 1), 0);
}

TEST(ShardHash, SpreadsUsersEvenlyOverShards) {
  std::vector<int> counts(4, 0);
  for (int i = 0; i < 40000; ++i)
    ++counts[static_cast<std::size_t>(ShardOf("u" + std::to_string(i), 4))];
  for (int c : counts) {
    EXPECT_GT(c, 9500);
    EXPECT_LT(c, 10500);
  }
}

}  // namespace
}  // namespace baton::examples
