// Every write the controller makes to the API server, behind one small
// interface: the reconciler is tested against a recording fake, the operator
// runs RestClusterWriter (kube::RestClient). Each method is one request.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "api/tier_types.h"

namespace baton::controller {

// A write refused because the object is not what we thought (a stale cache):
// AlreadyExists on create, Conflict/precondition on patch or delete, NotFound.
// The reconciler treats it as "observe again", not as an error.
class StaleWrite : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The API server refused the object itself: admission (Pod Security, a
// ResourceQuota, a webhook: 403 or 400) or validation (422). Retrying the same
// write cannot succeed; the reconciler reports it in status (Stalled,
// FailedCreate) with the server's message. what() is that message.
class RefusedWrite : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The object exists and is not controlled by the tier that would own it (a
// Service the team made, another tier's ConfigMap): Baton never adopts or
// overwrites it (issue 18); the reconciler reports the conflict instead.
class ForeignObject : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ClusterWriter {
 public:
  virtual ~ClusterWriter() = default;
  // Throws RefusedWrite when admission or validation refuses the pod.
  virtual void CreatePod(const std::string& ns, const nlohmann::json& pod) = 0;
  // JSON merge patch; a metadata.uid in the patch is a precondition.
  virtual void PatchPod(const std::string& ns, const std::string& name,
                        const nlohmann::json& merge_patch) = 0;
  // With a uid precondition: never deletes a same-named successor. False
  // when the pod was already gone (404): what was wanted, but not our doing,
  // so no Event says we deleted it and nothing is retried.
  virtual bool DeletePod(const std::string& ns, const std::string& name,
                         const std::string& uid) = 0;
  // Merge patch of the status subresource.
  virtual void PatchTierStatus(const api::Tier& tier, const nlohmann::json& status) = 0;
  // Server-side apply of the tier's metadata.finalizers as Baton's field
  // manager: with the drain finalizer, or (present=false) without it.
  virtual void ApplyTierFinalizer(const api::Tier& tier, bool present) = 0;
  // An owned object ("configmaps", "services", "poddisruptionbudgets",
  // "controllerrevisions"), whose controller ownerReference names its tier:
  // created when absent; when present, server-side applied (field manager
  // baton-operator, force) only if that tier controls it, with the live
  // uid and resourceVersion as preconditions; otherwise ForeignObject.
  virtual void ApplyOwned(const std::string& plural, const std::string& ns,
                          const nlohmann::json& object) = 0;
  // Deletes an owned object by name ("controllerrevisions" pruned from history).
  virtual void DeleteOwned(const std::string& plural, const std::string& ns,
                           const std::string& name) = 0;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Record(const api::Tier& tier, bool warning, std::string_view reason,
                      const std::string& message) = 0;
};

}  // namespace baton::controller
