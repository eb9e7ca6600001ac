#include "api/pod_selector.h"

#include <gtest/gtest.h>

namespace baton::api {
namespace {

TEST(PodSelector, TierAndKindLabelsAlways) {
  Tier tier;
  tier.kind = TierKind::Business;
  tier.metadata = {{"name", "orders"}};
  const auto labels = PodSelectorLabels(tier);
  EXPECT_EQ(labels, (std::map<std::string, std::string>{{"baton.dev/kind", "BusinessTier"},
                                                        {"baton.dev/tier", "orders"}}));
  EXPECT_EQ(SelectorString(labels), "baton.dev/kind=BusinessTier,baton.dev/tier=orders");
}

TEST(PodSelector, SelectorMatchLabelsAdded) {
  Tier tier;
  tier.metadata = {{"name", "relay"}};
  tier.spec.selector = LabelSelector{{{"app", "relay"}, {"zone", "a"}}};
  EXPECT_EQ(SelectorString(PodSelectorLabels(tier)),
            "app=relay,baton.dev/kind=RelayTier,baton.dev/tier=relay,zone=a");
}

TEST(PodSelector, BatonLabelsCannotBeOverridden) {
  Tier tier;
  tier.metadata = {{"name", "relay"}};
  tier.spec.selector = LabelSelector{{{"baton.dev/tier", "other"}}};
  EXPECT_EQ(PodSelectorLabels(tier).at("baton.dev/tier"), "relay");
}

TEST(PodSelector, EmptySetIsEmptyString) {
  EXPECT_EQ(SelectorString({}), "");
}

}  // namespace
}  // namespace baton::api
