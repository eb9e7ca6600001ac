#include "controller/sessions_cut.h"

#include <gtest/gtest.h>

#include "api/contract.h"

namespace baton::controller {
namespace {

PodView Pod(const std::string& name, const std::string& role, const std::string& phase,
            bool terminating = false) {
  PodView p;
  p.name = name;
  p.uid = "uid-" + name;
  p.phase = phase;
  p.terminating = terminating;
  p.labels[std::string(api::kLabelRole)] = role;
  return p;
}

TEST(SessionsCutTest, ServingPodsAreTheRunningServingOnesWithTheirLastCount) {
  const std::vector<PodView> owned = {
      Pod("relay-0", "serving", "Running"), Pod("relay-1", "draining", "Running"),
      Pod("relay-2", "serving", "Pending"), Pod("relay-3", "serving", "Running", true),
      Pod("relay-4", "serving", "Running")};
  const auto serving = ServingPodsOf(owned, {{"relay-0", {"i0", 41200}}});
  ASSERT_EQ(serving.size(), 2u);
  EXPECT_EQ(serving.at("uid-relay-0").sessions, 41200);
  EXPECT_EQ(serving.at("uid-relay-4").sessions, std::nullopt);
}

// Issue 19: a serving pod deleted by hand is reported with the count it held,
// whether the pass sees it terminating or already gone.
TEST(SessionsCutTest, AServingPodTerminatingOrGoneWasCutWithItsLastKnownCount) {
  const ServingPods before = {{"uid-relay-0", {"relay-0", 41200}},
                              {"uid-relay-1", {"relay-1", 80}},
                              {"uid-relay-2", {"relay-2", std::nullopt}},
                              {"uid-relay-3", {"relay-3", 0}},
                              {"uid-relay-4", {"relay-4", 9}},
                              {"uid-relay-5", {"relay-5", 7}}};
  const std::vector<PodView> now = {
      Pod("relay-0", "serving", "Running", true),  // kubectl delete pod: terminating
      // relay-1: gone between two passes
      Pod("relay-2", "serving", "Running", true),  // never read
      // relay-3: gone, but it held nothing
      Pod("relay-4", "draining", "Running"),  // Baton began its drain
      Pod("relay-5", "serving", "Failed")};   // ended by itself, not deleted
  const auto cuts = FindSessionsCutByOthers(before, now);
  ASSERT_EQ(cuts.size(), 3u);
  EXPECT_EQ(cuts[0].pod, "relay-0");
  EXPECT_EQ(cuts[0].sessions, 41200);
  EXPECT_EQ(cuts[1].pod, "relay-1");
  EXPECT_EQ(cuts[1].sessions, 80);
  EXPECT_EQ(cuts[2].pod, "relay-2");
  EXPECT_EQ(cuts[2].sessions, std::nullopt);
  EXPECT_EQ(SessionsCutMessage(cuts[0]),
            "pod relay-0 was deleted while serving, not through a drain: 41,200 sessions cut "
            "(kubectl baton drain relay-0 moves a pod without cutting its sessions)");
  EXPECT_NE(SessionsCutMessage(cuts[2]).find("an unknown number of sessions"), std::string::npos);
}

}  // namespace
}  // namespace baton::controller
