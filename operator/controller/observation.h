// PURE: the tier, its pods and the latest drain readings -> the planner's
// ObservedState. The only place that knows both the API's JSON-facing types
// and the planner's plain input.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/tier_types.h"
#include "controller/pod_view.h"
#include "drain/drain_reading.h"
#include "rollout/observed_state.h"

namespace baton::controller {

// Per pod: the last count seen from the instance that is draining, kept
// across unknown readings so that a timeout with onTimeout Proceed can say
// how many sessions it cut.
struct ReadingMemory {
  std::string instance_id;
  int64_t sessions = 0;
};

rollout::ObservedState Observe(const api::Tier& tier, const std::vector<PodView>& pods,
                               const std::map<std::string, drain::DrainReading>& readings,
                               const std::map<std::string, ReadingMemory>& memory,
                               rollout::TimePoint now,
                               // node name -> why it is leaving; absent: it stays
                               const std::map<std::string, std::string>& leaving_nodes = {});

// The tier's pods among `pods`: controlled by the tier (owner reference uid).
std::vector<PodView> OwnedPods(const api::Tier& tier, const std::vector<PodView>& pods);

}  // namespace baton::controller
