// The local control plane does what every other test relies on: pods are
// scheduled onto kwok nodes and get loopback IPs, and pods carrying the
// pod-runner annotation are left alone for a harness to drive.
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "test_cluster.h"

namespace baton::testing {
namespace {

using nlohmann::json;

constexpr const char* kHarnessAnnotation = "harness.baton.dev/pod-runner";

class ClusterSmokeTest : public ClusterTest {
 protected:
  json GetPod(const std::string& name) {
    auto r = cluster().Kubectl({"get", "pod", name, "-n", ns(), "-o", "json"});
    if (r.exit_code != 0) return json();
    return json::parse(r.out);
  }

  // Polls until pred(pod) holds or 30 s pass; returns the last pod seen.
  template <typename Pred>
  json WaitForPod(const std::string& name, Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    json pod;
    while (std::chrono::steady_clock::now() < deadline) {
      pod = GetPod(name);
      if (pred(pod)) return pod;
      usleep(100 * 1000);
    }
    return pod;
  }

  void CreatePod(const std::string& name, bool harness) {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"namespace", ns()}}},
                {"spec", {{"containers", {{{"name", "main"}, {"image", "relay:v1"}}}}}}};
    if (harness) pod["metadata"]["annotations"][kHarnessAnnotation] = "true";
    std::string path = "/tmp/" + ns() + "-" + name + ".json";
    FILE* f = fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs(pod.dump().c_str(), f);
    fclose(f);
    cluster().KubectlOrFail({"create", "-f", path});
    unlink(path.c_str());
  }
};

bool IsLoopback(const std::string& ip) {
  return ip.rfind("127.", 0) == 0;
}

TEST_F(ClusterSmokeTest, PodIsScheduledRunsWithLoopbackIpAndIsDeleted) {
  CreatePod("plain", false);
  json pod = WaitForPod("plain", [](const json& p) {
    return p.is_object() && p["status"].value("phase", "") == "Running" &&
           p["status"].contains("podIP");
  });
  ASSERT_TRUE(pod.is_object());
  EXPECT_EQ(pod["status"].value("phase", ""), "Running");
  std::string node = pod["spec"].value("nodeName", "");
  EXPECT_EQ(node.rfind("kwok-node-", 0), 0u) << "scheduled onto " << node;
  std::string ip = pod["status"].value("podIP", "");
  EXPECT_TRUE(IsLoopback(ip)) << "pod IP " << ip;
  EXPECT_TRUE(IsLoopback(pod["status"].value("hostIP", ""))) << pod["status"].dump();

  cluster().KubectlOrFail({"delete", "pod", "plain", "-n", ns(), "--wait=false"});
  pod = WaitForPod("plain", [](const json& p) { return p.is_null(); });
  EXPECT_TRUE(pod.is_null()) << "pod still there: " << pod.dump();
}

TEST_F(ClusterSmokeTest, HarnessPodIsLeftPendingUntilTheHarnessSetsItsStatus) {
  CreatePod("owned", true);
  json pod = WaitForPod("owned", [](const json& p) {
    return p.is_object() && !p["spec"].value("nodeName", "").empty();
  });
  ASSERT_FALSE(pod["spec"].value("nodeName", "").empty()) << "never scheduled";
  // Give kwok time to act if it were going to; it must not.
  usleep(1500 * 1000);
  pod = GetPod("owned");
  EXPECT_EQ(pod["status"].value("phase", ""), "Pending");
  EXPECT_FALSE(pod["status"].contains("podIP")) << pod["status"].dump();

  // The harness now plays kubelet: IP, phase and readiness are its to set.
  json status = {{"status",
                  {{"phase", "Running"},
                   {"podIP", "127.2.0.9"},
                   {"podIPs", {{{"ip", "127.2.0.9"}}}},
                   {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
  cluster().KubectlOrFail({"patch", "pod", "owned", "-n", ns(), "--subresource=status",
                           "--type=merge", "-p", status.dump()});
  pod = GetPod("owned");
  EXPECT_EQ(pod["status"].value("phase", ""), "Running");
  EXPECT_EQ(pod["status"].value("podIP", ""), "127.2.0.9");
  usleep(1000 * 1000);
  pod = GetPod("owned");
  EXPECT_EQ(pod["status"].value("podIP", ""), "127.2.0.9") << "kwok overwrote the harness";

  // No kubelet confirms a graceful delete of a harness pod: it stays
  // Terminating until the harness removes it with grace period 0.
  cluster().KubectlOrFail({"delete", "pod", "owned", "-n", ns(), "--wait=false"});
  usleep(1500 * 1000);
  pod = GetPod("owned");
  ASSERT_TRUE(pod.is_object()) << "kwok deleted a harness pod";
  EXPECT_TRUE(pod["metadata"].contains("deletionTimestamp"));
  cluster().KubectlOrFail(
      {"delete", "pod", "owned", "-n", ns(), "--grace-period=0", "--force", "--wait=false"});
  pod = WaitForPod("owned", [](const json& p) { return p.is_null(); });
  EXPECT_TRUE(pod.is_null());
}

}  // namespace
}  // namespace baton::testing
