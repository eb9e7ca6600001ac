// PURE: the tier's revision history, kept like StatefulSet's: one
// ControllerRevision "<tier>-<hash>" per pod template the tier has rolled to,
// holding the whole template, so that `kubectl baton undo` can put the
// previous one back into spec.template. `.revision` orders them; rolling back
// to an old template renumbers its revision as the newest instead of creating
// a second copy (as StatefulSet does).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/tier_types.h"

namespace baton::controller {

struct StoredRevision {
  std::string name;
  std::string hash;  // label baton.dev/revision
  std::int64_t number = 0;
  std::string controller_uid;  // the owning tier's uid
};

struct RevisionHistoryPlan {
  // Apply the update revision's ControllerRevision with this number
  // (nullopt: it exists already and is the newest).
  std::optional<std::int64_t> apply_number;
  // Oldest first: history beyond revisionHistoryLimit, never a revision in use.
  std::vector<std::string> deletes;
};

// Worked example, limit 2: stored {a:1, b:2, c:3, d:4}, update c, pods on c
// and d. c is not the newest, so it is re-applied as 5; unused history is
// {a, b} (c is the update revision, d is in use), within the limit: nothing
// deleted. With limit 1, a (the oldest) is deleted.
RevisionHistoryPlan PlanRevisionHistory(const std::vector<StoredRevision>& stored,
                                        const std::string& update_hash,
                                        const std::set<std::string>& in_use, std::int32_t limit);

std::string RevisionName(const api::Tier& tier, const std::string& hash);

// The apps/v1 ControllerRevision for the tier's current spec.template.
nlohmann::json BuildControllerRevision(const api::Tier& tier, const std::string& hash,
                                       std::int64_t number);

// nullopt for an object that is not one of Baton's revisions (no hash label).
std::optional<StoredRevision> ParseStoredRevision(const nlohmann::json& object);

}  // namespace baton::controller
