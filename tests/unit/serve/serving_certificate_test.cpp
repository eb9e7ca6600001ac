#include "serve/serving_certificate.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>

#include "serve/http_endpoints.h"

namespace baton::serve {
namespace {

namespace fs = std::filesystem;

// testdata/{a,b}.{crt,key}: test-only pairs for 127.0.0.1, made with
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500
//     -subj /CN=metrics-test-a -addext subjectAltName=IP:127.0.0.1,DNS:localhost
const fs::path kTestData = fs::path(BATON_UNIT_TEST_DIR) / "testdata";

class CertDir {
 public:
  CertDir() : path_(fs::temp_directory_path() / ("baton-cert-" + std::to_string(getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~CertDir() { fs::remove_all(path_); }
  // Replaced by rename, as a Secret volume's atomic update does.
  void Put(const std::string& name, const std::string& content) {
    const fs::path tmp = path_ / (name + ".new");
    std::ofstream(tmp, std::ios::binary) << content;
    fs::rename(tmp, path_ / name);
  }
  void Use(const std::string& pair) {
    Put("tls.crt", Read(kTestData / (pair + ".crt")));
    Put("tls.key", Read(kTestData / (pair + ".key")));
  }
  static std::string Read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

// Whether an HTTPS GET to 127.0.0.1:port verifies against `ca_file` only.
bool Verifies(int port, const fs::path& ca_file) {
  httplib::SSLClient client("127.0.0.1", port);
  client.set_ca_cert_path(ca_file.c_str());
  client.enable_server_certificate_verification(true);
  auto res = client.Get("/healthz");
  return res && res->status == 200;
}

TEST(ServingCertificateTest, ServesTheDirectorysPairAndItsRenewalWithoutARestart) {
  CertDir dir;
  dir.Use("a");
  auto certificate = ServingCertificate::FromDirectory(dir.path());
  HttpEndpoints server({"127.0.0.1", 0, certificate});
  server.ServeProbes(nullptr, nullptr);
  server.Start();
  EXPECT_TRUE(Verifies(server.port(), kTestData / "a.crt"));
  EXPECT_FALSE(Verifies(server.port(), kTestData / "b.crt"));

  dir.Use("b");  // cert-manager renewed it
  EXPECT_TRUE(Verifies(server.port(), kTestData / "b.crt"));
  EXPECT_FALSE(Verifies(server.port(), kTestData / "a.crt"));
  EXPECT_EQ(certificate->CertificatePem(), CertDir::Read(kTestData / "b.crt"));

  // A key that does not match (a half-written update): the last good pair stays.
  dir.Put("tls.key", CertDir::Read(kTestData / "a.key"));
  EXPECT_TRUE(Verifies(server.port(), kTestData / "b.crt"));
  dir.Put("tls.crt", "not a certificate");
  EXPECT_TRUE(Verifies(server.port(), kTestData / "b.crt"));
  // The update completes.
  dir.Put("tls.crt", CertDir::Read(kTestData / "a.crt"));
  EXPECT_TRUE(Verifies(server.port(), kTestData / "a.crt"));
}

TEST(ServingCertificateTest, ADirectoryThatCannotServeIsAnErrorAtStart) {
  CertDir dir;
  EXPECT_THROW(ServingCertificate::FromDirectory(dir.path()), std::runtime_error);
  dir.Put("tls.crt", CertDir::Read(kTestData / "a.crt"));
  dir.Put("tls.key", CertDir::Read(kTestData / "b.key"));
  EXPECT_THROW(ServingCertificate::FromDirectory(dir.path()), std::runtime_error);
  dir.Put("tls.key", "garbage");
  EXPECT_THROW(ServingCertificate::FromDirectory(dir.path()), std::runtime_error);
}

TEST(ServingCertificateTest, SelfSignedIsMadeInMemoryForTheGivenHosts) {
  auto certificate = ServingCertificate::SelfSigned({"localhost", "", "127.0.0.1"});
  const std::string pem = certificate->CertificatePem();
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  EXPECT_NE(pem, ServingCertificate::SelfSigned({"127.0.0.1"})->CertificatePem())
      << "each start makes its own key";
  HttpEndpoints server({"127.0.0.1", 0, certificate});
  server.ServeProbes(nullptr, nullptr);
  server.Start();
  CertDir dir;
  dir.Put("ca.crt", pem);
  // Trusted as itself: its name (IP SAN 127.0.0.1) and signature check out.
  EXPECT_TRUE(Verifies(server.port(), fs::path(dir.path()) / "ca.crt"));
  EXPECT_FALSE(Verifies(server.port(), kTestData / "a.crt"));
}

}  // namespace
}  // namespace baton::serve
