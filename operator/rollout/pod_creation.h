// PURE: new pods of the update revision, and the failed pods they replace.
// A new pod takes the place of a failed pod whose backoff has passed when
// one fits (failed_pod_backoff.h): it carries that pod's series, and the
// failed pod is deleted after it is created, never before, for the failed
// pod is the record of the series until the new pod carries it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rollout/observed_state.h"
#include "rollout/plan_fragment.h"

namespace baton::rollout {

struct NewPod {
  std::string name;
  std::int32_t ordinal = -1;  // a SessionTier shard; -1 for relays and business pods
};

struct Creations {
  PlanFragment plan;
  std::map<std::string, std::string, std::less<>> replacement_of;  // failed pod -> new pod
};

// CreatePod and its Event for each new pod, in order. Each takes the place
// of the replaceable failed pod with the most failures in a row not taken
// yet (of its own shard, for a SessionTier). `restart`: the restartAt in
// force, stamped on the new pods.
Creations createPods(const RolloutPolicy& policy, std::optional<TimePoint> restart,
                     const std::vector<NewPod>& pods,
                     const std::vector<const ObservedPod*>& replaceable);

// Deletes each replaceable failed pod that a new pod replaced in this pass
// (PodReplaced), and each for which no new pod is to be made any more
// (scaled down, or its slot already filled; PodDeleted). `still_wanted`:
// the failed pods whose place a new pod is still to take, held back by a
// pause or the surge limit; they stay.
PlanFragment settleFailedPods(const std::vector<const ObservedPod*>& replaceable,
                              const std::map<std::string, std::string, std::less<>>& replacement_of,
                              const std::set<std::string, std::less<>>& still_wanted);

}  // namespace baton::rollout
