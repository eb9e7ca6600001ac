#include "kubeconfig_credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace baton::examples {
namespace {

TEST(LoadKubeconfigCredentials, ReadsServerCaAndToken) {
  const std::string dir = ::testing::TempDir();
  const std::string path = dir + "/token_review_kubeconfig.yaml";
  std::ofstream(dir + "/tok") << "abc\n";
  std::ofstream(path) << R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: ca.crt}
users:
- name: u
  user: {tokenFile: tok}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
)";
  std::string error;
  auto c = LoadKubeconfigCredentials(path, error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 6443);
  EXPECT_EQ(c->token, "abc");
  EXPECT_EQ(std::filesystem::path(c->ca_file), std::filesystem::path(dir) / "ca.crt");
}

TEST(LoadKubeconfigCredentials, RefusesPlainHttpAndMissingCa) {
  const std::string path = ::testing::TempDir() + "/token_review_bad.yaml";
  std::ofstream(path) << R"(clusters: [{name: c, cluster: {server: "http://127.0.0.1:8080"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)";
  std::string error;
  EXPECT_FALSE(LoadKubeconfigCredentials(path, error));
  EXPECT_NE(error.find("https"), std::string::npos) << error;
  std::ofstream(path) << R"(clusters: [{name: c, cluster: {server: "https://127.0.0.1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)";
  EXPECT_FALSE(LoadKubeconfigCredentials(path, error));
  EXPECT_NE(error.find("certificate-authority"), std::string::npos) << error;
  EXPECT_FALSE(LoadKubeconfigCredentials("/nonexistent/kubeconfig", error));
}

}  // namespace
}  // namespace baton::examples
