// Deterministic pod names. Two passes over the same observed state pick the
// same name, so a stale cache can only make a create collide (AlreadyExists),
// never create a second pod.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "rollout/observed_state.h"

namespace baton::rollout {

// The name part that says which template and which restart a pod was made
// from: the revision itself, or, once a restartAt is in force, a short hash of
// both — so the restarted pod of a SessionTier shard never has its
// predecessor's name.
std::string incarnation(std::string_view revision, std::optional<TimePoint> restarted_at);

// RelayTier/BusinessTier: "<tier>-<incarnation>-<index>" with the index one
// past the highest in `taken` (every pod that still exists, in any state,
// plus the names planned earlier in the same pass). Not the lowest free one:
// a name freed a moment ago would come back on a new pod, and `kubectl
// drain`, which retries a refused eviction by name with no uid, would then
// go on evicting that new pod on another node (seen: it waited out its
// timeout against the PodDisruptionBudget). With a replacement created
// before its predecessor goes, a new pod's index is above every pod that
// left.
std::string slotPodName(std::string_view tier, std::string_view incarnation_part,
                        const std::set<std::string, std::less<>>& taken);

// SessionTier: "<tier>-<ordinal>-<incarnation>": one name per shard and
// incarnation, so two new pods for one shard are impossible by construction.
std::string shardPodName(std::string_view tier, std::int32_t ordinal,
                         std::string_view incarnation_part);

// SessionTier, a shard pod moving off a leaving node: the name after
// `leaving` in the sequence base, base-m1, base-m2, ... Deterministic, so a
// stale cache collides instead of creating a second pod for the shard.
std::string movedShardPodName(std::string_view leaving, std::string_view base);

}  // namespace baton::rollout
