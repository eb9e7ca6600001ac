#include "controller/sessions_cut.h"

#include <gtest/gtest.h>

#include "api/contract.h"

namespace baton::controller {
namespace {

PodView Pod(const std::string& name, const std::string& role, const std::string& phase,
            bool terminating) {
  PodView p;
  p.name = name;
  p.uid = "uid-" + name;
  p.phase = phase;
  p.terminating = terminating;
  p.labels[std::string(api::kLabelRole)] = role;
  return p;
}

// Issue 19: a serving pod deleted by hand is reported with the count it held.
TEST(SessionsCutTest, AServingPodDeletedBySomeoneElseCutsItsLastKnownCount) {
  const std::vector<PodView> owned = {
      Pod("relay-0", "serving", "Running", true),   // deleted by hand
      Pod("relay-1", "serving", "Running", false),  // still serving
      Pod("relay-2", "draining", "Running", true),  // Baton's own, after its drain
      Pod("relay-3", "serving", "Pending", true),   // never ran: Baton's NeverRan
      Pod("relay-4", "serving", "Failed", true),    // ended: nothing held
      Pod("relay-5", "serving", "Running", true),   // held nothing
      Pod("relay-6", "serving", "Running", true)};  // never read
  const std::map<std::string, ReadingMemory> memory = {
      {"relay-0", {"i0", 41200}}, {"relay-2", {"i2", 3}}, {"relay-5", {"i5", 0}}};
  const auto cuts = FindSessionsCutByOthers(owned, memory, {});
  ASSERT_EQ(cuts.size(), 2u);
  EXPECT_EQ(cuts[0].pod, "relay-0");
  EXPECT_EQ(cuts[0].sessions, 41200);
  EXPECT_EQ(cuts[1].pod, "relay-6");
  EXPECT_EQ(cuts[1].sessions, std::nullopt);
  EXPECT_EQ(SessionsCutMessage(cuts[0]),
            "pod relay-0 was deleted while serving, not through a drain: 41,200 sessions cut "
            "(kubectl baton drain relay-0 moves a pod without cutting its sessions)");
  EXPECT_NE(SessionsCutMessage(cuts[1]).find("an unknown number of sessions"), std::string::npos);
}

TEST(SessionsCutTest, EachPodIsReportedOnce) {
  const std::vector<PodView> owned = {Pod("relay-0", "serving", "Running", true)};
  const std::map<std::string, ReadingMemory> memory = {{"relay-0", {"i0", 10}}};
  EXPECT_EQ(FindSessionsCutByOthers(owned, memory, {}).size(), 1u);
  EXPECT_TRUE(FindSessionsCutByOthers(owned, memory, {"uid-relay-0"}).empty());
}

}  // namespace
}  // namespace baton::controller
