// The planner's input: everything it may look at, as plain data. The
// controller maps the tier CR, its pods and the latest drain readings into
// this; the planner never sees JSON, HTTP or the API server, so its tests are
// tables of these structs.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/drain_reading.h"
#include "api/shared_enums.h"

namespace baton::rollout {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;
using Seconds = std::chrono::seconds;

using api::OnTimeout;
using api::TierKind;

struct DrainPolicy {
  std::int64_t threshold = 0;  // a draining pod may go once sessions <= threshold
  // Nullopt: wait forever (the CRD defaults it; the planner does not invent one).
  std::optional<Seconds> timeout;
  OnTimeout on_timeout = OnTimeout::Pause;
  double pace = 1000;  // sessions per second a pod may migrate
};

struct RolloutPolicy {
  TierKind kind = TierKind::Relay;
  std::string tier_name;
  std::int64_t generation = 0;  // metadata.generation, echoed as observedGeneration
  std::int32_t replicas = 0;    // SessionTier: the shard count
  std::int32_t max_surge = 1;
  std::int32_t max_unavailable = 0;
  std::int32_t max_concurrent_drains = 1;
  // CloneSet semantics: how many pods stay at the old revision. SessionTier
  // uses StatefulSet's reading of the same number: shards with ordinal <
  // partition stay old.
  std::int32_t partition = 0;
  bool paused = false;
  Seconds min_ready{0};
  std::optional<Seconds> progress_deadline;  // nullopt: never Degraded
  DrainPolicy drain;
  std::string update_revision;   // hash of spec.template (revision_hash.h)
  std::string current_revision;  // status.currentRevision as last written
  // spec.rollout.restartAt: pods created under an older value (or none) are
  // replaced once now >= restart_at.
  std::optional<TimePoint> restart_at;
  bool deleting = false;  // the tier has a deletionTimestamp
  // Deleted with --cascade=orphan: the pods are to stay, so there is
  // nothing to drain; the garbage collector takes the owner references off.
  bool orphaning = false;
};

enum class PodPhase { Pending, Running, Succeeded, Failed, Unknown };
enum class PodRole { Serving, Draining };

struct ObservedPod {
  std::string name;
  std::string uid;
  std::string revision;  // label baton.dev/revision
  // SessionTier: the shard ordinal (label baton.dev/shard). Other kinds: -1
  // (their pods are interchangeable; the name carries a free index instead).
  std::int32_t ordinal = -1;
  PodPhase phase = PodPhase::Pending;
  bool ready = false;
  // lastTransitionTime of the Ready condition, whichever way it went: with
  // ready it starts the minReadySeconds clock, without it the progress
  // deadline clock.
  std::optional<TimePoint> ready_changed_at;
  TimePoint created_at{};
  bool terminating = false;         // deletionTimestamp set: counted until gone
  PodRole role = PodRole::Serving;  // label baton.dev/role
  // Annotations written by MarkDraining (the crash-safe drain record).
  std::optional<TimePoint> drain_started_at;
  std::string drain_instance_id;
  std::optional<std::int64_t> drain_sessions_at_start;
  std::string drain_successor;
  bool skip_drain = false;  // annotation baton.dev/skip-drain present
  // Annotation baton.dev/restarted-at: the tier's restartAt the pod was made under.
  std::optional<TimePoint> restarted_at;
  std::string ip;
  // Set when the pod's node is leaving (node_departure.h), e.g. "node n7
  // (cordoned)": the pod is replaced and drained as in a rollout.
  std::optional<std::string> departure;
  // Failures (failed_pod_backoff.h). The latest finishedAt of its
  // containers, when one terminated.
  std::optional<TimePoint> finished_at;
  // Annotation baton.dev/failed-attempts: pods of its slot that failed in a
  // row before it was created to replace the last of them.
  std::int32_t failed_attempts = 0;
  // Why it failed or crash-loops, for status and Events: the pod's reason and
  // message, else its container's ("container relay: Error, exit code 1").
  std::string failure;
  // A container waits in CrashLoopBackOff (the kubelet restarts it with
  // backoff), or restarted again and again and the pod is not Ready: the pod
  // is not Failed, but its program keeps exiting.
  bool crash_looping = false;
  // Running, yet no container has a process now (all waiting or terminated,
  // one in CrashLoopBackOff): it holds no session for sure.
  bool no_process = false;
  // Container restarts so far (sum of restartCount): a canary pod that
  // restarted at all fails its bake.
  std::int32_t restarts = 0;
};

using api::DrainState;

// The latest answer of GET /drain for one pod (docs/drain-protocol.md).
using api::DrainReading;

// The API server refused the pod the controller last tried to create:
// admission (Pod Security, a ResourceQuota, a webhook) or an invalid
// template. Retrying will not help until a person changes something.
struct CreateRefusal {
  std::string pod;
  std::string message;  // the API server's own words
};

struct ObservedState {
  RolloutPolicy policy;
  std::optional<CreateRefusal> create_refused;
  // Since when every pod that could drain next has had an unknown count
  // (the planner's NoReadableCandidate wait, pass after pass): the
  // controller's memory of earlier passes. Past the progress deadline the
  // rollout is Stalled, for it cannot go on by itself.
  std::optional<TimePoint> unreadable_since;
  std::vector<ObservedPod> pods;
  std::map<std::string, DrainReading> readings;  // by pod name; absent = unknown
  TimePoint now{};                               // the one clock reading, passed in
};

}  // namespace baton::rollout
