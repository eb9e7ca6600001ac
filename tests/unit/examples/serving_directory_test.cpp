#include "serving_directory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace baton::examples {
namespace {

constexpr const char* kDirectory = R"({
  "tier": "relay", "namespace": "chat", "revision": "5", "updatedAt": "2025-01-01T12:00:03Z",
  "endpoints": [
    {"pod": "relay-a", "address": "127.1.0.12", "port": 7000, "sessions": 4980, "revision": "5",
     "weight": 20, "capacity": 19000},
    {"pod": "relay-b", "address": "127.1.0.9", "port": 7001, "revision": "4", "extra": 1}
  ]})";

TEST(ServingDirectory, ParsesTheDocumentedShape) {
  auto d = ParseServingDirectory(kDirectory);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->tier, "relay");
  EXPECT_EQ(d->ns, "chat");
  EXPECT_EQ(d->revision, "5");
  EXPECT_EQ(d->updated_at, "2025-01-01T12:00:03Z");
  ASSERT_EQ(d->endpoints.size(), 2u);
  EXPECT_EQ(d->endpoints[0].pod, "relay-a");
  EXPECT_EQ(d->endpoints[0].address, "127.1.0.12");
  EXPECT_EQ(d->endpoints[0].port, 7000);
  EXPECT_EQ(d->endpoints[0].sessions, 4980);
  EXPECT_FALSE(d->endpoints[1].sessions.has_value());  // absent: unknown, never 0
  EXPECT_EQ(d->endpoints[1].revision, "4");
  EXPECT_EQ(d->endpoints[0].weight, 20);
  EXPECT_EQ(d->endpoints[0].capacity, 19000);
  // Absent steering fields stay unknown: no weight, no capacity (never 0).
  EXPECT_FALSE(d->endpoints[1].weight);
  EXPECT_FALSE(d->endpoints[1].capacity);
}

TEST(ServingDirectory, RejectsWhatIsNotADirectory) {
  for (const char* bad : {"", "{", "[]", R"({"tier":"relay"})", R"({"endpoints":{}})",
                          R"({"endpoints":[{"address":"127.0.0.1"}]})",
                          R"({"endpoints":[{"address":"127.0.0.1","port":0}]})",
                          R"({"endpoints":[{"port":7000}]})", R"({"endpoints":[1]})"}) {
    EXPECT_FALSE(ParseServingDirectory(bad)) << bad;
  }
  EXPECT_TRUE(ParseServingDirectory(R"({"endpoints":[]})"));
}

class ServingDirectoryFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("serving-directory-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // Replaces the file the way kubelet does: new content under a new name, renamed over.
  void Publish(const std::string& content) {
    auto tmp = dir_ / ".tmp";
    std::ofstream(tmp) << content;
    std::filesystem::rename(tmp, dir_ / "directory.json");
  }
  std::string path() const { return (dir_ / "directory.json").string(); }

  std::filesystem::path dir_;
};

TEST_F(ServingDirectoryFileTest, ReloadsOnlyWhenTheFileChanges) {
  ServingDirectoryFile file(path());
  EXPECT_FALSE(file.Refresh()) << "no file yet";
  Publish(kDirectory);
  EXPECT_TRUE(file.Refresh());
  EXPECT_FALSE(file.Refresh()) << "unchanged";
  Publish(R"({"endpoints":[{"pod":"relay-c","address":"127.1.0.3","port":7000}]})");
  EXPECT_TRUE(file.Refresh());
  ASSERT_TRUE(file.current());
  ASSERT_EQ(file.current()->endpoints.size(), 1u);
  EXPECT_EQ(file.current()->endpoints[0].pod, "relay-c");
}

TEST_F(ServingDirectoryFileTest, KeepsTheLastGoodVersionWhenANewOneIsBroken) {
  ServingDirectoryFile file(path());
  Publish(kDirectory);
  ASSERT_TRUE(file.Refresh());
  auto good_mtime = file.current_mtime_unix_us();
  Publish("{ not json");
  EXPECT_FALSE(file.Refresh());
  ASSERT_TRUE(file.current());
  EXPECT_EQ(file.current()->endpoints.size(), 2u);
  EXPECT_EQ(file.current_mtime_unix_us(), good_mtime) << "the mtime of the version kept";
}

TEST_F(ServingDirectoryFileTest, TellsWhenTheLoadedVersionWasWritten) {
  ServingDirectoryFile file(path());
  EXPECT_EQ(file.current_mtime_unix_us(), 0);
  Publish(kDirectory);
  std::filesystem::last_write_time(
      path(), std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
  ASSERT_TRUE(file.Refresh());
  auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  EXPECT_NEAR(static_cast<double>(now_us - file.current_mtime_unix_us()), 3600e6, 5e6);
}

}  // namespace
}  // namespace baton::examples
