// PURE: the writes of `kubectl baton pause|resume|restart|undo|skip-drain`.
// Each goes through the API contract (docs/api-contract.md, "Who writes
// what"): the tier's spec.rollout.paused / restartAt / template, or the
// baton.dev/skip-drain annotation on a pod. Never status, never a pod's labels.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace baton::plugin {

// Merge patches of the tier.
nlohmann::json PausePatch(bool paused);
nlohmann::json RestartPatch(const std::string& now_rfc3339);
// Merge patch of a pod.
nlohmann::json SkipDrainPatch(const std::string& now_rfc3339);
// `kubectl baton drain POD`: the baton.dev/evacuate annotation.
nlohmann::json EvacuatePatch(const std::string& now_rfc3339);

struct UndoChoice {
  std::optional<nlohmann::json> revision;  // the ControllerRevision to go back to
  std::string error;                       // why there is none
};

// Among `revisions` (ControllerRevision objects), those owned by the tier
// (ownerReference uid) — the one with the highest .revision whose hash label
// differs from status.updateRevision.
UndoChoice ChooseUndoRevision(const nlohmann::json& tier, const nlohmann::json& revisions);

// JSON patch replacing spec.template with the revision's template, guarded by
// a test of the tier's resourceVersion (a concurrent edit makes it fail
// rather than be overwritten).
nlohmann::json UndoPatch(const nlohmann::json& tier, const nlohmann::json& revision);

}  // namespace baton::plugin
