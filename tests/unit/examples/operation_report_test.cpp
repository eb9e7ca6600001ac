#include "operation_report.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

TEST(OperationReport, RetriesAndFallbacksAreNotFailures) {
  OperationReport r;
  r.reads = 10;
  r.retries = 5;
  r.fallbacks = 2;
  EXPECT_TRUE(r.LossFree());
  EXPECT_EQ(r.failures(), 0u);
}

TEST(OperationReport, AnyFailureKindFails) {
  for (auto field : {&OperationReport::setup_failed, &OperationReport::reads_failed,
                     &OperationReport::writes_failed, &OperationReport::wrong}) {
    OperationReport r;
    r.reads = 10;
    r.*field = 1;
    EXPECT_FALSE(r.LossFree());
    EXPECT_EQ(r.failures(), 1u);
  }
}

TEST(OperationReport, NothingDoneIsNotLossFree) {
  EXPECT_FALSE(OperationReport{}.LossFree());
}

TEST(OperationReport, AddSumsAndJsonNamesEveryCounter) {
  OperationReport a;
  a.mode = "registry";
  a.reads = 3;
  a.reads_failed = 1;
  OperationReport b;
  b.reads = 4;
  b.writes = 2;
  b.retries = 7;
  a.Add(b);
  nlohmann::json j = a.ToJson();
  EXPECT_EQ(j["mode"], "registry");
  EXPECT_EQ(j["reads"], 7);
  EXPECT_EQ(j["readsFailed"], 1);
  EXPECT_EQ(j["writes"], 2);
  EXPECT_EQ(j["retries"], 7);
  EXPECT_EQ(j["failures"], 1);
  EXPECT_EQ(j["lossFree"], false);
  EXPECT_NE(a.Summary().find("FAILURES"), std::string::npos);
}

}  // namespace
}  // namespace baton::examples
