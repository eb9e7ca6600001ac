// The planner's output: ordered actions for the controller to carry out, the
// reasons nothing else happens, and Events to record. Plain data, no I/O.
//
// The controller executes actions in order and stops at the first failure,
// then observes and plans again: the order is what makes a crash between any
// two writes safe (e.g. MarkDraining is always before its RequestDrain, so a
// pod asked to drain is always labelled draining first).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rollout/observed_state.h"

namespace baton::rollout {

// Create a pod from the update revision's template. The controller adds the
// labels (tier, kind, revision, role=serving, shard when ordinal >= 0), the
// owner reference, and annotation restarted-at when restarted_at is set.
struct CreatePod {
  std::string name;  // deterministic (pod_naming.h): a stale cache collides, never duplicates
  std::string revision;
  std::int32_t ordinal = -1;  // SessionTier shard, else -1
  std::optional<TimePoint> restarted_at;
  // Replacing a failed pod: pods of the slot that failed in a row so far
  // (annotation baton.dev/failed-attempts when > 0).
  std::int32_t failed_attempts = 0;
};

// One patch: label role serving->draining plus the drain annotations. Written
// BEFORE RequestDrain: it is the crash-safe record that a drain began (and
// takes the pod out of the Service and the serving directory). Also used to
// re-arm a drain after the pod restarted (new instance_id, at unchanged).
struct MarkDraining {
  std::string pod;
  std::string uid;  // precondition
  std::string instance_id;
  TimePoint at{};
  std::int64_t sessions_at_start = 0;
  std::optional<TimePoint> deadline;
  std::string successor;  // SessionTier: the new pod of the same shard
};

// POST /drain/start. Idempotent: re-issued while the reading is not Draining.
struct RequestDrain {
  std::string pod;
  double pace = 0;
  // Nullopt when the tier has no drain timeout; the contract needs a value, so
  // the drain client sends a far-future date then.
  std::optional<TimePoint> deadline;
  std::string successor;
  std::string reason;  // free text for the workload's logs ("rollout to revision x")
};

// POST /drain/cancel (undo mid-drain). Always followed by MarkServing: cancel
// first, so that a crash between the two leaves a draining-labelled pod that
// the next pass cancels again, never a serving-labelled pod still draining.
struct CancelDrain {
  std::string pod;
};

// Label role draining->serving and remove the drain annotations.
struct MarkServing {
  std::string pod;
  std::string uid;
};

enum class DeleteReason {
  Drained,         // reading known, same instance, Draining/Drained, sessions <= threshold
  TimeoutProceed,  // drain timeout passed, onTimeout Proceed: sessions cut
  SkipDrain,       // `kubectl baton skip-drain`
  Failed,          // pod phase Failed/Succeeded: holds nothing, replaced
  NeverRan,        // surplus pod still Pending: it never served anything
  NoProcess,       // surplus pod whose containers are all down (CrashLoopBackOff)
};

struct DeletePod {
  std::string pod;
  std::string uid;  // precondition: never delete a same-named successor
  DeleteReason reason = DeleteReason::Drained;
  // Sessions still on the pod as far as known (TimeoutProceed: the sessions
  // cut, from the last known reading; nullopt if it was never read).
  std::optional<std::int64_t> sessions_left;
};

// Tier deleting and no live pod left: remove the finalizer.
struct ReleaseFinalizer {};

using Action = std::variant<CreatePod, MarkDraining, RequestDrain, CancelDrain, MarkServing,
                            DeletePod, ReleaseFinalizer>;

// Why something is not happening (yet). The status calculator turns these into
// the message; the controller may log them.
enum class WaitReason {
  Paused,                    // spec.rollout.paused
  WaitingForReady,           // a new pod is not Ready yet
  WaitingForMinReady,        // Ready, but not for minReadySeconds yet
  DrainInProgress,           // sessions above threshold, within the timeout
  DrainTimedOutPaused,       // timeout passed with onTimeout Pause: stalled
  DrainReadingUnknown,       // cannot read the pod: never treated as zero
  DrainInstanceChanged,      // the pod restarted mid-drain: re-armed, not drained
  ProgressDeadlineExceeded,  // a new pod missed progressDeadlineSeconds
  FailedPodBackoff,          // a failed pod holds its slot until its backoff passed
  SurgeLimit,                // replicas + maxSurge pods exist already
  AvailabilityLimit,         // a drain now would break replicas - maxUnavailable
  ConcurrentDrainLimit,      // maxConcurrentDrains pods are draining
  WaitingForPodGone,         // a deleted pod (or the name we need) still exists
  NoReadableCandidate,       // every pod that could drain has an unknown reading
};

struct Wait {
  WaitReason reason;
  std::string pod;  // may be empty
  std::string message;
};

// An Event to record on the tier. reason is a CamelCase name from
// api/contract.h (baton::api::event).
struct PlannedEvent {
  std::string_view reason;
  std::string pod;
  std::string message;
  bool warning = false;
  // Index in Plan::actions of the write this Event describes: the controller
  // records it only once that write succeeded (an Event about a refused
  // create or a lost drain request would describe something that did not
  // happen). Nullopt: describes no write, recorded as planned.
  std::optional<std::size_t> after_action = std::nullopt;
};

// What the planner concluded about the rollout as a whole; the status
// calculator reads this instead of re-deriving it.
struct RolloutAssessment {
  bool complete = false;  // every wanted pod updated and available, nothing draining
  bool paused = false;    // spec.rollout.paused (and not deleting)
  std::vector<std::string> timed_out_paused;   // drains stalled by onTimeout Pause
  std::vector<std::string> deadline_exceeded;  // new pods past progressDeadlineSeconds
  std::int32_t outdated_pods = 0;              // live pods still to replace (beyond partition)
  std::int32_t surplus_pods = 0;               // live serving pods beyond what is wanted
  // Pods failing again and again (kFailuresBeforeStalled failures in a row,
  // or crash-looping at the update revision), worst first: the tier is
  // Degraded and Stalled until a person changes something.
  struct FailingPod {
    enum class How {
      Failed,        // phase Failed, waiting out its backoff
      Replacement,   // replaces such a series, not available yet
      CrashLooping,  // Running, a container in CrashLoopBackOff
    };
    std::string pod;
    How how = How::Failed;
    std::int32_t failures_in_a_row = 0;   // of the slot so far
    std::string failure;                  // Failed, CrashLooping: why
    std::optional<TimePoint> replace_at;  // Failed: when it is replaced
  };
  std::vector<FailingPod> failing_pods;
};

struct Plan {
  std::vector<Action> actions;
  std::vector<Wait> waits;
  std::vector<PlannedEvent> events;
  RolloutAssessment assessment;
  // The live serving pods the rollout still means to drain, in the order it
  // drains them (DrainsBefore): outdated pods beyond the partition (older
  // revision, restart due, leaving node), surplus pods of a scale-down, every
  // pod of a tier being deleted. Pods it keeps are not in it. The serving
  // directory steers by it: a pod about to drain takes no new sessions.
  std::vector<std::string> drain_queue;
  // The earliest time the plan changes without any new observation
  // (minReadySeconds elapsing, a drain timeout, a progress deadline, a future
  // restartAt): the controller requeues at it.
  std::optional<TimePoint> requeue_at;
};

}  // namespace baton::rollout
