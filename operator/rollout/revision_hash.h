// The revision of a pod template: a short, stable, DNS-label-safe hash.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace baton::rollout {

// FNV-1a 64 of the bytes.
std::uint64_t fnv1a64(std::string_view bytes);

// Ten characters of [0-9a-z] (about 51 bits): the value of the
// baton.dev/revision label and part of pod names.
std::string shortHash(std::string_view bytes);

// Hash of spec.template as the API server stored it. nlohmann::json keeps
// object keys sorted, so dump() is canonical: key order in the user's YAML
// does not matter, any change of value does. spec.rollout.restartAt lives
// outside the template and so outside the hash (a restart is not a new
// revision). collision_count (status.collisionCount, as for StatefulSet's
// ControllerRevisions) is mixed in only when non-zero, so that the common
// case hashes the template alone.
std::string revisionHash(const nlohmann::json& pod_template, std::int32_t collision_count = 0);

}  // namespace baton::rollout
