// Unknown is never zero: every malformed answer must come out unknown.
#include "drain/drain_reading.h"

#include <gtest/gtest.h>

#include <string>

namespace baton::drain {
namespace {

const auto kAt = std::chrono::system_clock::time_point{} + std::chrono::hours(1);

DrainReading Parse(int code, std::string_view body) {
  return ParseDrainAnswer(code, body, kAt);
}

TEST(DrainReadingTest, WellFormedAnswerIsKnown) {
  auto r = Parse(200, R"({"protocol":"baton.dev/drain/v1","instanceId":"abc","version":"v2",
                          "sessions":4213,"state":"Draining","drain":{"pace":1000},"extra":1})");
  ASSERT_TRUE(r.known) << r.error;
  EXPECT_EQ(r.sessions, 4213);
  EXPECT_EQ(r.state, DrainState::Draining);
  EXPECT_EQ(r.instance_id, "abc");
  EXPECT_EQ(r.version, "v2");
  EXPECT_EQ(r.read_at, kAt);
}

TEST(DrainReadingTest, CapacityIsAnOptionalHintNeverZeroWhenAbsentOrBad) {
  auto with = Parse(200, R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":5,
                             "state":"Serving","capacity":19000})");
  ASSERT_TRUE(with.known);
  EXPECT_EQ(with.capacity, 19000);
  auto without = Parse(200, R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":5,
                                "state":"Serving"})");
  ASSERT_TRUE(without.known);
  EXPECT_FALSE(without.capacity);
  // A bad hint is dropped (unknown), the count it came with stays known.
  for (const char* bad : {R"("many")", "-1", "2.5", "1099511627777"}) {
    auto r = Parse(200, std::string(R"({"protocol":"baton.dev/drain/v1","instanceId":"i",)") +
                            R"("sessions":5,"state":"Serving","capacity":)" + bad + "}");
    ASSERT_TRUE(r.known) << bad;
    EXPECT_EQ(r.sessions, 5);
    EXPECT_FALSE(r.capacity) << bad;
  }
}

TEST(DrainReadingTest, DrainStartedAtIsReadWhenWellFormed) {
  auto r = Parse(200, R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":5,
                          "state":"Draining","drain":{"startedAt":"2026-12-07T10:00:00Z"}})");
  ASSERT_TRUE(r.known);
  ASSERT_TRUE(r.drain_started_at.has_value());
  EXPECT_EQ(*r.drain_started_at,
            std::chrono::system_clock::time_point{} + std::chrono::seconds(1796637600));
  // Malformed: absent, never the epoch; the count stays known.
  auto bad = Parse(200, R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":5,
                            "state":"Draining","drain":{"startedAt":"yesterday"}})");
  ASSERT_TRUE(bad.known);
  EXPECT_FALSE(bad.drain_started_at);
}

TEST(DrainReadingTest, ZeroSessionsDrainedIsKnownZero) {
  auto r = Parse(200, R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":0,
                          "state":"Drained"})");
  ASSERT_TRUE(r.known);
  EXPECT_EQ(r.sessions, 0);
  EXPECT_EQ(r.state, DrainState::Drained);
}

struct BadAnswer {
  const char* name;
  int code;
  const char* body;
};

class DrainReadingUnknownTest : public ::testing::TestWithParam<BadAnswer> {};

TEST_P(DrainReadingUnknownTest, IsUnknownNotZero) {
  auto r = Parse(GetParam().code, GetParam().body);
  EXPECT_FALSE(r.known) << GetParam().name;
  EXPECT_FALSE(r.error.empty()) << GetParam().name;
}

constexpr const char* kGood =
    R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":5,"state":"Draining"})";

INSTANTIATE_TEST_SUITE_P(
    Garbage, DrainReadingUnknownTest,
    ::testing::Values(
        BadAnswer{"unauthorized", 401, kGood}, BadAnswer{"server error", 500, kGood},
        BadAnswer{"redirect", 302, kGood}, BadAnswer{"empty body", 200, ""},
        BadAnswer{"not json", 200, "sessions: 0"}, BadAnswer{"truncated", 200, R"({"protocol":)"},
        BadAnswer{"array", 200, "[0]"}, BadAnswer{"bare zero", 200, "0"},
        BadAnswer{"null", 200, "null"},
        BadAnswer{
            "wrong protocol", 200,
            R"({"protocol":"baton.dev/drain/v2","instanceId":"i","sessions":0,"state":"Drained"})"},
        BadAnswer{"no protocol", 200, R"({"instanceId":"i","sessions":0,"state":"Drained"})"},
        BadAnswer{"no instance", 200,
                  R"({"protocol":"baton.dev/drain/v1","sessions":0,"state":"Drained"})"},
        BadAnswer{
            "empty instance", 200,
            R"({"protocol":"baton.dev/drain/v1","instanceId":"","sessions":0,"state":"Drained"})"},
        BadAnswer{"missing sessions", 200,
                  R"({"protocol":"baton.dev/drain/v1","instanceId":"i","state":"Drained"})"},
        BadAnswer{
            "null sessions", 200,
            R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":null,"state":"Drained"})"},
        BadAnswer{
            "string sessions", 200,
            R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":"0","state":"Drained"})"},
        BadAnswer{
            "fractional sessions", 200,
            R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":0.5,"state":"Draining"})"},
        BadAnswer{
            "negative sessions", 200,
            R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":-1,"state":"Draining"})"},
        BadAnswer{
            "huge sessions", 200,
            R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":18446744073709551615,"state":"Draining"})"},
        BadAnswer{
            "unknown state", 200,
            R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":0,"state":"Done"})"},
        BadAnswer{
            "drained with sessions", 200,
            R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":3,"state":"Drained"})"}),
    [](const auto& p) {
      std::string n;
      for (char c : std::string(p.param.name))
        n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return n;
    });

}  // namespace
}  // namespace baton::drain
