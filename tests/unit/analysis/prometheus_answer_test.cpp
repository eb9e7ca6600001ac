// Unknown is never a number: every answer but one finite value is unknown,
// with a reason a status message can carry.
#include "analysis/prometheus_answer.h"

#include <gtest/gtest.h>

#include <string>

namespace baton::analysis {
namespace {

std::string Vector(const std::string& samples) {
  return R"({"status":"success","data":{"resultType":"vector","result":[)" + samples + "]}}";
}

std::string Sample(const std::string& value, const std::string& labels = "{}") {
  return R"({"metric":)" + labels + R"(,"value":[1796684160.123,")" + value + R"("]})";
}

TEST(PrometheusAnswer, OneSampleIsAKnownValue) {
  auto s = ParsePrometheusAnswer(200, Vector(Sample("0.3125", R"({"revision":"3"})")));
  ASSERT_TRUE(s.known) << s.error;
  EXPECT_DOUBLE_EQ(s.value, 0.3125);
  auto big = ParsePrometheusAnswer(200, Vector(Sample("1.5e+06")));
  ASSERT_TRUE(big.known) << big.error;
  EXPECT_DOUBLE_EQ(big.value, 1.5e6);
}

TEST(PrometheusAnswer, AScalarIsAKnownValue) {
  auto s = ParsePrometheusAnswer(
      200, R"({"status":"success","data":{"resultType":"scalar","result":[1796684160,"-2"]}})");
  ASSERT_TRUE(s.known) << s.error;
  EXPECT_DOUBLE_EQ(s.value, -2);
}

TEST(PrometheusAnswer, NoSeriesOrSeveralAreUnknown) {
  auto none = ParsePrometheusAnswer(200, Vector(""));
  EXPECT_FALSE(none.known);
  EXPECT_EQ(none.error, "no series");
  auto three = ParsePrometheusAnswer(
      200, Vector(Sample("1", R"({"pod":"a"})") + "," + Sample("2", R"({"pod":"b"})") + "," +
                  Sample("3", R"({"pod":"c"})")));
  EXPECT_FALSE(three.known);
  EXPECT_EQ(three.error, "3 series, want 1");
}

TEST(PrometheusAnswer, NanAndInfinitiesAreUnknown) {
  // What a ratio of two zero rates gives: 0/0.
  auto nan = ParsePrometheusAnswer(200, Vector(Sample("NaN")));
  EXPECT_FALSE(nan.known);
  EXPECT_EQ(nan.error, "value is NaN");
  auto inf = ParsePrometheusAnswer(200, Vector(Sample("+Inf")));
  EXPECT_FALSE(inf.known);
  EXPECT_EQ(inf.error, "value is +Inf");
  EXPECT_EQ(ParsePrometheusAnswer(200, Vector(Sample("-Inf"))).error, "value is -Inf");
}

TEST(PrometheusAnswer, ServerErrorsCarryTheirReason) {
  auto bad = ParsePrometheusAnswer(
      400, R"({"status":"error","errorType":"bad_data","error":"parse error at char 4"})");
  EXPECT_FALSE(bad.known);
  EXPECT_EQ(bad.error, "HTTP 400: bad_data: parse error at char 4");
  EXPECT_EQ(ParsePrometheusAnswer(503, "Service Unavailable").error, "HTTP 503");
  auto failed = ParsePrometheusAnswer(200, R"({"status":"error","error":"query timed out"})");
  EXPECT_FALSE(failed.known);
  EXPECT_EQ(failed.error, "status is not success: query timed out");
  // A hostile or broken server's reason is bounded.
  auto long_reason = ParsePrometheusAnswer(
      422, R"({"status":"error","error":")" + std::string(5000, 'x') + R"("})");
  EXPECT_LE(long_reason.error.size(), kMaxErrorBytes);
}

struct Bad {
  const char* name;
  const char* body;
};

class PrometheusAnswerUnknownTest : public ::testing::TestWithParam<Bad> {};

TEST_P(PrometheusAnswerUnknownTest, IsUnknownWithAReason) {
  auto s = ParsePrometheusAnswer(200, GetParam().body);
  EXPECT_FALSE(s.known) << GetParam().name;
  EXPECT_FALSE(s.error.empty()) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    Garbage, PrometheusAnswerUnknownTest,
    ::testing::Values(
        Bad{"empty", ""}, Bad{"not json", "<html>"}, Bad{"array", "[1]"},
        Bad{"truncated", R"({"status":"success","data":{"resultType":"vec)"},
        Bad{"no status", R"({"data":{"resultType":"scalar","result":[1,"1"]}})"},
        Bad{"no data", R"({"status":"success"})"},
        Bad{"matrix", R"({"status":"success","data":{"resultType":"matrix","result":[]}})"},
        Bad{"string", R"({"status":"success","data":{"resultType":"string","result":[1,"x"]}})"},
        Bad{"result not array",
            R"({"status":"success","data":{"resultType":"vector","result":{}}})"},
        Bad{"value a number",
            R"({"status":"success","data":{"resultType":"scalar","result":[1,2]}})"},
        Bad{"value garbage",
            R"({"status":"success","data":{"resultType":"scalar","result":[1,"12abc"]}})"},
        Bad{"value missing",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}})"}),
    [](const auto& p) {
      std::string n;
      for (char c : std::string(p.param.name))
        n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return n;
    });

}  // namespace
}  // namespace baton::analysis
