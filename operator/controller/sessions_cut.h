// A serving pod deleted by someone else — `kubectl delete pod`, a script, a
// node's force deletion — cannot be intercepted: its process is told to stop
// and the sessions it held are cut. Baton reports it as what it is (Event
// SessionsCut, baton_drain_sessions_cut_total) and points to the safe way,
// `kubectl baton drain POD`. PURE: decided from the pods and the last known
// counts.
//
// Whose delete: Baton deletes a pod labelled serving only when it never ran
// (Pending) or has ended (Failed/Succeeded); every other pod it deletes is
// labelled draining first. So a Running pod labelled serving that is
// terminating was deleted by someone else.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "controller/observation.h"
#include "controller/pod_view.h"

namespace baton::controller {

struct SessionsCutByOthers {
  std::string pod;
  std::string uid;
  // The last count read from this pod; nullopt when it was never read.
  std::optional<int64_t> sessions;
};

// The pods cut this way not yet in `reported` (uids), with their last known
// counts (`memory`, by pod name). A pod known to hold 0 sessions cut nothing.
std::vector<SessionsCutByOthers> FindSessionsCutByOthers(
    const std::vector<PodView>& owned, const std::map<std::string, ReadingMemory>& memory,
    const std::set<std::string>& reported);

std::string SessionsCutMessage(const SessionsCutByOthers& cut);

}  // namespace baton::controller
