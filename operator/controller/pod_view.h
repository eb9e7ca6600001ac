// The slim pod the controller caches: only the fields it reads. A full pod
// is several kilobytes of JSON; this is a few hundred bytes, which is what
// keeps the operator's memory per watched pod small (bench/).
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace baton::controller {

struct PodView {
  std::string ns;
  std::string name;
  std::string uid;
  std::map<std::string, std::string> labels;
  // Only annotations under baton.dev/: the drain record and plugin requests.
  std::map<std::string, std::string> annotations;
  std::string controller_uid;  // ownerReferences[controller=true].uid
  std::string phase;           // Pending, Running, Succeeded, Failed, Unknown
  bool ready = false;
  std::optional<std::chrono::system_clock::time_point> ready_changed_at;
  std::chrono::system_clock::time_point created_at{};
  bool terminating = false;
  std::string ip;
  std::string node_name;  // spec.nodeName; "" until scheduled
  // For failed and crash-looping pods only (rollout/failed_pod_backoff.h):
  // the latest containerStatuses[].state.terminated.finishedAt, why it
  // failed ("Evicted: ..." or "container relay: Error, exit code 1"), and
  // whether a container waits in CrashLoopBackOff. Empty for a healthy pod,
  // so they cost a healthy pod's cache entry nothing.
  std::optional<std::chrono::system_clock::time_point> finished_at;
  std::string failure;
  bool crash_looping = false;
  // Running, but no container has a process now (all waiting or
  // terminated, one of them in CrashLoopBackOff).
  bool no_process = false;
  // Container restarts (sum of containerStatuses[].restartCount): a canary
  // pod that restarted at all fails its bake (rollout/canary_signals.h).
  int32_t restarts = 0;

  std::string Label(const std::string& key) const;
  std::string Annotation(const std::string& key) const;
};

PodView PodViewFromJson(const nlohmann::json& pod);

// The uid of the controlling owner (ownerReferences[controller=true]) in an
// object's metadata; "" when there is none.
std::string ControllerUidOf(const nlohmann::json& metadata);

}  // namespace baton::controller
