#include "kube/config.h"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "kube/base64.h"
#include "kube/pem_check.h"

namespace baton::kube {
namespace {

namespace fs = std::filesystem;

// Reads a whole file; nullopt plus errno text in `why` on failure.
std::optional<std::string> ReadFile(const fs::path& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    why = "read error";
    return std::nullopt;
  }
  return buf.str();
}

std::string Trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// Builds the errors of one kubeconfig document; every message starts with
// "kubeconfig <origin>: <field path>: ".
class KubeconfigReader {
 public:
  KubeconfigReader(std::string origin, fs::path base_dir)
      : origin_(std::move(origin)), base_dir_(std::move(base_dir)) {}

  [[noreturn]] void Fail(const std::string& field, const std::string& problem) const {
    throw ConfigError("kubeconfig " + origin_ + ": " + field + ": " + problem);
  }

  // A string field; nullopt when absent or null. Non-scalars are errors.
  std::optional<std::string> String(const YAML::Node& parent, const std::string& key,
                                    const std::string& field) const {
    const YAML::Node node = parent[key];
    if (!node || node.IsNull()) return std::nullopt;
    if (!node.IsScalar()) Fail(field, "must be a string");
    return node.Scalar();
  }

  bool Bool(const YAML::Node& parent, const std::string& key, const std::string& field) const {
    const YAML::Node node = parent[key];
    if (!node || node.IsNull()) return false;
    if (!node.IsScalar()) Fail(field, "must be true or false");
    const std::string& v = node.Scalar();
    if (v == "true" || v == "True" || v == "TRUE") return true;
    if (v == "false" || v == "False" || v == "FALSE") return false;
    Fail(field, "must be true or false, got \"" + v + "\"");
  }

  fs::path Resolve(const std::string& file) const {
    fs::path p(file);
    if (p.is_relative()) p = base_dir_ / p;
    return p.lexically_normal();
  }

  std::string ReadReferencedFile(const std::string& file, const std::string& field) const {
    if (file.empty()) Fail(field, "empty file name");
    std::string why;
    const fs::path path = Resolve(file);
    auto data = ReadFile(path, why);
    if (!data) Fail(field, "cannot read " + path.string() + ": " + why);
    return *data;
  }

  // Loads a PEM field that comes either inline (<key>-data, base64) or as a
  // file (<key>); both at once is ambiguous and refused.
  std::optional<std::string> PemField(const YAML::Node& parent, const std::string& key,
                                      const std::string& prefix) const {
    const auto file = String(parent, key, prefix + "." + key);
    const auto data = String(parent, key + "-data", prefix + "." + key + "-data");
    if (file && data) {
      Fail(prefix, key + " and " + key + "-data are both set; give only one");
    }
    if (data) {
      auto decoded = DecodeBase64(*data);
      if (!decoded) Fail(prefix + "." + key + "-data", "not valid base64");
      if (decoded->empty()) Fail(prefix + "." + key + "-data", "empty");
      return decoded;
    }
    if (file) return ReadReferencedFile(*file, prefix + "." + key);
    return std::nullopt;
  }

  // Finds the entry named `name` in a list of {name, <inner>}; returns its
  // index, or -1.
  int FindNamed(const YAML::Node& list, const std::string& list_name,
                const std::string& name) const {
    if (!list || list.IsNull()) return -1;
    if (!list.IsSequence()) Fail(list_name, "must be a list");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string at = list_name + "[" + std::to_string(i) + "]";
      if (!list[i].IsMap()) Fail(at, "must be a map");
      const auto entry_name = String(list[i], "name", at + ".name");
      if (!entry_name) Fail(at + ".name", "missing");
      if (*entry_name == name) return static_cast<int>(i);
    }
    return -1;
  }

  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  fs::path base_dir_;
};

