// Which collection a request addresses: the group/version/plural triple that
// builds apiserver paths, for built-in and custom resources alike.
#pragma once

#include <string>
#include <string_view>

namespace baton::kube {

struct Resource {
  std::string group;  // "" for the core ("legacy") group
  std::string version;
  std::string plural;
  bool namespaced = true;

  // "v1" for the core group, else "<group>/<version>".
  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
};

// Resources the operator touches. Custom resources are ordinary Resources:
// nothing else in the client distinguishes them.
namespace resources {
inline const Resource kPods{"", "v1", "pods", true};
inline const Resource kServices{"", "v1", "services", true};
inline const Resource kConfigMaps{"", "v1", "configmaps", true};
inline const Resource kSecrets{"", "v1", "secrets", true};
inline const Resource kServiceAccounts{"", "v1", "serviceaccounts", true};
inline const Resource kEvents{"", "v1", "events", true};
inline const Resource kNamespaces{"", "v1", "namespaces", false};
inline const Resource kNodes{"", "v1", "nodes", false};
inline const Resource kEventsV1{"events.k8s.io", "v1", "events", true};
inline const Resource kLeases{"coordination.k8s.io", "v1", "leases", true};
inline const Resource kPodDisruptionBudgets{"policy", "v1", "poddisruptionbudgets", true};
inline const Resource kControllerRevisions{"apps", "v1", "controllerrevisions", true};
inline const Resource kDeployments{"apps", "v1", "deployments", true};
inline const Resource kCustomResourceDefinitions{"apiextensions.k8s.io", "v1",
                                                 "customresourcedefinitions", false};
inline const Resource kTokenReviews{"authentication.k8s.io", "v1", "tokenreviews", false};
inline const Resource kSubjectAccessReviews{"authorization.k8s.io", "v1", "subjectaccessreviews",
                                            false};
inline const Resource kRelayTiers{"baton.dev", "v1alpha1", "relaytiers", true};
inline const Resource kSessionTiers{"baton.dev", "v1alpha1", "sessiontiers", true};
inline const Resource kBusinessTiers{"baton.dev", "v1alpha1", "businesstiers", true};
}  // namespace resources

// The URL path of a collection (name empty) or of one object, optionally a
// subresource of it: /api/v1/namespaces/ns/pods/p/status,
// /apis/baton.dev/v1alpha1/relaytiers (all namespaces). Throws
// std::invalid_argument when the namespace does not fit the resource's scope
// or a subresource is asked without a name.
std::string ResourcePath(const Resource& resource, std::string_view ns, std::string_view name = {},
                         std::string_view subresource = {});

// Percent-encodes everything outside RFC 3986's unreserved set.
std::string PercentEncode(std::string_view text);

}  // namespace baton::kube
