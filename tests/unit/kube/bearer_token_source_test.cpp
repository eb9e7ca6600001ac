#include "kube/bearer_token_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace baton::kube {
namespace {

namespace fs = std::filesystem;

class BearerTokenSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("token-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void WriteToken(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }
  fs::path dir_;
};

TEST_F(BearerTokenSourceTest, StaticToken) {
  BearerTokenSource s("abc", {});
  EXPECT_TRUE(s.has_token());
  EXPECT_EQ(s.Token(), "abc");
  EXPECT_FALSE(BearerTokenSource("", {}).has_token());
}

TEST_F(BearerTokenSourceTest, FileWinsAndIsReReadWhenRewritten) {
  const fs::path f = dir_ / "token";
  WriteToken(f, "first\n");
  BearerTokenSource s("static", f);
  EXPECT_EQ(s.Token(), "first");
  WriteToken(f, "second-longer\n");
  EXPECT_EQ(s.Token(), "second-longer");
}

TEST_F(BearerTokenSourceTest, FollowsKubeletStyleSymlinkSwap) {
  // The kubelet writes ..data -> ..<timestamp>/ and token -> ..data/token,
  // then atomically swaps ..data to a new directory.
  fs::create_directories(dir_ / "v1");
  fs::create_directories(dir_ / "v2");
  WriteToken(dir_ / "v1/token", "old");
  WriteToken(dir_ / "v2/token", "new");  // same size: only the inode differs
  fs::create_directory_symlink("v1", dir_ / "..data");
  fs::create_symlink("..data/token", dir_ / "token");
  BearerTokenSource s("", dir_ / "token");
  EXPECT_EQ(s.Token(), "old");
  fs::create_directory_symlink("v2", dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  EXPECT_EQ(s.Token(), "new");
}

TEST_F(BearerTokenSourceTest, KeepsLastGoodTokenWhenFileVanishesOrEmpties) {
  const fs::path f = dir_ / "token";
  WriteToken(f, "good");
  BearerTokenSource s("", f);
  EXPECT_EQ(s.Token(), "good");
  WriteToken(f, "");
  EXPECT_EQ(s.Token(), "good");
  fs::remove(f);
  EXPECT_EQ(s.Token(), "good");
  WriteToken(f, "back");
  EXPECT_EQ(s.Token(), "back");
}

}  // namespace
}  // namespace baton::kube
