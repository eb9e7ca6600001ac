// RestClusterWriter against the real control plane: how the API server's
// answers to a pod DELETE map onto the reconciler's contract.
#include "controller/rest_cluster_writer.h"

#include <gtest/gtest.h>

#include <memory>

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

}  // namespace
}  // namespace baton::controller
