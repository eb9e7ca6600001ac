// The little of a kubeconfig a workload needs to call the API server itself
// (for TokenReviews): the server, its CA, and a bearer token or a client
// certificate, from the current context. The pod runner writes one per pod
// with the pod's own ServiceAccount token, as a kubelet would mount it.
#pragma once

#include <optional>
#include <string>

namespace baton::examples {

struct KubeconfigCredentials {
  std::string host;  // from server https://HOST:PORT
  int port = 443;
  std::string ca_file;
  std::string token;  // token, or the content of tokenFile
  std::string client_cert_file;
  std::string client_key_file;
};

// nullopt with `error` set when the file cannot be read or lacks what is needed
// (only https servers; certificate-authority and client certificates by path).
std::optional<KubeconfigCredentials> LoadKubeconfigCredentials(const std::string& path,
                                                               std::string& error);

}  // namespace baton::examples
