#include "directory_sighting.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

ServingDirectory WithWeights(std::vector<std::optional<long>> weights) {
  ServingDirectory d;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    DirectoryEndpoint e;
    e.pod = "relay-" + std::to_string(weights.size() - i);  // listed out of order
    e.address = "127.1.0." + std::to_string(i + 1);
    e.port = 7000;
    e.weight = weights[i];
    d.endpoints.push_back(e);
  }
  return d;
}

TEST(DirectorySighting, PodsWithWeightTakeSessions) {
  EXPECT_EQ(PodsTakingSessions(WithWeights({0, 120, std::nullopt, 5})),
            (std::vector<std::string>{"relay-1", "relay-3"}));
}

TEST(DirectorySighting, EveryPodTakesSessionsWhenNoneHasWeight) {
  // An older Baton without weights, or nobody with room: readers draw uniformly.
  EXPECT_EQ(PodsTakingSessions(WithWeights({0, std::nullopt})),
            (std::vector<std::string>{"relay-1", "relay-2"}));
  EXPECT_TRUE(PodsTakingSessions(ServingDirectory{}).empty());
}

TEST(DirectorySighting, RoundTripsThroughJson) {
  DirectorySighting s{
      "2026-12-07T19:30:01.250000Z", 1765135801300000, 1765135801350000, {"relay-a", "relay-b"}};
  auto back = DirectorySighting::FromJson(s.ToJson());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->updated_at, s.updated_at);
  EXPECT_EQ(back->file_mtime_unix_us, s.file_mtime_unix_us);
  EXPECT_EQ(back->seen_unix_us, s.seen_unix_us);
  EXPECT_EQ(back->taking, s.taking);
}

TEST(DirectorySighting, RefusesAnIncompleteOne) {
  auto j = DirectorySighting{"x", 1, 2, {}}.ToJson();
  for (const char* key : {"updatedAt", "fileMtimeUnixUs", "seenUnixUs", "taking"}) {
    auto broken = j;
    broken.erase(key);
    EXPECT_FALSE(DirectorySighting::FromJson(broken)) << key;
  }
  j["taking"] = {1};
  EXPECT_FALSE(DirectorySighting::FromJson(j));
  EXPECT_FALSE(DirectorySighting::FromJson(nlohmann::json::array()));
}

}  // namespace
}  // namespace baton::examples
