#include "analysis/query_template.h"

#include <gtest/gtest.h>

namespace baton::analysis {
namespace {

const QueryVars kVars{"chat", "relay", "3", "2"};

TEST(QueryTemplate, FillsEveryKnownName) {
  auto q = ExpandQuery(
      R"(sum(rate(x{namespace="{{namespace}}",tier="{{ tier }}",revision="{{revision}}"}[30s])))"
      R"( / on() sum(rate(x{revision="{{stableRevision}}"}[30s])))",
      kVars);
  ASSERT_TRUE(q.query) << q.error;
  EXPECT_EQ(*q.query, R"(sum(rate(x{namespace="chat",tier="relay",revision="3"}[30s])))"
                      R"( / on() sum(rate(x{revision="2"}[30s])))");
  EXPECT_EQ(*ExpandQuery("up", kVars).query, "up");
  EXPECT_EQ(*ExpandQuery("", kVars).query, "");
}

TEST(QueryTemplate, ValuesAreEscapedForADoubleQuotedString) {
  QueryVars hostile{"a\"} or vector(1) #", "b\\", "line\nbreak", "t\tr\r"};
  auto q = ExpandQuery(R"({{namespace}}|{{tier}}|{{revision}}|{{stableRevision}})", hostile);
  ASSERT_TRUE(q.query) << q.error;
  EXPECT_EQ(*q.query, R"(a\"} or vector(1) #|b\\|line\nbreak|t\tr\r)");
}

TEST(QueryTemplate, AnUnknownNameIsRefusedNotLeftInPlace) {
  auto typo = ExpandQuery(R"(x{revision="{{revison}}"})", kVars);
  EXPECT_FALSE(typo.query);
  EXPECT_EQ(typo.error,
            "unknown {{revison}} in the query (known: namespace, tier, revision, stableRevision)");
  auto unclosed = ExpandQuery(R"(x{revision="{{revision"})", kVars);
  EXPECT_FALSE(unclosed.query);
  EXPECT_EQ(unclosed.error, "unclosed {{ in the query");
  EXPECT_FALSE(ExpandQuery("{{}}", kVars).query);
}

TEST(QueryTemplate, AValueHoldingBracesIsNotExpandedAgain) {
  QueryVars braces{"{{tier}}", "relay", "3", "2"};
  auto q = ExpandQuery("{{namespace}}", braces);
  ASSERT_TRUE(q.query);
  EXPECT_EQ(*q.query, "{{tier}}");
}

}  // namespace
}  // namespace baton::analysis
