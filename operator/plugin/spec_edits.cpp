#include "plugin/spec_edits.h"

#include "api/contract.h"

namespace baton::plugin {

nlohmann::json PausePatch(bool paused) {
  return {{"spec", {{"rollout", {{"paused", paused}}}}}};
}

nlohmann::json RestartPatch(const std::string& now_rfc3339) {
  return {{"spec", {{"rollout", {{"restartAt", now_rfc3339}}}}}};
}

nlohmann::json EvacuatePatch(const std::string& now_rfc3339) {
  return {{"metadata", {{"annotations", {{std::string(api::kAnnotationEvacuate), now_rfc3339}}}}}};
}

nlohmann::json SkipDrainPatch(const std::string& now_rfc3339) {
  return {{"metadata", {{"annotations", {{std::string(api::kAnnotationSkipDrain), now_rfc3339}}}}}};
}

UndoChoice ChooseUndoRevision(const nlohmann::json& tier, const nlohmann::json& revisions) {
  const std::string uid = tier["metadata"].value("uid", "");
  const std::string update =
      tier.value("status", nlohmann::json::object())
          .value(std::string(api::status_field::kUpdateRevision), std::string());
  UndoChoice choice;
  std::int64_t best = -1;
  if (revisions.is_array()) {
    for (const auto& r : revisions) {
      const auto& meta = r["metadata"];
      bool owned = false;
      for (const auto& o : meta.value("ownerReferences", nlohmann::json::array())) {
        owned = owned || o.value("uid", "") == uid;
      }
      if (!owned) continue;
      const auto& labels = meta.value("labels", nlohmann::json::object());
      const std::string hash = labels.value(std::string(api::kLabelRevision), std::string());
      if (hash.empty() || hash == update) continue;
      const auto& tmpl = r.value("data", nlohmann::json::object())
                             .value("spec", nlohmann::json::object())
                             .value("template", nlohmann::json());
      if (!tmpl.is_object()) continue;
      const std::int64_t number = r.value("revision", std::int64_t{0});
      if (number > best) {
        best = number;
        choice.revision = r;
      }
    }
  }
  if (!choice.revision) {
    choice.error = update.empty() ? "the tier has no update revision in its status yet"
                                  : "no earlier revision of the tier to go back to";
  }
  return choice;
}

nlohmann::json UndoPatch(const nlohmann::json& tier, const nlohmann::json& revision) {
  return nlohmann::json::array({{{"op", "test"},
                                 {"path", "/metadata/resourceVersion"},
                                 {"value", tier["metadata"].value("resourceVersion", "")}},
                                {{"op", "replace"},
                                 {"path", "/spec/template"},
                                 {"value", revision["data"]["spec"]["template"]}}});
}

}  // namespace baton::plugin