void ReadCluster(const KubeconfigReader& r, const YAML::Node& entry, const std::string& at,
                 ClientConfig& config) {
  const YAML::Node cluster = entry["cluster"];
  if (!cluster || !cluster.IsMap()) r.Fail(at + ".cluster", "missing or not a map");
  const std::string prefix = at + ".cluster";

  auto server = r.String(cluster, "server", prefix + ".server");
  if (!server || server->empty()) r.Fail(prefix + ".server", "missing");
  if (server->rfind("https://", 0) != 0 && server->rfind("http://", 0) != 0) {
    r.Fail(prefix + ".server", "\"" + *server + "\" is not an http(s) URL");
  }
  while (!server->empty() && server->back() == '/') server->pop_back();
  config.server = *server;

  if (auto ca = r.PemField(cluster, "certificate-authority", prefix)) {
    if (auto bad = CheckCertificatesPem(*ca)) {
      const bool inline_data = static_cast<bool>(cluster["certificate-authority-data"]);
      r.Fail(prefix + (inline_data ? ".certificate-authority-data" : ".certificate-authority"),
             *bad);
    }
    config.ca_pem = std::move(*ca);
  }
  config.insecure_skip_tls_verify =
      r.Bool(cluster, "insecure-skip-tls-verify", prefix + ".insecure-skip-tls-verify");
  if (config.insecure_skip_tls_verify && !config.ca_pem.empty()) {
    // client-go refuses this combination too: the intent is contradictory.
    r.Fail(prefix, "insecure-skip-tls-verify cannot be combined with a certificate authority");
  }
  if (auto name = r.String(cluster, "tls-server-name", prefix + ".tls-server-name")) {
    config.tls_server_name = *name;
  }
  if (cluster["proxy-url"]) r.Fail(prefix + ".proxy-url", "proxies are not supported");
}

void ReadUser(const KubeconfigReader& r, const YAML::Node& entry, const std::string& at,
              ClientConfig& config) {
  const YAML::Node user = entry["user"];
  if (!user || user.IsNull()) return;  // an empty user means anonymous
  if (!user.IsMap()) r.Fail(at + ".user", "must be a map");
  const std::string prefix = at + ".user";

  // Refuse what we cannot honour instead of silently connecting without it.
  if (user["exec"]) r.Fail(prefix + ".exec", "exec credential plugins are not supported");
  if (user["auth-provider"]) {
    r.Fail(prefix + ".auth-provider", "auth providers are not supported");
  }
  if (user["username"] || user["password"]) {
    r.Fail(prefix + ".username", "basic authentication is not supported");
  }
  if (user["as"] || user["as-groups"] || user["as-uid"]) {
    r.Fail(prefix + ".as", "impersonation is not supported");
  }

  auto cert = r.PemField(user, "client-certificate", prefix);
  auto key = r.PemField(user, "client-key", prefix);
  if (cert && !key) r.Fail(prefix, "client-certificate is set but client-key is missing");
  if (key && !cert) r.Fail(prefix, "client-key is set but client-certificate is missing");
  if (cert) {
    const bool cert_inline = static_cast<bool>(user["client-certificate-data"]);
    const bool key_inline = static_cast<bool>(user["client-key-data"]);
    if (auto bad = CheckCertificatesPem(*cert)) {
      r.Fail(prefix + (cert_inline ? ".client-certificate-data" : ".client-certificate"), *bad);
    }
    if (auto bad = CheckPrivateKeyPem(*key)) {
      r.Fail(prefix + (key_inline ? ".client-key-data" : ".client-key"), *bad);
    }
    if (auto bad = CheckKeyMatchesCertificate(*cert, *key)) {
      r.Fail(prefix + (key_inline ? ".client-key-data" : ".client-key"), *bad);
    }
    config.client_cert_pem = std::move(*cert);
    config.client_key_pem = std::move(*key);
  }

  if (auto token = r.String(user, "token", prefix + ".token")) {
    if (Trim(*token).empty()) r.Fail(prefix + ".token", "empty");
    config.bearer_token = Trim(*token);
  }
  if (auto file = r.String(user, "tokenFile", prefix + ".tokenFile")) {
    // Read once now so a missing file is reported at load, not at first call.
    const std::string content = r.ReadReferencedFile(*file, prefix + ".tokenFile");
    if (Trim(content).empty()) r.Fail(prefix + ".tokenFile", "file is empty");
    config.bearer_token_file = r.Resolve(*file);
  }
}

}  // namespace

