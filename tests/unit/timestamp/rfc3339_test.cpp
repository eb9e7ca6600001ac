#include "timestamp/rfc3339.h"

#include <gtest/gtest.h>

namespace baton::timestamp {
namespace {

using std::chrono::system_clock;
using namespace std::chrono_literals;

system_clock::time_point At(int64_t unix_seconds) {
  return system_clock::time_point{std::chrono::seconds{unix_seconds}};
}

TEST(Rfc3339, ParsesServerTimes) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), At(0));
  EXPECT_EQ(ParseRfc3339("2026-01-02T03:04:05Z"), At(1767323045));
  EXPECT_EQ(ParseRfc3339("2024-02-29T23:59:59Z"), At(1709251199));  // leap day
}

TEST(Rfc3339, FractionsAndOffsets) {
  EXPECT_EQ(ParseRfc3339("2026-01-02T03:04:05.5Z"), At(1767323045) + 500ms);
  EXPECT_EQ(ParseRfc3339("2026-01-02T03:04:05.123456789Z"), At(1767323045) + 123456us);
  EXPECT_EQ(ParseRfc3339("2026-01-02T05:04:05+02:00"), At(1767323045));
  EXPECT_EQ(ParseRfc3339("2026-01-01T22:34:05-04:30"), At(1767323045));
  EXPECT_EQ(ParseRfc3339("2026-01-02t03:04:05z"), At(1767323045));
}

TEST(Rfc3339, RefusesMalformed) {
  for (const char* bad :
       {"", "2026-01-02", "2026-01-02 03:04:05Z", "2026-01-02T03:04:05", "2026-13-02T03:04:05Z",
        "2026-02-30T03:04:05Z", "2025-02-29T00:00:00Z", "2026-01-02T24:00:00Z",
        "2026-01-02T03:60:00Z", "2026-01-02T03:04:60Z", "2026-01-02T03:04:05.Z",
        "2026-01-02T03:04:05+0200", "2026-01-02T03:04:05+25:00", "2026-01-02T03:04:05Zjunk",
        "20x6-01-02T03:04:05Z", "yesterday"}) {
    EXPECT_EQ(ParseRfc3339(bad), std::nullopt) << bad;
  }
}

// Found by fuzz_drain_answer: year 4050 overflowed the nanosecond clock
// (undefined behaviour) instead of being refused.
TEST(Rfc3339, RefusesTimesTheClockCannotHold) {
  EXPECT_EQ(ParseRfc3339("4050-01-01T12:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2262-04-12T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("1677-09-21T00:00:00Z"), std::nullopt);
  EXPECT_TRUE(ParseRfc3339("2262-04-11T23:47:16Z").has_value());
  EXPECT_TRUE(ParseRfc3339("1677-09-22T00:12:44Z").has_value());
}

TEST(Rfc3339, FormatsUtcToTheMicrosecond) {
  EXPECT_EQ(FormatMicroTime(At(0)), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatMicroTime(At(1767323045) + 250ms + 7us + 999ns), "2026-01-02T03:04:05.250007Z");
  const auto t = At(1709251199) + 999999us;
  EXPECT_EQ(ParseRfc3339(FormatMicroTime(t)), t);
}

TEST(Rfc3339, FormatsUtcWholeSeconds) {
  EXPECT_EQ(FormatRfc3339(At(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(At(1767323045) + 999ms), "2026-01-02T03:04:05Z");
  EXPECT_EQ(FormatRfc3339(At(1709251199)), "2024-02-29T23:59:59Z");
}

TEST(Rfc3339, RoundTrip) {
  for (int64_t t : {0LL, 951782400LL, 1767323045LL, 4102444799LL}) {
    const std::string text = FormatRfc3339(At(t));
    EXPECT_EQ(ParseRfc3339(text), At(t)) << text;
  }
}

TEST(FormatMicroTime, Rfc3339WithMicroseconds) {
  const auto t =
      std::chrono::system_clock::time_point(std::chrono::microseconds(1'764'061'206'000'042));
  EXPECT_EQ(FormatMicroTime(t), "2025-11-25T09:00:06.000042Z");
  EXPECT_EQ(FormatMicroTime(std::chrono::system_clock::time_point(std::chrono::microseconds(-1))),
            "1969-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace baton::timestamp
