// RestClusterWriter against the real control plane: how the API server's
// answers to a pod CREATE and DELETE map onto the reconciler's contract.
#include "controller/rest_cluster_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "kube/config.h"
#include "kube/rest_client.h"
#include "test_cluster.h"

namespace baton::controller {
namespace {

using nlohmann::json;

class RestClusterWriterTest : public baton::testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (HasFatalFailure()) return;
    client_ = std::make_unique<kube::RestClient>(kube::LoadKubeconfig(cluster().kubeconfig()));
    writer_ = std::make_unique<RestClusterWriter>(*client_);
  }
  json CreatePod(const std::string& name) {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}}},
                {"spec", {{"containers", {{{"name", "c"}, {"image", "relay:v1"}}}}}}};
    return client_->Create(kube::resources::kPods, ns(), pod);
  }
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<RestClusterWriter> writer_;
};

// Issue 25: a DELETE answered 404 is done, not a stale cache to retry on.
TEST_F(RestClusterWriterTest, DeletingAPodThatIsAlreadyGoneIsDone) {
  const json pod = CreatePod("gone-0");
  const std::string uid = pod["metadata"]["uid"];
  kube::DeleteOptions now;
  now.grace_period_seconds = 0;
  client_->Delete(kube::resources::kPods, ns(), "gone-0", now);
  bool deleted = true;
  EXPECT_NO_THROW(deleted = writer_->DeletePod(ns(), "gone-0", uid));
  EXPECT_FALSE(deleted) << "a 404 deleted nothing";
}

TEST_F(RestClusterWriterTest, DeletingAPodUnderAnotherUidIsAStaleWrite) {
  CreatePod("succ-0");
  EXPECT_THROW(writer_->DeletePod(ns(), "succ-0", "not-its-uid"), StaleWrite);
}

TEST_F(RestClusterWriterTest, DeletingAPodReportsTheDelete) {
  const json pod = CreatePod("live-0");
  EXPECT_TRUE(writer_->DeletePod(ns(), "live-0", pod["metadata"]["uid"]));
}

json PodNamed(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", "relay:v1"}}}}}}};
}

std::string RefusalOf(RestClusterWriter& writer, const std::string& ns, const json& pod) {
  try {
    writer.CreatePod(ns, pod);
  } catch (const RefusedWrite& e) {
    return e.what();
  }
  return "";
}

// Issue 25: admission refuses a create -> RefusedWrite with the API server's
// own words, which the reconciler puts in the Stalled condition.
TEST_F(RestClusterWriterTest, ACreateOverTheNamespacesQuotaIsRefusedWithTheServersWords) {
  const json quota = {{"apiVersion", "v1"},
                      {"kind", "ResourceQuota"},
                      {"metadata", {{"name", "no-pods"}}},
                      {"spec", {{"hard", {{"pods", "0"}}}}}};
  const kube::Resource quotas{"", "v1", "resourcequotas", true};
  client_->Create(quotas, ns(), quota);
  // The quota controller computes its usage first; until then admission
  // refuses with "status unknown for quota", which is a refusal too but not
  // the one this test is about.
  for (int i = 0; i < 100; ++i) {
    const json q = client_->Get(quotas, ns(), "no-pods");
    if (q.contains("status") && q["status"].contains("hard")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string refusal = RefusalOf(*writer_, ns(), PodNamed("over-quota-0"));
  EXPECT_NE(refusal.find("exceeded quota: no-pods"), std::string::npos) << refusal;
}

TEST_F(RestClusterWriterTest, APodThePodSecurityLevelForbidsIsRefused) {
  json patch = {{"metadata", {{"labels", {{"pod-security.kubernetes.io/enforce", "restricted"}}}}}};
  client_->Patch(kube::resources::kNamespaces, "", ns(), kube::PatchType::Merge, patch);
  const std::string refusal = RefusalOf(*writer_, ns(), PodNamed("insecure-0"));
  EXPECT_NE(refusal.find("violates PodSecurity \"restricted"), std::string::npos) << refusal;
}

TEST_F(RestClusterWriterTest, AnInvalidPodIsRefused) {
  json pod = PodNamed("invalid-0");
  pod["spec"]["containers"][0].erase("image");
  const std::string refusal = RefusalOf(*writer_, ns(), pod);
  EXPECT_NE(refusal.find("image"), std::string::npos) << refusal;
}

}  // namespace
}  // namespace baton::controller
