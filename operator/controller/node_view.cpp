#include "controller/node_view.h"

namespace baton::controller {

NodeView NodeViewFromJson(const nlohmann::json& node) {
  NodeView v;
  const auto* meta = node.contains("metadata") ? &node["metadata"] : nullptr;
  if (meta != nullptr && meta->contains("name") && (*meta)["name"].is_string()) {
    v.name = (*meta)["name"].get<std::string>();
  }
  const auto spec = node.find("spec");
  if (spec == node.end() || !spec->is_object()) return v;
  if (auto u = spec->find("unschedulable"); u != spec->end() && u->is_boolean()) {
    v.unschedulable = u->get<bool>();
  }
  if (auto taints = spec->find("taints"); taints != spec->end() && taints->is_array()) {
    for (const auto& t : *taints) {
      if (!t.is_object() || !t.contains("key") || !t["key"].is_string()) continue;
      rollout::NodeTaint taint;
      taint.key = t["key"].get<std::string>();
      if (t.contains("effect") && t["effect"].is_string())
        taint.effect = t["effect"].get<std::string>();
      v.taints.push_back(std::move(taint));
    }
  }
  return v;
}

}  // namespace baton::controller