ClientConfig ParseKubeconfig(const std::string& yaml_text, const std::string& origin,
                             const std::filesystem::path& base_dir,
                             const std::string& context_override) {
  KubeconfigReader r(origin, base_dir);
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError("kubeconfig " + origin + ": not valid YAML: " + e.what());
  }
  if (!root || root.IsNull()) throw ConfigError("kubeconfig " + origin + ": empty file");
  if (!root.IsMap()) throw ConfigError("kubeconfig " + origin + ": top level must be a map");

  std::string context_name = context_override;
  if (context_name.empty()) {
    auto current = r.String(root, "current-context", "current-context");
    if (!current || current->empty()) {
      r.Fail("current-context", "not set and no context was chosen explicitly");
    }
    context_name = *current;
  }

  const YAML::Node contexts = root["contexts"];
  const int ci = r.FindNamed(contexts, "contexts", context_name);
  if (ci < 0) r.Fail("contexts", "no context named \"" + context_name + "\"");
  const std::string cat = "contexts[" + std::to_string(ci) + "]";
  const YAML::Node context = contexts[static_cast<std::size_t>(ci)]["context"];
  if (!context || !context.IsMap()) r.Fail(cat + ".context", "missing or not a map");

  ClientConfig config;
  config.source = "kubeconfig " + origin + " (context " + context_name + ")";

  auto cluster_name = r.String(context, "cluster", cat + ".context.cluster");
  if (!cluster_name || cluster_name->empty()) r.Fail(cat + ".context.cluster", "missing");
  const YAML::Node clusters = root["clusters"];
  const int cli = r.FindNamed(clusters, "clusters", *cluster_name);
  if (cli < 0) r.Fail(cat + ".context.cluster", "no cluster named \"" + *cluster_name + "\"");
  ReadCluster(r, clusters[static_cast<std::size_t>(cli)], "clusters[" + std::to_string(cli) + "]",
              config);

  if (auto user_name = r.String(context, "user", cat + ".context.user");
      user_name && !user_name->empty()) {
    const YAML::Node users = root["users"];
    const int ui = r.FindNamed(users, "users", *user_name);
    if (ui < 0) r.Fail(cat + ".context.user", "no user named \"" + *user_name + "\"");
    ReadUser(r, users[static_cast<std::size_t>(ui)], "users[" + std::to_string(ui) + "]", config);
  }

  if (auto ns = r.String(context, "namespace", cat + ".context.namespace"); ns && !ns->empty()) {
    config.default_namespace = *ns;
  }
  if (config.insecure_skip_tls_verify) {
    spdlog::warn("{}: insecure-skip-tls-verify is set: the server's identity is NOT verified",
                 config.source);
  }
  return config;
}

ClientConfig LoadKubeconfig(const std::filesystem::path& path,
                            const std::string& context_override) {
  std::string why;
  auto text = ReadFile(path, why);
  if (!text) throw ConfigError("kubeconfig " + path.string() + ": cannot read: " + why);
  const fs::path base = fs::absolute(path).parent_path();
  return ParseKubeconfig(*text, path.string(), base, context_override);
}

ClientConfig InClusterConfig(const InClusterPaths& paths) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port) {
    throw ConfigError(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  ClientConfig config;
  config.source = "in-cluster service account";
  const std::string h(host);
  // IPv6 literals need brackets in a URL.
  config.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;

  std::string why;
  auto token = ReadFile(paths.token, why);
  if (!token) {
    throw ConfigError("in-cluster config: token " + paths.token.string() + ": " + why);
  }
  if (Trim(*token).empty()) {
    throw ConfigError("in-cluster config: token " + paths.token.string() + ": file is empty");
  }
  config.bearer_token_file = paths.token;

  auto ca = ReadFile(paths.ca, why);
  if (!ca) throw ConfigError("in-cluster config: CA " + paths.ca.string() + ": " + why);
  if (auto bad = CheckCertificatesPem(*ca)) {
    throw ConfigError("in-cluster config: CA " + paths.ca.string() + ": " + *bad);
  }
  config.ca_pem = std::move(*ca);

  if (auto ns = ReadFile(paths.namespace_file, why); ns && !Trim(*ns).empty()) {
    config.default_namespace = Trim(*ns);
  }
  return config;
}

ClientConfig LoadDefault(const std::string& context_override) {
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::stringstream list(env);
    std::string item;
    while (std::getline(list, item, ':')) {
      if (!item.empty() && fs::exists(item)) return LoadKubeconfig(item, context_override);
    }
    throw ConfigError(std::string("KUBECONFIG=") + env + ": no such file");
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    const fs::path path = fs::path(home) / ".kube" / "config";
    if (fs::exists(path)) return LoadKubeconfig(path, context_override);
  }
  if (!context_override.empty()) {
    throw ConfigError("context \"" + context_override + "\" requested but no kubeconfig found");
  }
  return InClusterConfig();
}

}  // namespace baton::kube
