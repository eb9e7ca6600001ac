#include "controller/revision_history.h"

#include <gtest/gtest.h>

#include "api/contract.h"

namespace baton::controller {
namespace {

using nlohmann::json;
using Names = std::vector<std::string>;

std::vector<StoredRevision> Stored(std::initializer_list<std::pair<std::string, int>> revs) {
  std::vector<StoredRevision> out;
  for (const auto& [hash, number] : revs) out.push_back({"relay-" + hash, hash, number, "u1"});
  return out;
}

TEST(RevisionHistoryTest, FirstRevisionIsNumberOne) {
  auto plan = PlanRevisionHistory({}, "a", {"a"}, 10);
  EXPECT_EQ(plan.apply_number, 1);
  EXPECT_TRUE(plan.deletes.empty());
}

TEST(RevisionHistoryTest, NewTemplateGetsTheNextNumber) {
  auto plan = PlanRevisionHistory(Stored({{"a", 1}, {"b", 2}}), "c", {"b"}, 10);
  EXPECT_EQ(plan.apply_number, 3);
}

TEST(RevisionHistoryTest, NewestUpdateRevisionIsLeftAlone) {
  auto plan = PlanRevisionHistory(Stored({{"a", 1}, {"b", 2}}), "b", {"b"}, 10);
  EXPECT_FALSE(plan.apply_number);
  EXPECT_TRUE(plan.deletes.empty());
}

TEST(RevisionHistoryTest, RollingBackRenumbersTheOldRevisionAsNewest) {
  // Undo from b to a: a is re-applied as 3, not copied; b stays as history.
  auto plan = PlanRevisionHistory(Stored({{"a", 1}, {"b", 2}}), "a", {"a", "b"}, 10);
  EXPECT_EQ(plan.apply_number, 3);
  EXPECT_TRUE(plan.deletes.empty());
}

TEST(RevisionHistoryTest, PrunesOldestUnusedBeyondTheLimit) {
  // The worked example of the header, limit 1: unused history {a, b}; a goes.
  auto stored = Stored({{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}});
  auto plan = PlanRevisionHistory(stored, "c", {"c", "d"}, 1);
  EXPECT_EQ(plan.apply_number, 5);
  EXPECT_EQ(plan.deletes, Names({"relay-a"}));
  EXPECT_TRUE(PlanRevisionHistory(stored, "c", {"c", "d"}, 2).deletes.empty());
}

TEST(RevisionHistoryTest, NeverPrunesARevisionPodsStillRun) {
  // Limit 0 keeps no history, but the pods on a (mid-rollout) keep a's revision.
  auto plan = PlanRevisionHistory(Stored({{"a", 1}, {"b", 2}, {"c", 3}}), "c", {"a", "c"}, 0);
  EXPECT_EQ(plan.deletes, Names({"relay-b"}));
}

TEST(RevisionHistoryTest, ControllerRevisionCarriesTheTemplateAndTheLabels) {
  json tmpl = {{"spec", {{"containers", {{{"name", "r"}, {"image", "relay:v1"}}}}}}};
  auto tier = json{{"apiVersion", "baton.dev/v1alpha1"},
                   {"kind", "RelayTier"},
                   {"metadata", {{"name", "relay"}, {"namespace", "chat"}, {"uid", "u1"}}},
                   {"spec", {{"replicas", 2}, {"template", tmpl}, {"drain", {{"port", 9090}}}}}}
                  .get<api::Tier>();
  auto cr = BuildControllerRevision(tier, "abc", 7);
  EXPECT_EQ(cr["apiVersion"], "apps/v1");
  EXPECT_EQ(cr["metadata"]["name"], "relay-abc");
  EXPECT_EQ(cr["metadata"]["labels"][std::string(api::kLabelRevision)], "abc");
  EXPECT_EQ(cr["metadata"]["labels"][std::string(api::kLabelTier)], "relay");
  EXPECT_EQ(cr["metadata"]["ownerReferences"][0]["uid"], "u1");
  EXPECT_EQ(cr["data"]["spec"]["template"], tier.spec.pod_template);
  EXPECT_EQ(cr["revision"], 7);

  auto parsed = ParseStoredRevision(cr);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->hash, "abc");
  EXPECT_EQ(parsed->number, 7);
  EXPECT_EQ(parsed->controller_uid, "u1");  // its tier, the owner BuildControllerRevision set
  EXPECT_FALSE(ParseStoredRevision(json{{"metadata", {{"name", "other"}}}}));
}

}  // namespace
}  // namespace baton::controller
