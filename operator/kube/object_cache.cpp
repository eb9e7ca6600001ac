#include "kube/object_cache.h"

#include <spdlog/spdlog.h>

namespace baton::kube {

using nlohmann::json;

namespace {

const json* Metadata(const json& object) {
  if (!object.is_object()) return nullptr;
  auto meta = object.find("metadata");
  return meta != object.end() && meta->is_object() ? &*meta : nullptr;
}

std::string StringField(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void LogCacheError(std::string_view what, std::string_view detail) {
  spdlog::error("cache: {}: {}", what, detail);
}

std::string ObjectKey(const json& object) {
  const json* meta = Metadata(object);
  if (!meta) return {};
  std::string name = StringField(*meta, "name");
  if (name.empty()) return {};
  std::string ns = StringField(*meta, "namespace");
  return ns.empty() ? name : ns + "/" + name;
}

IndexFunc IndexByNamespace() {
  return [](const json& object) -> std::vector<std::string> {
    const json* meta = Metadata(object);
    if (!meta) return {};
    std::string ns = StringField(*meta, "namespace");
    if (ns.empty()) return {};
    return {std::move(ns)};
  };
}

IndexFunc IndexByOwnerUid() {
  return [](const json& object) {
    std::vector<std::string> uids;
    const json* meta = Metadata(object);
    if (!meta) return uids;
    auto owners = meta->find("ownerReferences");
    if (owners == meta->end() || !owners->is_array()) return uids;
    for (const auto& owner : *owners) {
      if (!owner.is_object()) continue;
      std::string uid = StringField(owner, "uid");
      if (!uid.empty()) uids.push_back(std::move(uid));
    }
    return uids;
  };
}

IndexFunc IndexByLabel(std::string label_key) {
  return [label_key = std::move(label_key)](const json& object) -> std::vector<std::string> {
    const json* meta = Metadata(object);
    if (!meta) return {};
    auto labels = meta->find("labels");
    if (labels == meta->end() || !labels->is_object()) return {};
    auto value = labels->find(label_key);
    if (value == labels->end() || !value->is_string()) return {};
    return {value->get<std::string>()};
  };
}

}  // namespace baton::kube
