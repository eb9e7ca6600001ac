// Unknown is never zero: every malformed answer must come out unknown.
#include "drain/drain_reading.h"

#include <gtest/gtest.h>

#include <string>

namespace baton::drain {
namespace {

constexpr const char* kGoodServing =
    R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":5,"state":"Serving"})";

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

std::string WithVerdict(const std::string& verdict) {
  return std::string(R"({"protocol":"baton.dev/drain/v1","instanceId":"i","sessions":5,)") +
         R"("state":"Serving","verdict":)" + verdict + "}";
}

TEST(DrainReadingTest, VerdictIsReadWhenWellFormed) {
  auto bad = Parse(200, WithVerdict(R"({"healthy":false,"reason":"dropped 31% in 10 s"})"));
  ASSERT_TRUE(bad.known) << bad.error;
  ASSERT_TRUE(bad.verdict.has_value());
  EXPECT_FALSE(bad.verdict->healthy);
  EXPECT_EQ(bad.verdict->reason, "dropped 31% in 10 s");
  auto good = Parse(200, WithVerdict(R"({"healthy":true})"));
  ASSERT_TRUE(good.known);
  ASSERT_TRUE(good.verdict.has_value());
  EXPECT_TRUE(good.verdict->healthy);
  EXPECT_EQ(good.verdict->reason, "");
  auto none = Parse(200, kGoodServing);
  ASSERT_TRUE(none.known);
  EXPECT_FALSE(none.verdict);
}

TEST(DrainReadingTest, MalformedVerdictIsNoOpinionAndTheReadingStaysKnown) {
  for (const char* bad :
       {R"("unhealthy")", "false", "null", "[]", "{}", R"({"healthy":"false"})", R"({"healthy":0})",
        R"({"healthy":false,"reason":42})", R"({"healthy":false,"reason":{"x":1}})"}) {
    auto r = Parse(200, WithVerdict(bad));
    ASSERT_TRUE(r.known) << bad;
    EXPECT_EQ(r.sessions, 5) << bad;
    EXPECT_FALSE(r.verdict) << bad;
  }
}

TEST(DrainReadingTest, VerdictReasonIsBoundedAndStaysValidUtf8) {
  // A hostile pod controls the reason; it ends up in status and Events.
  auto long_ascii =
      Parse(200, WithVerdict(R"({"healthy":false,"reason":")" + std::string(10000, 'x') + R"("})"));
  ASSERT_TRUE(long_ascii.verdict.has_value());
  EXPECT_EQ(long_ascii.verdict->reason, std::string(kMaxVerdictReasonBytes, 'x'));
  // 255 ASCII bytes then a 3-byte character straddling the cut: the whole
  // character goes, never half of it.
  auto straddling = Parse(200, WithVerdict(R"({"healthy":false,"reason":")" +
                                           std::string(255, 'a') + "\u20ac" + R"(tail"})"));
  ASSERT_TRUE(straddling.verdict.has_value());
  EXPECT_EQ(straddling.verdict->reason, std::string(255, 'a'));
  auto control = Parse(200, WithVerdict(R"({"healthy":false,"reason":"line1\nline2\u0000"})"));
  ASSERT_TRUE(control.verdict.has_value());
  EXPECT_EQ(control.verdict->reason, "line1 line2 ");
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
