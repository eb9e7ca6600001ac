// How to reach and authenticate to a kube-apiserver: kubeconfig files,
// in-cluster service-account configuration, and the default search order.
// Mirrors client-go's rest.Config / clientcmd, minus exec plugins and
// auth providers (rejected with a clear error rather than ignored).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace baton::kube {

// Every problem found while building a ClientConfig. The message names the
// source (file) and the offending field, e.g.
//   "kubeconfig /x: users[0].user.client-key-data: not valid base64".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ClientConfig {
  // https://host:port, no trailing slash.
  std::string server;
  // PEM bytes; when set, only this CA is trusted (system roots are not).
  std::string ca_pem;
  // PEM bytes of the client certificate (chain) and its private key; both or neither.
  std::string client_cert_pem;
  std::string client_key_pem;
  // A static bearer token, or a file holding one. The file wins when both are
  // set and is re-read when it changes: projected service-account tokens rotate.
  std::string bearer_token;
  std::filesystem::path bearer_token_file;
  // Overrides the name checked against the server certificate (kubeconfig tls-server-name).
  std::string tls_server_name;
  // Only ever true when a caller asked for it explicitly; the REST client
  // logs a warning for every client built with it.
  bool insecure_skip_tls_verify = false;
  // The namespace of the selected context ("default" when none is given).
  std::string default_namespace = "default";
  // Where this configuration came from, for error messages and logs.
  std::string source;
};

// Loads `path`. `context_override` (like kubectl --context) replaces
// current-context when not empty. Relative file references are resolved
// against the kubeconfig's own directory. Throws ConfigError.
ClientConfig LoadKubeconfig(const std::filesystem::path& path,
                            const std::string& context_override = {});

// Parses kubeconfig YAML text; `origin` names it in errors and `base_dir`
// resolves relative file references. Throws ConfigError.
ClientConfig ParseKubeconfig(const std::string& yaml_text, const std::string& origin,
                             const std::filesystem::path& base_dir,
                             const std::string& context_override = {});

struct InClusterPaths {
  std::filesystem::path token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::filesystem::path ca = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::filesystem::path namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// From KUBERNETES_SERVICE_HOST/PORT and the mounted service-account files.
// The token is referenced by path (bearer_token_file) so rotation is picked up.
ClientConfig InClusterConfig(const InClusterPaths& paths = {});

// client-go's order: $KUBECONFIG (the first existing file of a ':'-separated
// list; lists are not merged), else ~/.kube/config, else in-cluster.
ClientConfig LoadDefault(const std::string& context_override = {});

}  // namespace baton::kube
