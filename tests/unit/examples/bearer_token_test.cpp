#include "bearer_token.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace baton::examples {
namespace {

class BearerTokenFileTest : public ::testing::Test {
 protected:
  void Write(const std::string& content) { std::ofstream(path_) << content; }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_ = "/tmp/bearer-token-test-" + std::to_string(getpid());
};

TEST_F(BearerTokenFileTest, AcceptsOnlyTheExactToken) {
  Write("s3cret\n");
  BearerTokenFile token(path_);
  EXPECT_TRUE(token.Accepts("Bearer s3cret"));
  EXPECT_FALSE(token.Accepts("Bearer s3cre"));
  EXPECT_FALSE(token.Accepts("Bearer s3cret2"));
  EXPECT_FALSE(token.Accepts("bearer s3cret"));
  EXPECT_FALSE(token.Accepts("s3cret"));
  EXPECT_FALSE(token.Accepts(""));
}

TEST_F(BearerTokenFileTest, FollowsARotatedFile) {
  Write("old");
  BearerTokenFile token(path_);
  EXPECT_TRUE(token.Accepts("Bearer old"));
  Write("new");
  EXPECT_FALSE(token.Accepts("Bearer old"));
  EXPECT_TRUE(token.Accepts("Bearer new"));
}

TEST_F(BearerTokenFileTest, AMissingOrEmptyFileAcceptsNothing) {
  BearerTokenFile missing(path_ + "-none");
  EXPECT_FALSE(missing.Accepts("Bearer "));
  Write("  \n");
  BearerTokenFile empty(path_);
  EXPECT_FALSE(empty.Accepts("Bearer "));
  EXPECT_FALSE(empty.Accepts("Bearer   "));
}

TEST(ConstantTimeEquals, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcabc"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace baton::examples
