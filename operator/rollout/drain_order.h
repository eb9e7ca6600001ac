// PURE: the order in which a tier's pods drain. One function, used by the
// planner (which pod drains next) and by the serving directory (which pods
// must not take sessions because they drain soon, and which drain last).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace baton::rollout {

// What the order looks at for one pod.
struct DrainOrderKey {
  std::string_view name;
  // Pending and never read: removing it moves nothing, so it goes first.
  bool never_ran = false;
  // The known live session count; nullopt when unknown. Unknown is never
  // zero: such a pod goes after every pod whose count is known.
  std::optional<std::int64_t> sessions;
};

// True when `a` drains before `b`: pods that never ran, then known counts
// fewest first (the cheapest move), then unknown counts; ties by name so the
// order is total and stable across passes.
bool DrainsBefore(const DrainOrderKey& a, const DrainOrderKey& b);

}  // namespace baton::rollout
