#include "controller/owned_objects.h"

#include <gtest/gtest.h>

#include "api/contract.h"

namespace baton::controller {
namespace {

using nlohmann::json;

api::Tier TierWith(json spec_extra) {
  json spec = {{"replicas", 3},
               {"template", {{"spec", {{"containers", {{{"name", "r"}, {"image", "relay:v1"}}}}}}}},
               {"drain", {{"port", 9090}}}};
  if (spec_extra.is_object()) spec.update(spec_extra);
  return json{{"apiVersion", "baton.dev/v1alpha1"},
              {"kind", "RelayTier"},
              {"metadata", {{"name", "relay"}, {"namespace", "chat"}, {"uid", "u1"}}},
              {"spec", spec}}
      .get<api::Tier>();
}

TEST(OwnedObjectsTest, NothingWhenTheTierAsksForNothing) {
  auto tier = TierWith({});
  EXPECT_FALSE(BuildService(tier));
  EXPECT_FALSE(BuildPodDisruptionBudget(tier));
}

TEST(OwnedObjectsTest, ServiceSelectsOnlyServingPodsOfTheTier) {
  auto tier = TierWith({{"service", {{"ports", {{{"name", "chat"}, {"port", 7000}}}}}}});
  auto svc = BuildService(tier);
  ASSERT_TRUE(svc);
  const json& sel = (*svc)["spec"]["selector"];
  EXPECT_EQ(sel[std::string(api::kLabelRole)], "serving");
  EXPECT_EQ(sel[std::string(api::kLabelTier)], "relay");
  EXPECT_EQ(sel[std::string(api::kLabelKind)], "RelayTier");
  EXPECT_EQ((*svc)["spec"]["ports"][0]["targetPort"], 7000);
  EXPECT_EQ((*svc)["spec"]["ports"][0]["name"], "chat");
  EXPECT_EQ((*svc)["metadata"]["ownerReferences"][0]["uid"], "u1");
  EXPECT_EQ((*svc)["metadata"]["name"], "relay");
}

// Issue 19: evictions wait for the drain. Before, the user's budget
// (maxUnavailable 1) let kubectl drain evict a relay holding sessions.
TEST(OwnedObjectsTest, PdbAllowsNoEvictionOfAnyPodOfTheTier) {
  auto tier = TierWith({{"podDisruptionBudget", json::object()}});
  auto pdb = BuildPodDisruptionBudget(tier);
  ASSERT_TRUE(pdb);
  const json& labels = (*pdb)["spec"]["selector"]["matchLabels"];
  EXPECT_FALSE(labels.contains(std::string(api::kLabelRole))) << "draining pods count too";
  EXPECT_EQ(labels[std::string(api::kLabelTier)], "relay");
  EXPECT_EQ((*pdb)["spec"]["minAvailable"], 2147483647) << "no tier has that many pods";
  EXPECT_FALSE((*pdb)["spec"].contains("maxUnavailable")) << "it would read the tier's scale";
  EXPECT_EQ((*pdb)["apiVersion"], "policy/v1");
}

}  // namespace
}  // namespace baton::controller
