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
  std::string token;       // token, or the content of token_file when loaded
  std::string token_file;  // tokenFile (or the in-cluster token): re-read on use
  std::string client_cert_file;
  std::string client_key_file;
};

// The bearer token to send now: token_file's current content when there is
// one (kubelet rotates projected tokens in place), else `token`.
std::string CurrentToken(const KubeconfigCredentials& credentials);

// nullopt with `error` set when the file cannot be read or lacks what is needed
// (only https servers; certificate-authority and client certificates by path).
std::optional<KubeconfigCredentials> LoadKubeconfigCredentials(const std::string& path,
                                                               std::string& error);

}  // namespace baton::examples
