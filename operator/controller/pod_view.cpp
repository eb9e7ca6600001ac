#include "controller/pod_view.h"

#include "api/rfc3339.h"

namespace baton::controller {

std::string PodView::Label(const std::string& key) const {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

std::string PodView::Annotation(const std::string& key) const {
  auto it = annotations.find(key);
  return it == annotations.end() ? std::string() : it->second;
}

namespace {

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string ControllerUidOf(const nlohmann::json& metadata) {
  std::string uid;
  if (auto it = metadata.find("ownerReferences"); it != metadata.end() && it->is_array()) {
    for (const auto& ref : *it) {
      if (ref.value("controller", false)) uid = Str(ref, "uid");
    }
  }
  return uid;
}

PodView PodViewFromJson(const nlohmann::json& pod) {
  PodView v;
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const auto& meta = pod.contains("metadata") ? pod["metadata"] : kEmpty;
  v.ns = Str(meta, "namespace");
  v.name = Str(meta, "name");
  v.uid = Str(meta, "uid");
  if (auto it = meta.find("labels"); it != meta.end() && it->is_object()) {
    for (const auto& [k, val] : it->items()) {
      if (val.is_string()) v.labels[k] = val.get<std::string>();
    }
  }
  if (auto it = meta.find("annotations"); it != meta.end() && it->is_object()) {
    for (const auto& [k, val] : it->items()) {
      if (k.rfind("baton.dev/", 0) == 0 && val.is_string())
        v.annotations[k] = val.get<std::string>();
    }
  }
  v.controller_uid = ControllerUidOf(meta);
  if (auto t = api::ParseRfc3339(Str(meta, "creationTimestamp"))) v.created_at = *t;
  v.terminating = meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null();
  const auto& spec = pod.contains("spec") ? pod["spec"] : kEmpty;
  v.node_name = Str(spec, "nodeName");
  const auto& status = pod.contains("status") ? pod["status"] : kEmpty;
  v.phase = Str(status, "phase");
  v.ip = Str(status, "podIP");
  if (auto it = status.find("conditions"); it != status.end() && it->is_array()) {
    for (const auto& c : *it) {
      if (Str(c, "type") != "Ready") continue;
      v.ready = Str(c, "status") == "True";
      v.ready_changed_at = api::ParseRfc3339(Str(c, "lastTransitionTime"));
    }
  }
  return v;
}

}  // namespace baton::controller
