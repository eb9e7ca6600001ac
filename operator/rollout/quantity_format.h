// How counts and durations read in status messages and Events: "12,345",
// "4m", "3m34s", "1h2m". Kept in one place so kubectl, ArgoCD and Events agree.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace baton::rollout {

std::string formatCount(std::int64_t value);
// Rounded to the two largest units: an ETA's seconds matter only when short.
std::string formatDuration(std::chrono::seconds duration);

}  // namespace baton::rollout
