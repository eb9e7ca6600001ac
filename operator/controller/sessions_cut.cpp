#include "controller/sessions_cut.h"

#include "api/contract.h"
#include "rollout/quantity_format.h"

namespace baton::controller {

ServingPods ServingPodsOf(const std::vector<PodView>& owned,
                          const std::map<std::string, ReadingMemory>& memory) {
  ServingPods serving;
  for (const auto& pod : owned) {
    if (pod.terminating || pod.phase != "Running") continue;
    if (pod.Label(std::string(api::kLabelRole)) != api::kRoleServing) continue;
    ServingPod s{pod.name, std::nullopt};
    if (auto it = memory.find(pod.name); it != memory.end()) s.sessions = it->second.sessions;
    serving.emplace(pod.uid, std::move(s));
  }
  return serving;
}

std::vector<SessionsCutByOthers> FindSessionsCutByOthers(const ServingPods& before,
                                                         const std::vector<PodView>& owned) {
  std::map<std::string, const PodView*> now;
  for (const auto& pod : owned) now.emplace(pod.uid, &pod);
  std::vector<SessionsCutByOthers> cuts;
  for (const auto& [uid, was] : before) {
    auto it = now.find(uid);
    const bool deleted = it == now.end() || it->second->terminating;
    if (!deleted) continue;  // still there (serving, draining or ended by itself)
    if (was.sessions && *was.sessions == 0) continue;
    cuts.push_back({was.name, uid, was.sessions});
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
