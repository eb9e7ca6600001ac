#include "kube/tls_setup.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace baton::kube {
namespace {

// Each case starts and ends without the variables (ctest runs each case in
// its own process; this keeps a plain run of the binary honest too).
class SkipUnusedSystemRootsTest : public ::testing::Test {
 protected:
  void SetUp() override { Clear(); }
  void TearDown() override { Clear(); }
  static void Clear() {
    unsetenv("SSL_CERT_FILE");
    unsetenv("SSL_CERT_DIR");
  }
};

TEST_F(SkipUnusedSystemRootsTest, AConfigWithItsOwnCaSkipsTheSystemBundle) {
  ClientConfig config;
  config.ca_pem = "-----BEGIN CERTIFICATE-----\n...";
  EXPECT_TRUE(SkipUnusedSystemRoots(config));
  ASSERT_NE(std::getenv("SSL_CERT_FILE"), nullptr);
  ASSERT_NE(std::getenv("SSL_CERT_DIR"), nullptr);
  EXPECT_NE(std::string(std::getenv("SSL_CERT_FILE")).find("nonexistent"), std::string::npos);
}

TEST_F(SkipUnusedSystemRootsTest, AConfigThatNeedsTheSystemRootsKeepsThem) {
  ClientConfig config;  // no CA: the API server's certificate is checked against the system roots
  EXPECT_FALSE(SkipUnusedSystemRoots(config));
  EXPECT_EQ(std::getenv("SSL_CERT_FILE"), nullptr);
}

// This machine sets SSL_CERT_FILE for every process; with the config's own
// CA it names roots that would be replaced anyway.
TEST_F(SkipUnusedSystemRootsTest, ASystemBundleSetInTheEnvironmentIsSkippedToo) {
  setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt", 1);
  ClientConfig config;
  config.insecure_skip_tls_verify = true;
  EXPECT_TRUE(SkipUnusedSystemRoots(config));
  EXPECT_NE(std::string(std::getenv("SSL_CERT_FILE")).find("nonexistent"), std::string::npos);
}

TEST_F(SkipUnusedSystemRootsTest, WithoutItsOwnCaTheEnvironmentIsLeftAlone) {
  setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt", 1);
  EXPECT_FALSE(SkipUnusedSystemRoots(ClientConfig{}));
  EXPECT_EQ(std::string(std::getenv("SSL_CERT_FILE")), "/etc/ssl/certs/ca-certificates.crt");
}

}  // namespace
}  // namespace baton::kube
