#include "controller/pod_view.h"

#include "timestamp/rfc3339.h"

namespace baton::controller {

std::string PodView::Label(const std::string& key) const {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

std::string PodView::Annotation(const std::string& key) const {
  auto it = annotations.find(key);
  return it == annotations.end() ? std::string() : it->second;
}

namespace {

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

constexpr int kCrashLoopRestarts = 3;

// Only what a failure needs: a healthy pod's view stays as small as before.
void ReadFailure(const nlohmann::json& status, PodView& v) {
  const bool failed = v.phase == "Failed" || v.phase == "Succeeded";
  std::string container_failure;
  bool any_running = false;
  bool any_backing_off = false;
  bool all_known = true;
  if (auto it = status.find("containerStatuses"); it != status.end() && it->is_array()) {
    for (const auto& c : *it) {
      if (!c.is_object() || !c.contains("state") || !c["state"].is_object()) {
        all_known = false;
        continue;
      }
      const auto& state = c["state"];
      if (auto r = state.find("running"); r != state.end() && r->is_object()) any_running = true;
      // In CrashLoopBackOff now, or restarted again and again and not Ready
      // (between two crashes the kubelet shows the container running for a
      // moment: without the second rule the tier's status would flap).
      const auto w = state.find("waiting");
      const bool backing_off =
          w != state.end() && w->is_object() && Str(*w, "reason") == "CrashLoopBackOff";
      any_backing_off |= backing_off;
      const auto restarts = c.value("restartCount", 0);
      if (restarts > 0) v.restarts += restarts;
      if (!failed && (backing_off || (restarts >= kCrashLoopRestarts && !v.ready))) {
        v.crash_looping = true;
        if (container_failure.empty()) {
          container_failure = "container " + Str(c, "name") + ": " +
                              (backing_off ? std::string("CrashLoopBackOff")
                                           : "restarted " + std::to_string(restarts) + " times");
          if (auto last = c.find("lastState"); last != c.end() && last->is_object()) {
            if (auto t = last->find("terminated"); t != last->end() && t->is_object()) {
              container_failure += " (" + Str(*t, "reason") + ", exit code " +
                                   std::to_string(t->value("exitCode", 0)) + ")";
            }
          }
        }
      }
      if (!failed) continue;
      if (auto t = state.find("terminated"); t != state.end() && t->is_object()) {
        if (auto at = timestamp::ParseRfc3339(Str(*t, "finishedAt"))) {
          if (!v.finished_at || *at > *v.finished_at) v.finished_at = at;
        }
        if (container_failure.empty() && t->value("exitCode", 0) != 0) {
          container_failure = "container " + Str(c, "name") + ": " + Str(*t, "reason") +
                              ", exit code " + std::to_string(t->value("exitCode", 0));
        }
      }
    }
  }
  // A native sidecar (an init container with restartPolicy Always) may hold
  // the sessions, a proxy's for one: running there counts too.
  if (auto it = status.find("initContainerStatuses"); it != status.end() && it->is_array()) {
    for (const auto& c : *it) {
      if (c.is_object() && c.contains("state") && c["state"].is_object() &&
          c["state"].contains("running") && c["state"]["running"].is_object()) {
        any_running = true;
      }
    }
  }
  // Unknown is never zero: a container whose state is not reported may run.
  v.no_process = v.phase == "Running" && any_backing_off && !any_running && all_known;
  if (!failed && !v.crash_looping) return;
  const std::string reason = Str(status, "reason");
  const std::string message = Str(status, "message");
  if (failed && !reason.empty()) {
    v.failure = message.empty() ? reason : reason + ": " + message;
  } else {
    v.failure = container_failure;
  }
}

}  // namespace

std::string ControllerUidOf(const nlohmann::json& metadata) {
  std::string uid;
  if (auto it = metadata.find("ownerReferences"); it != metadata.end() && it->is_array()) {
    for (const auto& ref : *it) {
      if (ref.value("controller", false)) uid = Str(ref, "uid");
    }
  }
  return uid;
}

PodView PodViewFromJson(const nlohmann::json& pod) {
  PodView v;
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const auto& meta = pod.contains("metadata") ? pod["metadata"] : kEmpty;
  v.ns = Str(meta, "namespace");
  v.name = Str(meta, "name");
  v.uid = Str(meta, "uid");
  if (auto it = meta.find("labels"); it != meta.end() && it->is_object()) {
    for (const auto& [k, val] : it->items()) {
      if (val.is_string()) v.labels[k] = val.get<std::string>();
    }
  }
  if (auto it = meta.find("annotations"); it != meta.end() && it->is_object()) {
    for (const auto& [k, val] : it->items()) {
      if (k.rfind("baton.dev/", 0) == 0 && val.is_string())
        v.annotations[k] = val.get<std::string>();
    }
  }
  v.controller_uid = ControllerUidOf(meta);
  if (auto t = timestamp::ParseRfc3339(Str(meta, "creationTimestamp"))) v.created_at = *t;
  v.terminating = meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null();
  const auto& spec = pod.contains("spec") ? pod["spec"] : kEmpty;
  v.node_name = Str(spec, "nodeName");
  const auto& status = pod.contains("status") ? pod["status"] : kEmpty;
  v.phase = Str(status, "phase");
  v.ip = Str(status, "podIP");
  if (auto it = status.find("conditions"); it != status.end() && it->is_array()) {
    for (const auto& c : *it) {
      if (Str(c, "type") != "Ready") continue;
      v.ready = Str(c, "status") == "True";
      v.ready_changed_at = timestamp::ParseRfc3339(Str(c, "lastTransitionTime"));
    }
  }
  ReadFailure(status, v);
  return v;
}

}  // namespace baton::controller
