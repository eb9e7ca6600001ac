// PURE: the next step of one pod's drain, from the pod's drain record, its
// latest reading, the tier's drain policy and the clock: delete it (drained,
// skipped, or timed out under onTimeout Proceed), keep its drain alive (ask
// again, re-arm it after a restart), or wait, saying why. The planner calls
// it once per draining pod; it keeps no state between calls.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rollout/observed_state.h"
#include "rollout/plan.h"
#include "rollout/plan_fragment.h"

namespace baton::rollout {

struct DrainStepInput {
  const RolloutPolicy* policy = nullptr;
  const ObservedPod* pod = nullptr;
  // The latest known reading with an instance id; nullptr when unknown.
  const DrainReading* reading = nullptr;
  // The last count known for the pod, kept across unknown readings: what a
  // delete under onTimeout Proceed reports as cut when it has nothing newer.
  std::optional<std::int64_t> last_known_sessions;
  TimePoint now{};
  std::string reason;  // why it drains, for the workload's logs ("rollout to revision x")
  // Asking a pod that serves again starts a drain: only with a free slot
  // under maxConcurrentDrains. `draining` is how many may be draining now.
  bool slot_free = false;
  std::int32_t draining = 0;
};

struct DrainStep {
  PlanFragment plan;
  std::optional<TimePoint> requeue_at;  // the drain deadline, while ahead
  bool timed_out_paused = false;        // past its timeout under onTimeout Pause
  bool took_slot = false;               // asked a serving workload to drain again
};

DrainStep stepDrain(const DrainStepInput& in);

}  // namespace baton::rollout
