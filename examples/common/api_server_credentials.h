// Where a workload finds credentials to call the API server itself (for
// TokenReviews), in the order client-go and controller-runtime use: an
// explicit kubeconfig flag, else $KUBECONFIG, else the in-cluster config (the
// pod's ServiceAccount token and CA that kubelet mounts, and the API server's
// address from KUBERNETES_SERVICE_HOST/PORT). So a manifest needs no
// harness-specific argument: under kwok the pod runner sets $KUBECONFIG, in a
// real cluster the mount is there.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "kubeconfig_credentials.h"

namespace baton::examples {

inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct ApiServerCredentialSources {
  std::string kubeconfig_flag;                       // empty: not given
  std::function<std::string(const char* name)> env;  // "" when unset
  std::string service_account_dir = kServiceAccountDir;
};

struct FoundCredentials {
  KubeconfigCredentials credentials;
  std::string origin;  // for the startup log: which source was used
};

// nullopt with `error` set when the chosen source is unusable or none exists.
// $KUBECONFIG may list several files (':'); unlike client-go they are not
// merged: the first that exists is read.
std::optional<FoundCredentials> FindApiServerCredentials(const ApiServerCredentialSources& sources,
                                                         std::string& error);

}  // namespace baton::examples
