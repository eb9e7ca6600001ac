// Terse builders for the planner's input, so that each test table row reads
// as the cluster it describes: which pods, which revision, ready or not,
// draining since when, what each pod's drain endpoint says.
#pragma once

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "rollout/observed_state.h"
#include "rollout/plan.h"
#include "rollout/plan_fragment.h"

namespace baton::rollout::testing {

using std::chrono::seconds;

// A fixed "now": tests never read the clock either.
inline const TimePoint kNow = TimePoint{} + std::chrono::hours(24 * 365 * 56);

class PodBuilder {
 public:
  PodBuilder(std::string name, std::string revision) {
    pod_.name = std::move(name);
    pod_.uid = "uid-" + pod_.name;
    pod_.revision = std::move(revision);
    pod_.phase = PodPhase::Running;
    pod_.ready = true;
    pod_.ready_changed_at = kNow - std::chrono::hours(1);
    pod_.created_at = kNow - std::chrono::hours(2);
    pod_.ip = "127.0.0.1";
  }
  PodBuilder& shard(std::int32_t ordinal) {
    pod_.ordinal = ordinal;
    return *this;
  }
  PodBuilder& notReady(seconds since) {
    pod_.ready = false;
    pod_.ready_changed_at.reset();
    pod_.created_at = kNow - since;
    return *this;
  }
  PodBuilder& readyFor(seconds for_how_long) {
    pod_.ready = true;
    pod_.ready_changed_at = kNow - for_how_long;
    pod_.created_at = kNow - for_how_long - seconds(5);
    return *this;
  }
  // Pending and not yet given an IP: no process of it ever ran.
  PodBuilder& pending() {
    pod_.phase = PodPhase::Pending;
    pod_.ready = false;
    pod_.ready_changed_at.reset();
    pod_.created_at = kNow - seconds(1);
    pod_.ip.clear();
    return *this;
  }
  PodBuilder& ip(std::string address) {
    pod_.ip = std::move(address);
    return *this;
  }
  PodBuilder& phase(PodPhase phase) {
    pod_.phase = phase;
    return *this;
  }
  PodBuilder& failed() {
    pod_.phase = PodPhase::Failed;
    pod_.ready = false;
    return *this;
  }
  // Failed `ago` before now after running `ran`, the (attempts+1)-th
  // failure in a row of its slot.
  PodBuilder& failedAgo(seconds ago, std::int32_t attempts = 0, seconds ran = seconds(1)) {
    failed();
    pod_.finished_at = kNow - ago;
    pod_.created_at = kNow - ago - ran;
    pod_.ready_changed_at = pod_.created_at;
    pod_.failed_attempts = attempts;
    pod_.failure = "container c: Error, exit code 127";
    return *this;
  }
  PodBuilder& failedAttempts(std::int32_t attempts) {
    pod_.failed_attempts = attempts;
    return *this;
  }
  PodBuilder& crashLooping(bool between_restarts = false) {
    pod_.crash_looping = true;
    pod_.no_process = between_restarts;
    pod_.ready = false;
    pod_.failure = "container c: CrashLoopBackOff";
    return *this;
  }
  PodBuilder& terminating() {
    pod_.terminating = true;
    return *this;
  }
  // Drain record as MarkDraining wrote it, `ago` before now, for the
  // instance "inst-<name>" unless told otherwise.
  PodBuilder& draining(seconds ago, std::int64_t sessions_at_start = 1000,
                       std::string instance = "") {
    pod_.role = PodRole::Draining;
    pod_.drain_started_at = kNow - ago;
    pod_.drain_instance_id = instance.empty() ? "inst-" + pod_.name : std::move(instance);
    pod_.drain_sessions_at_start = sessions_at_start;
    return *this;
  }
  PodBuilder& successor(std::string name) {
    pod_.drain_successor = std::move(name);
    return *this;
  }
  PodBuilder& skipDrain() {
    pod_.skip_drain = true;
    return *this;
  }
  PodBuilder& restartedAt(TimePoint at) {
    pod_.restarted_at = at;
    return *this;
  }
  // The pod's node is leaving (cordoned or tainted for removal).
  PodBuilder& leaving(std::string why = "node n7 (cordoned)") {
    pod_.departure = std::move(why);
    return *this;
  }
  operator ObservedPod() const { return pod_; }  // NOLINT: builder converts implicitly

