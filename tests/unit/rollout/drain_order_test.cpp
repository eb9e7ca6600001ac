#include "rollout/drain_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace baton::rollout {
namespace {

std::vector<std::string> Sorted(std::vector<DrainOrderKey> keys) {
  std::sort(keys.begin(), keys.end(), DrainsBefore);
  std::vector<std::string> names;
  for (const auto& k : keys) names.emplace_back(k.name);
  return names;
}

TEST(DrainOrder, NeverRanFirstThenFewestSessionsThenUnknown) {
  EXPECT_EQ(Sorted({{"unknown", false, std::nullopt},
                    {"busy", false, 900},
                    {"pending", true, std::nullopt},
                    {"light", false, 10}}),
            (std::vector<std::string>{"pending", "light", "busy", "unknown"}));
}

TEST(DrainOrder, UnknownIsNeverZero) {
  // An unknown count must not sort like 0 sessions (which would drain it first).
  EXPECT_TRUE(DrainsBefore({"b", false, 0}, {"a", false, std::nullopt}));
  EXPECT_FALSE(DrainsBefore({"a", false, std::nullopt}, {"b", false, 0}));
}

TEST(DrainOrder, TiesGoByNameSoTheOrderIsStable) {
  EXPECT_EQ(Sorted({{"relay-c", false, 5}, {"relay-a", false, 5}, {"relay-b", false, 5}}),
            (std::vector<std::string>{"relay-a", "relay-b", "relay-c"}));
  EXPECT_FALSE(DrainsBefore({"x", false, 5}, {"x", false, 5}));
}

}  // namespace
}  // namespace baton::rollout
