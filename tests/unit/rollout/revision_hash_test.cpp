#include "rollout/revision_hash.h"

#include <gtest/gtest.h>

namespace baton::rollout {
namespace {

TEST(RevisionHash, Fnv1a64MatchesTheReferenceVectors) {
  // Published FNV-1a 64 test vectors.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(RevisionHash, ShortHashIsTenLabelSafeCharacters) {
  for (const char* input : {"", "a", "relay", "a much longer input with spaces"}) {
    const std::string hash = shortHash(input);
    ASSERT_EQ(hash.size(), 10U) << input;
    for (const char c : hash) {
      EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) << hash;
    }
  }
  EXPECT_NE(shortHash("a"), shortHash("b"));
}

TEST(RevisionHash, KeyOrderDoesNotMatterButValuesDo) {
  const auto a = nlohmann::json::parse(
      R"({"metadata":{"labels":{"app":"relay"}},"spec":{"containers":[{"name":"relay","image":"relay:v1"}]}})");
  const auto b = nlohmann::json::parse(
      R"({"spec":{"containers":[{"image":"relay:v1","name":"relay"}]},"metadata":{"labels":{"app":"relay"}}})");
  const auto c = nlohmann::json::parse(
      R"({"spec":{"containers":[{"image":"relay:v2","name":"relay"}]},"metadata":{"labels":{"app":"relay"}}})");
  EXPECT_EQ(revisionHash(a), revisionHash(b));
  EXPECT_NE(revisionHash(a), revisionHash(c));
}

TEST(RevisionHash, CollisionCountChangesTheHashOnlyWhenSet) {
  const auto t = nlohmann::json::parse(R"({"spec":{"containers":[]}})");
  EXPECT_EQ(revisionHash(t, 0), revisionHash(t));
  EXPECT_NE(revisionHash(t, 1), revisionHash(t));
  EXPECT_NE(revisionHash(t, 1), revisionHash(t, 2));
}

TEST(RevisionHash, IsStableAcrossBuilds) {
  // Pinned: a change here would re-roll every tier on operator upgrade.
  EXPECT_EQ(revisionHash(nlohmann::json::object()), shortHash("{}"));
  EXPECT_EQ(shortHash("{}"), shortHash(std::string("{}")));
}

}  // namespace
}  // namespace baton::rollout