 private:
  ObservedPod pod_;
};

inline DrainReading serving(std::int64_t sessions, std::string instance) {
  DrainReading r;
  r.known = true;
  r.sessions = sessions;
  r.state = DrainState::Serving;
  r.instance_id = std::move(instance);
  r.read_at = kNow;
  r.last_known_sessions = sessions;
  return r;
}
inline DrainReading draining(std::int64_t sessions, std::string instance) {
  DrainReading r = serving(sessions, std::move(instance));
  r.state = sessions == 0 ? DrainState::Drained : DrainState::Draining;
  return r;
}
inline DrainReading unknown(std::optional<std::int64_t> last_known = std::nullopt) {
  DrainReading r;
  r.known = false;
  r.last_known_sessions = last_known;
  return r;
}

// A RelayTier "relay" of 4 replicas rolling from revision "old" to "new",
// with the CRD's defaults.
inline ObservedState relayTier() {
  ObservedState s;
  s.now = kNow;
  s.policy.kind = TierKind::Relay;
  s.policy.tier_name = "relay";
  s.policy.generation = 7;
  s.policy.replicas = 4;
  s.policy.max_surge = 1;
  s.policy.max_unavailable = 0;
  s.policy.max_concurrent_drains = 1;
  s.policy.update_revision = "new";
  s.policy.current_revision = "old";
  s.policy.drain.threshold = 0;
  s.policy.drain.timeout = seconds(600);
  s.policy.drain.on_timeout = OnTimeout::Pause;
  s.policy.drain.pace = 1000;
  s.policy.progress_deadline = seconds(600);
  return s;
}

inline ObservedState sessionTier() {
  ObservedState s = relayTier();
  s.policy.kind = TierKind::Session;
  s.policy.tier_name = "sess";
  s.policy.replicas = 3;
  return s;
}

// Adds a pod and its reading ("inst-<name>"), if any.
inline void add(ObservedState& s, const ObservedPod& pod) {
  s.pods.push_back(pod);
}
inline void add(ObservedState& s, const ObservedPod& pod, DrainReading reading) {
  s.pods.push_back(pod);
  s.readings[pod.name] = std::move(reading);
}
inline void addServing(ObservedState& s, const std::string& name, const std::string& revision,
                       std::int64_t sessions) {
  add(s, PodBuilder(name, revision), serving(sessions, "inst-" + name));
}

// The plan's actions as short strings, so tables compare whole sequences.
inline std::string describe(const Action& action) {
  struct Describe {
    std::string operator()(const CreatePod& a) const {
      return "create " + a.name + (a.ordinal >= 0 ? " shard " + std::to_string(a.ordinal) : "") +
             (a.failed_attempts > 0 ? " after " + std::to_string(a.failed_attempts) + " failed"
                                    : "");
    }
    std::string operator()(const MarkDraining& a) const {
      return "mark-draining " + a.pod + (a.successor.empty() ? "" : " successor " + a.successor);
    }
    std::string operator()(const RequestDrain& a) const { return "request-drain " + a.pod; }
    std::string operator()(const CancelDrain& a) const { return "cancel-drain " + a.pod; }
    std::string operator()(const MarkServing& a) const { return "mark-serving " + a.pod; }
    std::string operator()(const DeletePod& a) const {
      static constexpr const char* kReasons[] = {"Drained", "TimeoutProceed", "SkipDrain",
                                                 "Failed",  "NeverRan",       "NoProcess"};
      return "delete " + a.pod + " " + kReasons[static_cast<int>(a.reason)];
    }
    std::string operator()(const ReleaseFinalizer&) const { return "release-finalizer"; }
  };
  return std::visit(Describe{}, action);
}

inline std::vector<std::string> describe(const Plan& plan) {
  std::vector<std::string> out;
  for (const Action& action : plan.actions) out.push_back(describe(action));
  return out;
}

// A step's part of a plan (plan_fragment.h), described the same way.
inline std::vector<std::string> describe(const PlanFragment& part) {
  std::vector<std::string> out;
  for (const Action& action : part.actions) out.push_back(describe(action));
  return out;
}

inline std::vector<WaitReason> waitReasons(const Plan& plan) {
  std::vector<WaitReason> out;
  for (const Wait& wait : plan.waits) out.push_back(wait.reason);
  return out;
}

template <typename T>
const T* firstAction(const Plan& plan) {
  for (const Action& action : plan.actions) {
    if (const T* a = std::get_if<T>(&action)) return a;
  }
  return nullptr;
}

}  // namespace baton::rollout::testing
