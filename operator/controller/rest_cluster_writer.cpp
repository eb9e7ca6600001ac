#include "controller/rest_cluster_writer.h"

#include "api/contract.h"
#include "controller/pod_view.h"
#include "controller/tier_resource.h"
#include "kube/api_error.h"
#include "kube/rest_client.h"

namespace baton::controller {
namespace {

const kube::Resource& OwnedResource(const std::string& plural) {
  if (plural == "configmaps") return kube::resources::kConfigMaps;
  if (plural == "services") return kube::resources::kServices;
  if (plural == "poddisruptionbudgets") return kube::resources::kPodDisruptionBudgets;
  if (plural == "controllerrevisions") return kube::resources::kControllerRevisions;
  throw std::invalid_argument("not an object Baton owns: " + plural);
}

// The API said our picture of the object is stale: the caller observes again.
template <typename F>
void Write(const std::string& what, F&& f) {
  try {
    f();
  } catch (const kube::ApiError& e) {
    if (kube::IsAlreadyExists(e) || kube::IsConflict(e) || kube::IsNotFound(e)) {
      throw StaleWrite(what + ": " + e.what());
    }
    throw;
  }
}

}  // namespace

void RestClusterWriter::CreatePod(const std::string& ns, const nlohmann::json& pod) {
  kube::WriteOptions options;
  options.field_manager = std::string(api::kFieldManager);
  try {
    Write("create pod", [&] { client_.Create(kube::resources::kPods, ns, pod, options); });
  } catch (const kube::ApiError& e) {
    if (kube::IsForbidden(e) || kube::IsInvalid(e) || kube::IsBadRequest(e)) {
      throw RefusedWrite(e.message().empty() ? std::string(e.what()) : e.message());
    }
    throw;
  }
}

void RestClusterWriter::PatchPod(const std::string& ns, const std::string& name,
                                 const nlohmann::json& merge_patch) {
  kube::PatchOptions options;
  options.field_manager = std::string(api::kFieldManager);
  Write("patch pod " + name, [&] {
    client_.Patch(kube::resources::kPods, ns, name, kube::PatchType::Merge, merge_patch, options);
  });
}

bool RestClusterWriter::DeletePod(const std::string& ns, const std::string& name,
                                  const std::string& uid) {
  kube::DeleteOptions options;
  options.precondition_uid = uid;
  try {
    client_.Delete(kube::resources::kPods, ns, name, options);
  } catch (const kube::ApiError& e) {
    if (kube::IsNotFound(e)) return false;  // gone already: done
    if (kube::IsConflict(e)) throw StaleWrite("delete pod " + name + ": " + e.what());
    throw;
  }
  return true;
}

void RestClusterWriter::PatchTierStatus(const api::Tier& tier, const nlohmann::json& status) {
  kube::PatchOptions options;
  options.field_manager = std::string(api::kFieldManager);
  options.subresource = "status";
  Write("patch status", [&] {
    client_.Patch(TierResource(tier.kind), tier.Namespace(), tier.Name(), kube::PatchType::Merge,
                  {{"status", status}}, options);
  });
}

void RestClusterWriter::ApplyTierFinalizer(const api::Tier& tier, bool present) {
  // Server-side apply of metadata.finalizers alone (a set-type list): our
  // entry is added or removed without touching anyone else's, and no spec
  // field is ever written by the operator.
  nlohmann::json object = {
      {"apiVersion", std::string(api::kApiVersion)},
      {"kind", std::string(api::NamesOf(tier.kind).kind)},
      {"metadata",
       {{"name", tier.Name()},
        {"namespace", tier.Namespace()},
        {"uid", tier.Uid()},
        {"finalizers", present ? nlohmann::json::array({std::string(api::kFinalizerDrain)})
                               : nlohmann::json::array()}}}};
  kube::ApplyOptions options;
  options.field_manager = std::string(api::kFieldManager);
  options.force = true;
  Write("apply finalizer",
        [&] { client_.Apply(TierResource(tier.kind), tier.Namespace(), object, options); });
}

void RestClusterWriter::ApplyOwned(const std::string& plural, const std::string& ns,
                                   const nlohmann::json& object) {
  const kube::Resource& resource = OwnedResource(plural);
  const std::string name = object.value("/metadata/name"_json_pointer, std::string());
  const std::string owner = ControllerUidOf(object.value("metadata", nlohmann::json::object()));
  nlohmann::json live;
  try {
    live = client_.Get(resource, ns, name);
  } catch (const kube::ApiError& e) {
    if (!kube::IsNotFound(e)) throw;
    // Absent: create it. Someone creating it first makes this AlreadyExists
    // (a stale write: the next pass looks again), never a takeover.
    kube::WriteOptions options;
    options.field_manager = std::string(api::kFieldManager);
    Write("create " + plural + " " + name, [&] { client_.Create(resource, ns, object, options); });
    return;
  }
  const auto& live_meta = live.value("metadata", nlohmann::json::object());
  if (owner.empty() || ControllerUidOf(live_meta) != owner) {
    const std::string controller = ControllerUidOf(live_meta);
    throw ForeignObject(plural + " " + name + " exists and is " +
                        (controller.empty()
                             ? std::string("controlled by nobody")
                             : "controlled by another object (uid " + controller + ")") +
                        "; Baton leaves it alone");
  }
  // Ours: apply, on condition that it is still this very object at this
  // version (a delete and re-create by someone else in between is refused).
  nlohmann::json body = object;
  body["metadata"]["uid"] = live_meta.value("uid", "");
  body["metadata"]["resourceVersion"] = live_meta.value("resourceVersion", "");
  kube::ApplyOptions options;
  options.field_manager = std::string(api::kFieldManager);
  options.force = true;
  Write("apply " + plural + " " + name, [&] { client_.Apply(resource, ns, body, options); });
}

void RestClusterWriter::DeleteOwned(const std::string& plural, const std::string& ns,
                                    const std::string& name) {
  Write("delete " + plural + " " + name,
        [&] { client_.Delete(OwnedResource(plural), ns, name, kube::DeleteOptions{}); });
}

}  // namespace baton::controller
