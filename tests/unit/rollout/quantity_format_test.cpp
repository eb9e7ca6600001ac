#include "rollout/quantity_format.h"

#include <gtest/gtest.h>

namespace baton::rollout {
namespace {

TEST(QuantityFormat, CountsGetThousandsSeparators) {
  const std::vector<std::pair<std::int64_t, std::string>> rows = {
      {0, "0"},
      {7, "7"},
      {999, "999"},
      {1000, "1,000"},
      {12345, "12,345"},
      {500000, "500,000"},
      {1234567, "1,234,567"},
      {-4200, "-4,200"},
  };
  for (const auto& [value, text] : rows) EXPECT_EQ(formatCount(value), text);
}

TEST(QuantityFormat, DurationsUseTheTwoLargestUnits) {
  using std::chrono::seconds;
  const std::vector<std::pair<seconds, std::string>> rows = {
      {seconds(0), "0s"},      {seconds(45), "45s"},  {seconds(60), "1m"},
      {seconds(212), "3m32s"}, {seconds(3600), "1h"}, {seconds(3720), "1h2m"},
      {seconds(3725), "1h2m"}, {seconds(-5), "0s"},
  };
  for (const auto& [duration, text] : rows) EXPECT_EQ(formatDuration(duration), text);
}

}  // namespace
}  // namespace baton::rollout
