// Shared GoogleTest support for integration and end-to-end tests.
//
// TestCluster finds the control plane named by KUBECONFIG (when it answers)
// or starts one with scripts/cluster for the life of the test binary.
// ClusterTest gives every test a fresh namespace, deleted afterwards.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace baton::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv[0] with argv (no shell), capturing stdout and stderr.
CommandResult RunCommand(const std::vector<std::string>& argv);

class TestCluster {
 public:
  // The process-wide cluster; starts one on first use if none is reachable.
  static TestCluster& Get();

  const std::string& kubeconfig() const { return kubeconfig_; }
  const std::string& repo_root() const { return repo_root_; }

  // kubectl (the cluster's own release) against this cluster; args are passed without a shell.
  CommandResult Kubectl(const std::vector<std::string>& args) const;
  // Like Kubectl, but fails the current test (and returns stdout) on non-zero exit.
  std::string KubectlOrFail(const std::vector<std::string>& args) const;

  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

 private:
  TestCluster();
  std::string repo_root_;
  std::string kubeconfig_;
  std::string kubectl_;
  std::string state_dir_;  // set when this process started the cluster
  bool started_here_ = false;
};

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  TestCluster& cluster() { return TestCluster::Get(); }
  const std::string& ns() const { return namespace_; }

 private:
  std::string namespace_;
};

}  // namespace baton::testing
