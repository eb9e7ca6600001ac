#include "kube/resource.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace baton::kube {
namespace {

using namespace resources;  // NOLINT: test brevity

TEST(ResourcePathTest, CoreGroup) {
  EXPECT_EQ(ResourcePath(kPods, "ns1"), "/api/v1/namespaces/ns1/pods");
  EXPECT_EQ(ResourcePath(kPods, ""), "/api/v1/pods");  // all namespaces
  EXPECT_EQ(ResourcePath(kPods, "ns1", "p"), "/api/v1/namespaces/ns1/pods/p");
  EXPECT_EQ(ResourcePath(kPods, "ns1", "p", "status"), "/api/v1/namespaces/ns1/pods/p/status");
  EXPECT_EQ(ResourcePath(kNamespaces, "", "kube-system"), "/api/v1/namespaces/kube-system");
}

TEST(ResourcePathTest, NamedGroupsAndCustomResources) {
  EXPECT_EQ(ResourcePath(kLeases, "ops", "baton"),
            "/apis/coordination.k8s.io/v1/namespaces/ops/leases/baton");
  EXPECT_EQ(ResourcePath(kRelayTiers, "chat", "relay", "scale"),
            "/apis/baton.dev/v1alpha1/namespaces/chat/relaytiers/relay/scale");
  EXPECT_EQ(ResourcePath(kSessionTiers, ""), "/apis/baton.dev/v1alpha1/sessiontiers");
  EXPECT_EQ(ResourcePath(kCustomResourceDefinitions, "", "x.y.z"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.y.z");
  EXPECT_EQ(kBusinessTiers.ApiVersion(), "baton.dev/v1alpha1");
  EXPECT_EQ(kPods.ApiVersion(), "v1");
}

TEST(ResourcePathTest, ScopeMistakesAreRefused) {
  EXPECT_THROW(ResourcePath(kNamespaces, "ns1"), std::invalid_argument);
  EXPECT_THROW(ResourcePath(kPods, "", "p"), std::invalid_argument);
  EXPECT_THROW(ResourcePath(kPods, "ns", "", "status"), std::invalid_argument);
  EXPECT_THROW(ResourcePath(Resource{"g", "", "x", true}, "ns"), std::invalid_argument);
}

TEST(ResourcePathTest, NamesAreEscaped) {
  EXPECT_EQ(ResourcePath(kConfigMaps, "ns", "a b/c"), "/api/v1/namespaces/ns/configmaps/a%20b%2Fc");
  EXPECT_EQ(PercentEncode("a-b.c_d~e"), "a-b.c_d~e");
  EXPECT_EQ(PercentEncode("x=1&y"), "x%3D1%26y");
}

}  // namespace
}  // namespace baton::kube
