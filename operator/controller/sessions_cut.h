// A serving pod deleted by someone else — `kubectl delete pod`, a script, a
// node's force deletion — cannot be intercepted: its process is told to stop
// and the sessions it held are cut. Baton reports it as what it is (Event
// SessionsCut, baton_drain_sessions_cut_total) and points to the safe way,
// `kubectl baton drain POD`. PURE: decided from the pods seen serving at the
// previous pass and the pods now.
//
// Whose delete: Baton never deletes a Running pod labelled serving — it
// deletes a serving-labelled pod only when it never ran (Pending) or has
// ended (Failed/Succeeded), and labels every other pod draining first. So a
// pod that was Running and serving at the last pass, and is now terminating
// or gone, was deleted by someone else. Comparing with the last pass (not
// only looking for terminating pods) also catches a delete that completed
// between two passes, which a pod runner or kubelet can finish in
// milliseconds.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/observation.h"
#include "controller/pod_view.h"

namespace baton::controller {

struct ServingPod {
  std::string name;
  std::optional<int64_t> sessions;  // its last known count; nullopt: never read
};
// By uid: the Running pods labelled serving, not terminating, at one pass.
using ServingPods = std::map<std::string, ServingPod>;

ServingPods ServingPodsOf(const std::vector<PodView>& owned,
                          const std::map<std::string, ReadingMemory>& memory);

struct SessionsCutByOthers {
  std::string pod;
  std::string uid;
  std::optional<int64_t> sessions;  // nullopt: it was never read
};

// The pods serving `before` that are now terminating or gone. A pod known to
// hold 0 sessions cut nothing and is left out.
std::vector<SessionsCutByOthers> FindSessionsCutByOthers(const ServingPods& before,
                                                         const std::vector<PodView>& owned);

std::string SessionsCutMessage(const SessionsCutByOthers& cut);

}  // namespace baton::controller
