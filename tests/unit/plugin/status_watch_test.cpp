#include "plugin/status_watch.h"

#include <gtest/gtest.h>

namespace baton::plugin {
namespace {

nlohmann::json Tier(int generation, int observed, const std::string& phase, int desired,
                    int updated) {
  return {{"metadata", {{"name", "relay"}, {"generation", generation}}},
          {"spec", {{"replicas", desired}}},
          {"status",
           {{"observedGeneration", observed},
            {"phase", phase},
            {"updatedReplicas", updated},
            {"readyReplicas", desired}}}};
}

TEST(StatusWatch, CompleteOnlyWhenCurrentHealthyAndAllUpdated) {
  EXPECT_EQ(ReadStatus(Tier(3, 3, "Healthy", 4, 4)).outcome, WatchOutcome::Complete);
  EXPECT_EQ(ReadStatus(Tier(3, 3, "Healthy", 4, 3)).outcome, WatchOutcome::Continue);
  EXPECT_EQ(ReadStatus(Tier(3, 3, "Progressing", 4, 4)).outcome, WatchOutcome::Continue);
  EXPECT_EQ(ReadStatus(Tier(3, 3, "Paused", 4, 2)).outcome, WatchOutcome::Continue);
}

TEST(StatusWatch, StaleStatusIsProgressingWhateverItsPhase) {
  auto healthy = ReadStatus(Tier(4, 3, "Healthy", 4, 4));
  EXPECT_EQ(healthy.outcome, WatchOutcome::Continue);
  EXPECT_EQ(healthy.line.rfind("Progressing", 0), 0u) << healthy.line;
  EXPECT_EQ(ReadStatus(Tier(4, 3, "Degraded", 4, 1)).outcome, WatchOutcome::Continue);
  // No status at all yet.
  nlohmann::json fresh = {{"metadata", {{"generation", 1}}}, {"spec", {{"replicas", 2}}}};
  EXPECT_EQ(ReadStatus(fresh).outcome, WatchOutcome::Continue);
}

TEST(StatusWatch, DegradedForTheCurrentGenerationEndsTheWatch) {
  auto r = ReadStatus(Tier(2, 2, "Degraded", 4, 1));
  EXPECT_EQ(r.outcome, WatchOutcome::Degraded);
  EXPECT_EQ(r.line.rfind("Degraded updated 1/4", 0), 0u) << r.line;
}

TEST(StatusWatch, LineNamesTheDrainingPodSessionsLeftRateAndEta) {
  auto t = Tier(2, 2, "Progressing", 4, 2);
  t["status"]["drainingPods"] = {{{"name", "relay-x"},
                                  {"sessionsNow", 12345},
                                  {"sessionsPerSecond", 250.4},
                                  {"etaSeconds", 49}}};
  auto r = ReadStatus(t);
  EXPECT_EQ(r.line,
            "Progressing updated 2/4 ready 4 | draining relay-x: 12,345 sessions left, "
            "250/s, ETA 49s");
}

TEST(StatusWatch, UnknownCountIsNeverShownAsZero) {
  auto t = Tier(2, 2, "Progressing", 4, 2);
  t["status"]["drainingPods"] = {{{"name", "relay-x"}}};
  auto r = ReadStatus(t);
  EXPECT_NE(r.line.find("relay-x: sessions unknown"), std::string::npos) << r.line;
  EXPECT_EQ(r.line.find(" 0 sessions"), std::string::npos) << r.line;
}

TEST(StatusWatch, LineChangesWhenSessionsLeftChange) {
  auto t = Tier(2, 2, "Progressing", 4, 2);
  t["status"]["drainingPods"] = {{{"name", "relay-x"}, {"sessionsNow", 100}}};
  auto a = ReadStatus(t).line;
  t["status"]["drainingPods"][0]["sessionsNow"] = 90;
  EXPECT_NE(a, ReadStatus(t).line);
}

TEST(StatusWatch, PausedLineCarriesTheMessage) {
  auto t = Tier(2, 2, "Paused", 4, 2);
  t["status"]["message"] = "paused by spec";
  EXPECT_NE(ReadStatus(t).line.find("| paused by spec"), std::string::npos);
}

TEST(StatusWatch, ShowsTheCanaryStepBakeAndSignals) {
  auto tier = Tier(3, 3, "Progressing", 4, 1);
  tier["status"]["canary"] = {
      {"revision", "abc"},
      {"step", 0},
      {"steps", 2},
      {"state", "Baking"},
      {"bakeEndsAt", "2026-12-07T23:40:00Z"},
      {"signals",
       {{{"name", "PodHealth"}, {"status", "Passing"}, {"value", "1 healthy"}},
        {{"name", "Prometheus"}, {"status", "Passing"}, {"value", "0.002"}}}}};
  const auto r = ReadStatus(tier);
  EXPECT_NE(r.line.find("canary abc step 1/2 Baking, bake ends 2026-12-07T23:40:00Z; PodHealth "
                        "Passing 1 healthy, Prometheus Passing 0.002"),
            std::string::npos)
      << r.line;
  EXPECT_EQ(r.outcome, WatchOutcome::Continue);
}

TEST(StatusWatch, ARolledBackCanaryIsDegradedAndSaysWhy) {
  auto tier = Tier(3, 3, "Degraded", 4, 4);
  tier["status"]["canary"] = {
      {"revision", "abc"},
      {"step", 0},
      {"steps", 2},
      {"state", "RolledBack"},
      {"rollback", {{"signal", "WorkloadVerdict"}, {"message", "unhealthy: pod p: dropped 31%"}}}};
  const auto r = ReadStatus(tier);
  EXPECT_EQ(r.outcome, WatchOutcome::Degraded);
  EXPECT_NE(r.line.find("rolled back on WorkloadVerdict: unhealthy: pod p: dropped 31%"),
            std::string::npos)
      << r.line;
}

}  // namespace
}  // namespace baton::plugin
