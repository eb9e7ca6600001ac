#include "api_server_credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace baton::examples {
namespace {

namespace fs = std::filesystem;

// A scratch directory per test with a kubeconfig and a ServiceAccount mount.
class ApiServerCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("api_server_credentials_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sa");
    std::ofstream(dir_ / "sa" / "token") << "in-cluster-token\n";
    std::ofstream(dir_ / "sa" / "ca.crt") << "ca";
    WriteKubeconfig("flag.yaml", "https://127.0.0.1:6443", "flag-token");
    WriteKubeconfig("env.yaml", "https://127.0.0.2:7443", "env-token");
  }

  void WriteKubeconfig(const std::string& name, const std::string& server,
                       const std::string& token) {
    std::ofstream(dir_ / name) << "clusters: [{name: c, cluster: {server: \"" << server
                               << "\", certificate-authority: ca.crt}}]\n"
                               << "users: [{name: u, user: {token: " << token << "}}]\n"
                               << "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                               << "current-context: x\n";
  }

  ApiServerCredentialSources Sources(std::string flag) {
    return {std::move(flag),
            [this](const char* name) {
              auto it = env_.find(name);
              return it == env_.end() ? std::string() : it->second;
            },
            (dir_ / "sa").string()};
  }

  fs::path dir_;
  std::map<std::string, std::string> env_ = {{"KUBERNETES_SERVICE_HOST", "127.0.0.9"},
                                             {"KUBERNETES_SERVICE_PORT", "8443"}};
};

TEST_F(ApiServerCredentialsTest, TheFlagComesFirst) {
  env_["KUBECONFIG"] = (dir_ / "env.yaml").string();
  std::string error;
  auto found = FindApiServerCredentials(Sources((dir_ / "flag.yaml").string()), error);
  ASSERT_TRUE(found) << error;
  EXPECT_EQ(found->credentials.token, "flag-token");
  EXPECT_NE(found->origin.find("--token-review-kubeconfig"), std::string::npos);
}

TEST_F(ApiServerCredentialsTest, ThenTheFirstExistingFileOfKubeconfig) {
  env_["KUBECONFIG"] = (dir_ / "missing.yaml").string() + ":" + (dir_ / "env.yaml").string();
  std::string error;
  auto found = FindApiServerCredentials(Sources(""), error);
  ASSERT_TRUE(found) << error;
  EXPECT_EQ(found->credentials.host, "127.0.0.2");
  EXPECT_EQ(found->credentials.port, 7443);
  EXPECT_EQ(found->credentials.token, "env-token");

  // A KUBECONFIG naming nothing is an error, not a silent fall back.
  env_["KUBECONFIG"] = (dir_ / "missing.yaml").string();
  EXPECT_FALSE(FindApiServerCredentials(Sources(""), error));
  EXPECT_NE(error.find("KUBECONFIG"), std::string::npos) << error;
}

TEST_F(ApiServerCredentialsTest, ThenTheInClusterMountReReadOnUse) {
  std::string error;
  auto found = FindApiServerCredentials(Sources(""), error);
  ASSERT_TRUE(found) << error;
  const KubeconfigCredentials& c = found->credentials;
  EXPECT_EQ(c.host, "127.0.0.9");
  EXPECT_EQ(c.port, 8443);
  EXPECT_EQ(fs::path(c.ca_file), dir_ / "sa" / "ca.crt");
  EXPECT_EQ(CurrentToken(c), "in-cluster-token");
  // kubelet rotates the projected token in place.
  std::ofstream(dir_ / "sa" / "token") << "rotated\n";
  EXPECT_EQ(CurrentToken(c), "rotated");
}

TEST_F(ApiServerCredentialsTest, NothingToFindNamesEverySource) {
  env_.clear();
  std::string error;
  EXPECT_FALSE(FindApiServerCredentials(Sources(""), error));
  for (const char* source :
       {"--token-review-kubeconfig", "KUBECONFIG", "KUBERNETES_SERVICE_HOST"}) {
    EXPECT_NE(error.find(source), std::string::npos) << source << " missing from: " << error;
  }
  env_ = {{"KUBERNETES_SERVICE_HOST", "127.0.0.9"}, {"KUBERNETES_SERVICE_PORT", "https"}};
  EXPECT_FALSE(FindApiServerCredentials(Sources(""), error));
}

}  // namespace
}  // namespace baton::examples
