#include "controller/revision_history.h"

#include <algorithm>

#include "api/contract.h"
#include "controller/pod_builder.h"
#include "controller/pod_view.h"

namespace baton::controller {

RevisionHistoryPlan PlanRevisionHistory(const std::vector<StoredRevision>& stored,
                                        const std::string& update_hash,
                                        const std::set<std::string>& in_use, std::int32_t limit) {
  RevisionHistoryPlan plan;
  std::int64_t newest = 0;
  const StoredRevision* update = nullptr;
  for (const auto& r : stored) {
    newest = std::max(newest, r.number);
    if (r.hash == update_hash) update = &r;
  }
  if (!update) {
    plan.apply_number = newest + 1;
  } else if (update->number < newest) {
    // Rolled back to an older template: it becomes the newest again.
    plan.apply_number = newest + 1;
  }

  std::vector<const StoredRevision*> history;
  for (const auto& r : stored) {
    if (r.hash != update_hash && !in_use.count(r.hash)) history.push_back(&r);
  }
  std::sort(history.begin(), history.end(),
            [](const StoredRevision* a, const StoredRevision* b) { return a->number < b->number; });
  const std::size_t keep = static_cast<std::size_t>(std::max(0, limit));
  for (std::size_t i = 0; i + keep < history.size(); ++i) plan.deletes.push_back(history[i]->name);
  return plan;
}

std::string RevisionName(const api::Tier& tier, const std::string& hash) {
  return tier.Name() + "-" + hash;
}

nlohmann::json BuildControllerRevision(const api::Tier& tier, const std::string& hash,
                                       std::int64_t number) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "ControllerRevision"},
          {"metadata",
           {{"name", RevisionName(tier, hash)},
            {"namespace", tier.Namespace()},
            {"labels",
             {{std::string(api::kLabelTier), tier.Name()},
              {std::string(api::kLabelKind), std::string(api::NamesOf(tier.kind).kind)},
              {std::string(api::kLabelRevision), hash}}},
            {"ownerReferences", nlohmann::json::array({OwnerReference(tier)})}}},
          {"data", {{"spec", {{"template", tier.spec.pod_template}}}}},
          {"revision", number}};
}

std::optional<StoredRevision> ParseStoredRevision(const nlohmann::json& object) {
  const auto& meta = object.value("metadata", nlohmann::json::object());
  const auto& labels = meta.value("labels", nlohmann::json::object());
  auto hash = labels.find(std::string(api::kLabelRevision));
  if (hash == labels.end() || !hash->is_string()) return std::nullopt;
  StoredRevision r;
  r.name = meta.value("name", "");
  r.hash = hash->get<std::string>();
  r.number = object.value("revision", std::int64_t{0});
  r.controller_uid = ControllerUidOf(meta);
  return r;
}

}  // namespace baton::controller
