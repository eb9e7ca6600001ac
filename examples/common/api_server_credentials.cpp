#include "api_server_credentials.h"

#include <filesystem>
#include <sstream>

namespace baton::examples {
namespace {

std::optional<FoundCredentials> FromKubeconfig(const std::string& path, std::string origin,
                                               std::string& error) {
  auto credentials = LoadKubeconfigCredentials(path, error);
  if (!credentials) return std::nullopt;
  return FoundCredentials{std::move(*credentials), std::move(origin)};
}

std::optional<FoundCredentials> InCluster(const ApiServerCredentialSources& sources,
                                          std::string& error) {
  const std::string host = sources.env("KUBERNETES_SERVICE_HOST");
  const std::string port = sources.env("KUBERNETES_SERVICE_PORT");
  const std::filesystem::path dir(sources.service_account_dir);
  if (host.empty() || port.empty() || !std::filesystem::exists(dir / "token")) {
    error =
        "no credentials for the API server: give --token-review-kubeconfig, set KUBECONFIG, "
        "or run in a pod with KUBERNETES_SERVICE_HOST/PORT and a ServiceAccount token in " +
        dir.string();
    return std::nullopt;
  }
  KubeconfigCredentials c;
  c.host = host;
  try {
    c.port = std::stoi(port);
  } catch (const std::exception&) {
    error = "KUBERNETES_SERVICE_PORT is not a port: " + port;
    return std::nullopt;
  }
  c.ca_file = (dir / "ca.crt").string();
  c.token_file = (dir / "token").string();
  c.token = CurrentToken(c);
  if (c.token.empty()) {
    error = c.token_file + ": empty ServiceAccount token";
    return std::nullopt;
  }
  return FoundCredentials{std::move(c), "in-cluster config (" + dir.string() + ")"};
}

}  // namespace

std::optional<FoundCredentials> FindApiServerCredentials(const ApiServerCredentialSources& sources,
                                                         std::string& error) {
  if (!sources.kubeconfig_flag.empty()) {
    return FromKubeconfig(sources.kubeconfig_flag,
                          "--token-review-kubeconfig " + sources.kubeconfig_flag, error);
  }
  if (const std::string list = sources.env("KUBECONFIG"); !list.empty()) {
    std::stringstream paths(list);
    for (std::string path; std::getline(paths, path, ':');) {
      if (!path.empty() && std::filesystem::exists(path)) {
        return FromKubeconfig(path, "$KUBECONFIG " + path, error);
      }
    }
    error = "KUBECONFIG names no file that exists: " + list;
    return std::nullopt;
  }
  return InCluster(sources, error);
}

}  // namespace baton::examples
