#include "controller/sessions_cut.h"

#include "api/contract.h"
#include "rollout/quantity_format.h"

namespace baton::controller {

std::vector<SessionsCutByOthers> FindSessionsCutByOthers(
    const std::vector<PodView>& owned, const std::map<std::string, ReadingMemory>& memory,
    const std::set<std::string>& reported) {
  std::vector<SessionsCutByOthers> cuts;
  for (const auto& pod : owned) {
    if (!pod.terminating || pod.phase != "Running" || reported.count(pod.uid)) continue;
    if (pod.Label(std::string(api::kLabelRole)) != api::kRoleServing) continue;
    std::optional<int64_t> sessions;
    if (auto it = memory.find(pod.name); it != memory.end()) sessions = it->second.sessions;
    if (sessions && *sessions == 0) continue;
    cuts.push_back({pod.name, pod.uid, sessions});
  }
  return cuts;
}

std::string SessionsCutMessage(const SessionsCutByOthers& cut) {
  const std::string count =
      cut.sessions ? rollout::formatCount(*cut.sessions) : std::string("an unknown number of");
  return "pod " + cut.pod + " was deleted while serving, not through a drain: " + count +
         " sessions cut (kubectl baton drain " + cut.pod +
         " moves a pod without cutting its sessions)";
}

}  // namespace baton::controller
