// Test-only crash points: the operator kills itself with SIGKILL right after
// a named write succeeded, so that tests hit every "died between two writes"
// case on purpose rather than by luck (tests/e2e/test_crash_points.py).
// Enabled only by the environment variable BATON_CRASH_AFTER=<write>[:<n>]
// (the n-th such write, default the first); without it After() does nothing.
// BATON_STALL_AFTER=<write>[:<n>] instead hangs the worker that made the
// write, for good, as a deadlock would: what /healthz must notice
// (tests/e2e/test_liveness.py). Such a process must be killed to stop.
#pragma once

#include <array>
#include <atomic>
#include <optional>
#include <string>
#include <string_view>

namespace baton::controller {

// Every write the reconciler makes, to the API server or to a drain endpoint,
// in the order a rollout meets them.
namespace write_point {
inline constexpr std::string_view kAddFinalizer = "add-finalizer";
inline constexpr std::string_view kCreatePod = "create-pod";
inline constexpr std::string_view kMarkDraining = "mark-draining";
inline constexpr std::string_view kRequestDrain = "request-drain";
inline constexpr std::string_view kDeletePod = "delete-pod";
inline constexpr std::string_view kCancelDrain = "cancel-drain";
inline constexpr std::string_view kMarkServing = "mark-serving";
inline constexpr std::string_view kPatchStatus = "patch-status";
inline constexpr std::string_view kApplyService = "apply-service";
inline constexpr std::string_view kApplyPodDisruptionBudget = "apply-pdb";
inline constexpr std::string_view kApplyDirectory = "apply-directory";
inline constexpr std::string_view kApplyRevision = "apply-revision";
inline constexpr std::string_view kDeleteRevision = "delete-revision";
inline constexpr std::string_view kReleaseFinalizer = "release-finalizer";
inline constexpr std::array kAll{
    kAddFinalizer,   kCreatePod,     kMarkDraining,   kRequestDrain,    kDeletePod,
    kCancelDrain,    kMarkServing,   kPatchStatus,    kApplyService,    kApplyPodDisruptionBudget,
    kApplyDirectory, kApplyRevision, kDeleteRevision, kReleaseFinalizer};
}  // namespace write_point

class CrashPoint {
 public:
  enum class Action { Kill, Stall };
  struct Spec {
    std::string write;
    int nth = 1;
    Action action = Action::Kill;
  };
  // "<write>[:<n>]"; nullopt for an empty value; throws std::invalid_argument
  // for an unknown write name or a bad count (a typo must not silently test
  // nothing).
  static std::optional<Spec> Parse(std::string_view value);
  // From BATON_CRASH_AFTER, else BATON_STALL_AFTER.
  static CrashPoint FromEnvironment();

  CrashPoint() = default;
  explicit CrashPoint(std::optional<Spec> spec) : spec_(std::move(spec)) {}
  CrashPoint(const CrashPoint& o) : spec_(o.spec_), seen_(o.seen_.load()) {}

  // True when this write is the one to crash after (counts it).
  bool Reached(std::string_view write);
  // Called after each successful write: SIGKILLs the process (or hangs the
  // calling thread) when Reached().
  void After(std::string_view write);

 private:
  std::optional<Spec> spec_;
  std::atomic<int> seen_{0};
};

}  // namespace baton::controller
