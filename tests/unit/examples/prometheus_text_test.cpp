#include "prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace baton::examples {
namespace {

TEST(PrometheusText, HelpTypeAndValuePerSample) {
  EXPECT_EQ(FormatPrometheusText({{"relay_sessions", "gauge", "Sessions held.", 12},
                                  {"relay_messages_relayed_total", "counter", "a\\b\nc", 4e15}}),
            "# HELP relay_sessions Sessions held.\n"
            "# TYPE relay_sessions gauge\n"
            "relay_sessions 12\n"
            "# HELP relay_messages_relayed_total a\\\\b\\nc\n"
            "# TYPE relay_messages_relayed_total counter\n"
            "relay_messages_relayed_total 4000000000000000\n");
}

TEST(PrometheusText, SpecialAndFractionalValues) {
  auto text = FormatPrometheusText({{"a", "gauge", "h", 0.5},
                                    {"b", "gauge", "h", std::numeric_limits<double>::quiet_NaN()},
                                    {"c", "gauge", "h", -std::numeric_limits<double>::infinity()}});
  EXPECT_NE(text.find("\na 0.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nb NaN\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nc -Inf\n"), std::string::npos) << text;
  EXPECT_EQ(FormatPrometheusText({}), "");
}

}  // namespace
}  // namespace baton::examples
