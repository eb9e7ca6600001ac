#include "kube/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "kube/base64.h"
#include "test_pki.h"

namespace baton::kube {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Shared key material: generating keys per test would dominate run time.
const testing::TestPki& Ca() {
  static const testing::TestPki pki = testing::MakeTestPki("test-ca");
  return pki;
}
const testing::TestPki& Client() {
  static const testing::TestPki pki = testing::MakeTestPki("test-client");
  return pki;
}
const testing::TestPki& Other() {
  static const testing::TestPki pki = testing::MakeTestPki("someone-else");
  return pki;
}

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("kube-config-test-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& rel, const std::string& content) {
    const fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  // Loads `yaml` written as <dir>/config and returns the ConfigError message
  // ("" when it loaded).
  std::string ErrorOf(const std::string& yaml, const std::string& context = {}) {
    const fs::path p = Write("config", yaml);
    try {
      LoadKubeconfig(p, context);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  // A complete, valid kubeconfig with inline data; tests break one piece.
  static std::string GoodInline() {
    return "apiVersion: v1\n"
           "kind: Config\n"
           "current-context: main\n"
           "clusters:\n"
           "- name: c1\n"
           "  cluster:\n"
           "    server: https://127.0.0.1:6443/\n"
           "    certificate-authority-data: " +
           EncodeBase64(Ca().cert_pem) +
           "\n"
           "users:\n"
           "- name: u1\n"
           "  user:\n"
           "    client-certificate-data: " +
           EncodeBase64(Client().cert_pem) +
           "\n"
           "    client-key-data: " +
           EncodeBase64(Client().key_pem) +
           "\n"
           "- name: robot\n"
           "  user:\n"
           "    token: abc.def.ghi\n"
           "contexts:\n"
           "- name: main\n"
           "  context: {cluster: c1, user: u1, namespace: team-a}\n"
           "- name: bot\n"
           "  context: {cluster: c1, user: robot}\n";
  }

  fs::path dir_;
};

TEST_F(KubeconfigTest, InlineDataAndCurrentContext) {
  const auto p = Write("config", GoodInline());
  const ClientConfig c = LoadKubeconfig(p);
  EXPECT_EQ(c.server, "https://127.0.0.1:6443");  // trailing slash dropped
  EXPECT_EQ(c.ca_pem, Ca().cert_pem);
  EXPECT_EQ(c.client_cert_pem, Client().cert_pem);
  EXPECT_EQ(c.client_key_pem, Client().key_pem);
  EXPECT_EQ(c.default_namespace, "team-a");
  EXPECT_TRUE(c.bearer_token.empty());
  EXPECT_FALSE(c.insecure_skip_tls_verify);
  EXPECT_THAT(c.source, HasSubstr("context main"));
}

TEST_F(KubeconfigTest, ContextOverrideSelectsAnotherUser) {
  const auto p = Write("config", GoodInline());
  const ClientConfig c = LoadKubeconfig(p, "bot");
  EXPECT_EQ(c.bearer_token, "abc.def.ghi");
  EXPECT_TRUE(c.client_cert_pem.empty());
  EXPECT_EQ(c.default_namespace, "default");
}

TEST_F(KubeconfigTest, RelativeFilesResolveAgainstKubeconfigDirectory) {
  Write("kc/pki/ca.crt", Ca().cert_pem);
  Write("kc/pki/client.crt", Client().cert_pem);
  Write("kc/pki/client.key", Client().key_pem);
  Write("kc/secrets/token", "  tok-from-file\n");
  const auto p = Write("kc/config",
                       "current-context: x\n"
                       "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', "
                       "certificate-authority: pki/ca.crt}}]\n"
                       "users: [{name: u, user: {client-certificate: pki/client.crt, "
                       "client-key: ./pki/client.key, tokenFile: secrets/token}}]\n"
                       "contexts: [{name: x, context: {cluster: c, user: u}}]\n");
  // Load from a different working directory to prove the base is the file's.
  const fs::path old_cwd = fs::current_path();
  fs::current_path(fs::temp_directory_path());
  ClientConfig c;
  ASSERT_NO_THROW(c = LoadKubeconfig(p));
  fs::current_path(old_cwd);
  EXPECT_EQ(c.ca_pem, Ca().cert_pem);
  EXPECT_EQ(c.client_cert_pem, Client().cert_pem);
  EXPECT_EQ(c.client_key_pem, Client().key_pem);
  EXPECT_EQ(c.bearer_token_file, (dir_ / "kc/secrets/token").lexically_normal());
}

TEST_F(KubeconfigTest, AnonymousUserAndInsecureFlag) {
  const auto p = Write("config",
                       "current-context: x\n"
                       "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', "
                       "insecure-skip-tls-verify: true}}]\n"
                       "contexts: [{name: x, context: {cluster: c}}]\n");
  const ClientConfig c = LoadKubeconfig(p);
  EXPECT_TRUE(c.insecure_skip_tls_verify);
  EXPECT_TRUE(c.ca_pem.empty());
  EXPECT_TRUE(c.bearer_token.empty());
}

TEST_F(KubeconfigTest, ErrorsStartWithTheFileName) {
  const std::string err = ErrorOf("current-context: nope\ncontexts: []\n");
  EXPECT_THAT(err, StartsWith("kubeconfig " + (dir_ / "config").string() + ": "));
}

TEST_F(KubeconfigTest, MissingFile) {
  try {
    LoadKubeconfig(dir_ / "absent");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("absent: cannot read: No such file or directory"));
  }
}

// Each broken kubeconfig must name its problem: the field path and why.
struct BrokenCase {
  const char* name;
  std::string yaml;
  std::string context;
  std::string expected;  // substring of the error
};

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  if (pos == std::string::npos) throw std::logic_error("test bug: no '" + from + "'");
  return s.replace(pos, from.size(), to);
}

TEST_F(KubeconfigTest, BrokenFilesNameTheirProblem) {
  const std::string good = GoodInline();
  const std::string ca_line = "certificate-authority-data: " + EncodeBase64(Ca().cert_pem);
  const std::string key_line = "client-key-data: " + EncodeBase64(Client().key_pem);
  const std::string cert_line = "client-certificate-data: " + EncodeBase64(Client().cert_pem);
  const std::vector<BrokenCase> cases = {
      {"not yaml", "clusters: [unclosed", "", "not valid YAML"},
      {"empty", "", "", "empty file"},
      {"scalar top", "just a string", "", "top level must be a map"},
      {"no current context", Replace(good, "current-context: main\n", ""), "",
       "current-context: not set"},
      {"unknown override", good, "ghost", "contexts: no context named \"ghost\""},
      {"context to missing cluster",
       Replace(good, "{cluster: c1, user: u1", "{cluster: c9, user: u1"), "",
       "contexts[0].context.cluster: no cluster named \"c9\""},
      {"context without cluster", Replace(good, "{cluster: c1, user: u1", "{user: u1"), "",
       "contexts[0].context.cluster: missing"},
      {"context to missing user", Replace(good, "user: u1,", "user: ghost,"), "",
       "contexts[0].context.user: no user named \"ghost\""},
      {"no server", Replace(good, "    server: https://127.0.0.1:6443/\n", ""), "",
       "clusters[0].cluster.server: missing"},
      {"server not a url", Replace(good, "https://127.0.0.1:6443/", "127.0.0.1:6443"), "",
       "clusters[0].cluster.server: \"127.0.0.1:6443\" is not an http(s) URL"},
      {"ca data not base64", Replace(good, ca_line, "certificate-authority-data: '@@not base64@@'"),
       "", "clusters[0].cluster.certificate-authority-data: not valid base64"},
      {"ca data not pem",
       Replace(good, ca_line, "certificate-authority-data: " + EncodeBase64("hello")), "",
       "clusters[0].cluster.certificate-authority-data: no PEM certificate found"},
      {"ca file missing", Replace(good, ca_line, "certificate-authority: missing/ca.crt"), "",
       "clusters[0].cluster.certificate-authority: cannot read " +
           (dir_ / "missing/ca.crt").string() + ": No such file or directory"},
      {"ca twice", Replace(good, ca_line, ca_line + "\n    certificate-authority: /etc/hostname"),
       "",
       "clusters[0].cluster: certificate-authority and certificate-authority-data are both set"},
      {"insecure with ca", Replace(good, ca_line, ca_line + "\n    insecure-skip-tls-verify: true"),
       "", "insecure-skip-tls-verify cannot be combined with a certificate authority"},
      {"insecure not bool",
       Replace(good, ca_line, ca_line + "\n    insecure-skip-tls-verify: maybe"), "",
       "clusters[0].cluster.insecure-skip-tls-verify: must be true or false, got \"maybe\""},
      {"key data not base64", Replace(good, key_line, "client-key-data: 'abc'"), "",
       "users[0].user.client-key-data: not valid base64"},
      {"key data not a key",
       Replace(good, key_line, "client-key-data: " + EncodeBase64(Client().cert_pem)), "",
       "users[0].user.client-key-data: no PEM private key found"},
      {"key of another cert",
       Replace(good, key_line, "client-key-data: " + EncodeBase64(Other().key_pem)), "",
       "users[0].user.client-key-data: private key does not match the client certificate"},
      {"cert without key", Replace(good, "    " + key_line + "\n", ""), "",
       "users[0].user: client-certificate is set but client-key is missing"},
      {"key without cert", Replace(good, "    " + cert_line + "\n", ""), "",
       "users[0].user: client-key is set but client-certificate is missing"},
      {"cert file missing", Replace(good, cert_line, "client-certificate: nope.crt"), "",
       "users[0].user.client-certificate: cannot read"},
      {"exec plugin", Replace(good, "    token: abc.def.ghi\n", "    exec: {command: aws}\n"),
       "bot", "users[1].user.exec: exec credential plugins are not supported"},
      {"auth provider",
       Replace(good, "    token: abc.def.ghi\n", "    auth-provider: {name: gcp}\n"), "bot",
       "users[1].user.auth-provider: auth providers are not supported"},
      {"basic auth", Replace(good, "    token: abc.def.ghi\n", "    username: admin\n"), "bot",
       "users[1].user.username: basic authentication is not supported"},
      {"empty token", Replace(good, "token: abc.def.ghi", "token: '  '"), "bot",
       "users[1].user.token: empty"},
      {"token not string", Replace(good, "token: abc.def.ghi", "token: [a, b]"), "bot",
       "users[1].user.token: must be a string"},
      {"token file missing", Replace(good, "token: abc.def.ghi", "tokenFile: no-such-token"), "bot",
       "users[1].user.tokenFile: cannot read " + (dir_ / "no-such-token").string()},
      {"clusters not a list",
       Replace(good, "clusters:\n- name: c1\n  cluster:\n", "clusters: 7\nx:\n  cluster:\n"), "",
       "clusters: must be a list"},
      {"entry without name", Replace(good, "- name: c1\n", "- cluster_name: c1\n"), "",
       "clusters[0].name: missing"},
      {"context not a map",
       Replace(good,
               "contexts:\n- name: main\n  context: {cluster: c1, user: u1, namespace: team-a}\n",
               "contexts:\n- name: main\n  context: oops\n"),
       "", "contexts[0].context: missing or not a map"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string err = ErrorOf(c.yaml, c.context);
    EXPECT_THAT(err, HasSubstr(c.expected));
    EXPECT_THAT(err, StartsWith("kubeconfig "));
  }
}

// --- in-cluster and default search order ---

class EnvGuard {
 public:
  explicit EnvGuard(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) old_ = v;
  }
  ~EnvGuard() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class InClusterTest : public KubeconfigTest {
 protected:
  EnvGuard host_{"KUBERNETES_SERVICE_HOST"};
  EnvGuard port_{"KUBERNETES_SERVICE_PORT"};
  EnvGuard kubeconfig_{"KUBECONFIG"};
  EnvGuard home_{"HOME"};

  InClusterPaths Paths() {
    InClusterPaths p;
    p.token = dir_ / "sa/token";
    p.ca = dir_ / "sa/ca.crt";
    p.namespace_file = dir_ / "sa/namespace";
    return p;
  }
};

TEST_F(InClusterTest, ReadsServiceAccountFiles) {
  setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
  Write("sa/token", "sa-token\n");
  Write("sa/ca.crt", Ca().cert_pem);
  Write("sa/namespace", "operators\n");
  const ClientConfig c = InClusterConfig(Paths());
  EXPECT_EQ(c.server, "https://127.0.0.1:6443");
  EXPECT_EQ(c.bearer_token_file, dir_ / "sa/token");
  EXPECT_TRUE(c.bearer_token.empty());  // by file, so rotation is seen
  EXPECT_EQ(c.ca_pem, Ca().cert_pem);
  EXPECT_EQ(c.default_namespace, "operators");
}

TEST_F(InClusterTest, Ipv6HostIsBracketed) {
  setenv("KUBERNETES_SERVICE_HOST", "::1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  Write("sa/token", "t");
  Write("sa/ca.crt", Ca().cert_pem);
  EXPECT_EQ(InClusterConfig(Paths()).server, "https://[::1]:443");
}

TEST_F(InClusterTest, ErrorsNameWhatIsMissing) {
  unsetenv("KUBERNETES_SERVICE_HOST");
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  EXPECT_THROW(
      {
        try {
          InClusterConfig(Paths());
        } catch (const ConfigError& e) {
          EXPECT_THAT(e.what(), HasSubstr("KUBERNETES_SERVICE_HOST"));
          throw;
        }
      },
      ConfigError);

  setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  try {
    InClusterConfig(Paths());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("token " + (dir_ / "sa/token").string()));
  }
  Write("sa/token", "t");
  Write("sa/ca.crt", "garbage");
  try {
    InClusterConfig(Paths());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("CA " + (dir_ / "sa/ca.crt").string() + ": no PEM certificate found"));
  }
}

TEST_F(InClusterTest, LoadDefaultUsesFirstExistingKubeconfigEntry) {
  const auto p = Write("second", GoodInline());
  const std::string list = (dir_ / "first-missing").string() + ":" + p.string();
  setenv("KUBECONFIG", list.c_str(), 1);
  EXPECT_EQ(LoadDefault().default_namespace, "team-a");
  EXPECT_EQ(LoadDefault("bot").bearer_token, "abc.def.ghi");

  setenv("KUBECONFIG", (dir_ / "none").c_str(), 1);
  try {
    LoadDefault();
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("KUBECONFIG=" + (dir_ / "none").string()));
  }
}

TEST_F(InClusterTest, LoadDefaultFallsBackToHomeThenInCluster) {
  unsetenv("KUBECONFIG");
  setenv("HOME", dir_.c_str(), 1);
  Write(".kube/config", GoodInline());
  EXPECT_EQ(LoadDefault().server, "https://127.0.0.1:6443");

  fs::remove(dir_ / ".kube/config");
  unsetenv("KUBERNETES_SERVICE_HOST");
  // No kubeconfig anywhere: in-cluster is tried, and says what it lacks.
  try {
    LoadDefault();
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("in-cluster config"));
  }
}

}  // namespace
}  // namespace baton::kube
