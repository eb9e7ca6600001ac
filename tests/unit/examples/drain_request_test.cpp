#include "drain_request.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

using std::chrono::system_clock;

system_clock::time_point At(std::time_t epoch) {
  return system_clock::from_time_t(epoch);
}

TEST(Rfc3339, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), At(0));
  EXPECT_EQ(ParseRfc3339("2025-01-01T12:00:00Z"), At(1735732800));
  EXPECT_EQ(ParseRfc3339("2025-01-01T14:00:00+02:00"), At(1735732800));
  EXPECT_EQ(ParseRfc3339("2025-01-01T11:30:00-00:30"), At(1735732800));
  auto frac = ParseRfc3339("2025-01-01T12:00:00.250Z");
  ASSERT_TRUE(frac);
  EXPECT_EQ(*frac - At(1735732800), std::chrono::milliseconds(250));
}

TEST(Rfc3339, RejectsWhatIsNotRfc3339) {
  for (const char* bad : {"", "tomorrow", "2025-01-01", "2025-01-01T12:00:00",
                          "2025-13-01T12:00:00Z", "2025-01-01T12:00:00ZZ", "2025-01-01 12:00:00Z",
                          "2025-01-01T12:00:00.Z", "2025-01-01T12:00:00+0200"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

TEST(Rfc3339, FormatsUtcWholeSeconds) {
  EXPECT_EQ(FormatRfc3339(At(1735732800) + std::chrono::milliseconds(900)), "2025-01-01T12:00:00Z");
}

TEST(DrainRequest, ParsesAFullRequest) {
  auto r = ParseDrainRequest(
      R"({"pace": 250.5, "deadline": "2025-01-01T12:00:00Z", "successor": "relay-b",
          "reason": "rollout", "future": true})");
  ASSERT_TRUE(r.request) << r.error;
  EXPECT_DOUBLE_EQ(r.request->pace, 250.5);
  EXPECT_EQ(r.request->deadline, At(1735732800));
  EXPECT_EQ(r.request->successor, "relay-b");
  EXPECT_EQ(r.request->reason, "rollout");
}

TEST(DrainRequest, SuccessorAndReasonAreOptional) {
  auto r =
      ParseDrainRequest(R"({"pace": 1, "deadline": "2025-01-01T12:00:00Z", "successor": null})");
  ASSERT_TRUE(r.request) << r.error;
  EXPECT_EQ(r.request->successor, "");
  EXPECT_EQ(r.request->reason, "");
}

TEST(DrainRequest, RejectsBadBodiesWithAReason) {
  for (const char* bad : {"", "[]", "{", R"({"deadline": "2025-01-01T12:00:00Z"})",
                          R"({"pace": "fast", "deadline": "2025-01-01T12:00:00Z"})",
                          R"({"pace": 0, "deadline": "2025-01-01T12:00:00Z"})",
                          R"({"pace": -3, "deadline": "2025-01-01T12:00:00Z"})", R"({"pace": 5})",
                          R"({"pace": 5, "deadline": "soon"})",
                          R"({"pace": 5, "deadline": "2025-01-01T12:00:00Z", "successor": 3})"}) {
    auto r = ParseDrainRequest(bad);
    EXPECT_FALSE(r.request) << bad;
    EXPECT_FALSE(r.error.empty()) << bad;
  }
}

}  // namespace
}  // namespace baton::examples
