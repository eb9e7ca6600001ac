#include "rollout/pod_naming.h"

#include <algorithm>

#include "rollout/revision_hash.h"

namespace baton::rollout {

std::string incarnation(std::string_view revision, std::optional<TimePoint> restarted_at) {
  if (!restarted_at) return std::string(revision);
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(restarted_at->time_since_epoch()).count();
  return shortHash(std::string(revision) + "@" + std::to_string(seconds));
}

std::string slotPodName(std::string_view tier, std::string_view incarnation_part,
                        const std::set<std::string, std::less<>>& taken) {
  const std::string prefix = std::string(tier) + "-" + std::string(incarnation_part) + "-";
  long next = 0;
  for (const std::string& name : taken) {
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    next = std::max(next, std::stol(digits) + 1);
  }
  return prefix + std::to_string(next);
}

std::string shardPodName(std::string_view tier, std::int32_t ordinal,
                         std::string_view incarnation_part) {
  return std::string(tier) + "-" + std::to_string(ordinal) + "-" + std::string(incarnation_part);
}

std::string movedShardPodName(std::string_view leaving, std::string_view base) {
  const std::string prefix = std::string(base) + "-m";
  long move = 0;
  if (leaving.substr(0, prefix.size()) == prefix) {
    const std::string digits(leaving.substr(prefix.size()));
    if (!digits.empty() && digits.size() < 9 &&
        digits.find_first_not_of("0123456789") == std::string::npos) {
      move = std::stol(digits);
    }
  }
  return prefix + std::to_string(move + 1);
}

}  // namespace baton::rollout
