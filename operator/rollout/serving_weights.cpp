#include "rollout/serving_weights.h"

#include <algorithm>

namespace baton::rollout {
namespace {

bool Full(const ServingPod& p) {
  return p.capacity && p.sessions && *p.sessions >= *p.capacity;
}

}  // namespace

std::vector<ServingWeight> ServingWeights(const std::vector<ServingPod>& pods,
                                          const TierLoad& load) {
  std::vector<ServingWeight> out(pods.size());

  std::vector<std::size_t> queued;
  std::vector<std::size_t> staying;
  for (std::size_t i = 0; i < pods.size(); ++i) {
    (pods[i].queue_position ? queued : staying).push_back(i);
  }
  std::stable_sort(queued.begin(), queued.end(), [&pods](std::size_t a, std::size_t b) {
    return *pods[a].queue_position < *pods[b].queue_position;
  });
  for (std::size_t rank = 0; rank < queued.size(); ++rank) {
    out[queued[rank]].drain_order = static_cast<std::int32_t>(rank);
  }

  // Preference levels: the pods the rollout keeps together, then each queued
  // pod alone from the one that drains last. The pod that drains next takes
  // nothing while any other pod serves: what it took would move again.
  std::vector<std::vector<std::size_t>> levels;
  if (!staying.empty()) levels.push_back(staying);
  const std::size_t keep_out = staying.empty() && queued.size() == 1 ? 0 : 1;
  for (std::size_t k = queued.size(); k > keep_out; --k) levels.push_back({queued[k - 1]});

  // Worked numbers: 4,000 sessions, 4 replicas -> target 1,000; a new pod
  // holding 990 has room 10, one holding 0 has room 1,000.
  const std::int64_t replicas = std::max<std::int64_t>(load.replicas, 1);
  const std::int64_t target = (std::max<std::int64_t>(load.sessions, 0) + replicas - 1) / replicas;
  auto room = [&](const ServingPod& p) -> std::int64_t {
    if (!p.sessions) return 0;  // unknown load: no room we can vouch for
    const std::int64_t limit = p.capacity ? std::min(target, *p.capacity) : target;
    return std::max<std::int64_t>(limit - *p.sessions, 0);
  };

  std::int64_t covered = 0;
  bool any = false;
  for (const auto& level : levels) {
    std::int64_t level_room = 0;
    for (std::size_t i : level) {
      out[i].weight = room(pods[i]);
      level_room += out[i].weight;
    }
    if (level_room == 0) continue;
    any = true;
    covered += level_room;
    if (covered >= load.moving) break;
  }
  if (any) return out;

  // No room we can vouch for below the target: one each for the first level
  // with a pod that is not full. But when that level has pods whose count is
  // unknown (a surge pod not read yet), only those: a reader sends nothing to
  // a pod whose count is unknown, nor to a weight-0 pod while another has
  // weight, so it holds the sessions until the next directory says where
  // there is room, instead of piling them on a pod already at its share.
  // (Seen in CI under load: a drain began 0.6 s after the second surge pod
  // was created, and the first surge pod, at 500 of a 500 target, took 859.)
  for (const auto& level : levels) {
    const bool unread = std::any_of(level.begin(), level.end(),
                                    [&pods](std::size_t i) { return !pods[i].sessions; });
    bool taken = false;
    for (std::size_t i : level) {
      if (Full(pods[i]) || (unread && pods[i].sessions)) continue;
      out[i].weight = 1;
      taken = true;
    }
    if (taken) break;
  }
  return out;
}

}  // namespace baton::rollout
