#include "controller/pod_view.h"

#include <gtest/gtest.h>

#include "timestamp/rfc3339.h"

namespace baton::controller {
namespace {

using nlohmann::json;

json PodWithStatus(json status) {
  return json{{"metadata",
               {{"name", "relay-abc-1"},
                {"uid", "u1"},
                {"creationTimestamp", "2026-12-07T10:00:00Z"},
                {"annotations", {{"baton.dev/failed-attempts", "2"}}}}},
              {"status", std::move(status)}};
}

TEST(PodViewTest, FailedPodSaysWhyAndWhen) {
  const PodView v = PodViewFromJson(PodWithStatus(
      {{"phase", "Failed"},
       {"containerStatuses",
        {{{"name", "relay"},
          {"state",
           {{"terminated",
             {{"exitCode", 127}, {"reason", "Error"}, {"finishedAt", "2026-12-07T10:00:03Z"}}}}}},
         {{"name", "sidecar"},
          {"state",
           {{"terminated",
             {{"exitCode", 0},
              {"reason", "Completed"},
              {"finishedAt", "2026-12-07T10:00:04Z"}}}}}}}}}));
  EXPECT_EQ(v.failure, "container relay: Error, exit code 127");
  EXPECT_EQ(v.finished_at, timestamp::ParseRfc3339("2026-12-07T10:00:04Z"));
  EXPECT_EQ(v.Annotation("baton.dev/failed-attempts"), "2");
  EXPECT_FALSE(v.crash_looping);
}

TEST(PodViewTest, PodLevelReasonWinsForAnEvictedPod) {
  const PodView v = PodViewFromJson(PodWithStatus(
      {{"phase", "Failed"}, {"reason", "Evicted"}, {"message", "low on ephemeral storage"}}));
  EXPECT_EQ(v.failure, "Evicted: low on ephemeral storage");
  EXPECT_FALSE(v.finished_at.has_value());
}

TEST(PodViewTest, CrashLoopBackOffIsSeenOnARunningPod) {
  const PodView v = PodViewFromJson(PodWithStatus(
      {{"phase", "Running"},
       {"containerStatuses",
        {{{"name", "relay"},
          {"restartCount", 4},
          {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
          {"lastState", {{"terminated", {{"exitCode", 2}, {"reason", "Error"}}}}}}}}}));
  EXPECT_TRUE(v.crash_looping);
  EXPECT_TRUE(v.no_process);
  EXPECT_EQ(v.failure, "container relay: CrashLoopBackOff (Error, exit code 2)");
}

// Only when no process at all is left does the pod hold nothing for sure.
TEST(PodViewTest, ACrashLoopingContainerBesideARunningOneLeavesAProcess) {
  json running = {{"name", "proxy"}, {"state", {{"running", {{"startedAt", "t"}}}}}};
  json looping = {{"name", "relay"}, {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}};
  PodView two = PodViewFromJson(
      PodWithStatus({{"phase", "Running"}, {"containerStatuses", {looping, running}}}));
  EXPECT_TRUE(two.crash_looping);
  EXPECT_FALSE(two.no_process);
  PodView sidecar = PodViewFromJson(PodWithStatus({{"phase", "Running"},
                                                   {"initContainerStatuses", {running}},
                                                   {"containerStatuses", {looping}}}));
  EXPECT_FALSE(sidecar.no_process);
}

TEST(PodViewTest, RestartedAgainAndAgainAndNotReadyIsCrashLoopingBetweenTwoCrashes) {
  json status = {{"phase", "Running"},
                 {"conditions", {{{"type", "Ready"}, {"status", "False"}}}},
                 {"containerStatuses",
                  {{{"name", "relay"},
                    {"restartCount", 3},
                    {"state", {{"running", {{"startedAt", "2026-12-07T10:00:09Z"}}}}},
                    {"lastState", {{"terminated", {{"exitCode", 2}, {"reason", "Error"}}}}}}}}};
  PodView v = PodViewFromJson(PodWithStatus(status));
  EXPECT_TRUE(v.crash_looping);
  EXPECT_EQ(v.failure, "container relay: restarted 3 times (Error, exit code 2)");
  // Ready again: it recovered, whatever its history.
  status["conditions"][0]["status"] = "True";
  EXPECT_FALSE(PodViewFromJson(PodWithStatus(status)).crash_looping);
}

TEST(PodViewTest, HealthyPodCarriesNoFailure) {
  const PodView v = PodViewFromJson(
      PodWithStatus({{"phase", "Running"},
                     {"containerStatuses",
                      {{{"name", "relay"},
                        {"state", {{"running", {{"startedAt", "2026-12-07T10:00:01Z"}}}}}}}}}));
  EXPECT_TRUE(v.failure.empty());
  EXPECT_FALSE(v.crash_looping);
  EXPECT_FALSE(v.finished_at.has_value());
}

}  // namespace
}  // namespace baton::controller
