// Every name that Baton's components, its kubectl plugin, the ArgoCD health
// checks, the Helm chart and the tests read or write, in one place: the API
// group and kinds, labels and annotations on pods, the finalizer, status
// fields, phases, condition types and reasons, and Event reasons.
// docs/api-contract.md explains each; keep the two in step.
#pragma once

#include <array>
#include <string_view>

namespace baton::api {

// --- API group, version, kinds -------------------------------------------------

inline constexpr std::string_view kGroup = "baton.dev";
inline constexpr std::string_view kVersion = "v1alpha1";
inline constexpr std::string_view kApiVersion = "baton.dev/v1alpha1";
// `kubectl get baton` lists every tier kind.
inline constexpr std::string_view kCategory = "baton";

struct KindNames {
  std::string_view kind;
  std::string_view list_kind;
  std::string_view plural;
  std::string_view singular;
  std::string_view short_name;
  bool has_scale;  // SessionTier has none: a shard-count change is deliberate
};

inline constexpr KindNames kRelayTier{"RelayTier", "RelayTierList", "relaytiers", "relaytier", "rt",
                                      true};
inline constexpr KindNames kSessionTier{
    "SessionTier", "SessionTierList", "sessiontiers", "sessiontier", "st", false};
inline constexpr KindNames kBusinessTier{
    "BusinessTier", "BusinessTierList", "businesstiers", "businesstier", "bt", true};
inline constexpr std::array<KindNames, 3> kTierKinds{kRelayTier, kSessionTier, kBusinessTier};

// Server-side apply / update field manager of everything the operator writes.
inline constexpr std::string_view kFieldManager = "baton-operator";
// Events' reportingController (and the source component of core/v1 Events).
inline constexpr std::string_view kReportingController = "baton.dev/operator";
// The kubectl plugin's field manager for the spec fields it sets
// (rollout.paused, rollout.restartAt, template on undo).
inline constexpr std::string_view kPluginFieldManager = "kubectl-baton";

// --- Labels on pods (and on the Service / PDB / ControllerRevisions) -------------

// Value: the tier's name. Together with kLabelKind, the selector of the tier's
// pods (status.selector), so that a RelayTier and a SessionTier of the same
// name never select each other's pods.
inline constexpr std::string_view kLabelTier = "baton.dev/tier";
// Value: the tier's kind, e.g. "RelayTier".
inline constexpr std::string_view kLabelKind = "baton.dev/kind";
// Value: the revision hash of the pod template the pod was created from.
inline constexpr std::string_view kLabelRevision = "baton.dev/revision";
// Value: the shard ordinal ("0".."replicas-1") of a SessionTier pod; a
// replacement pod inherits its predecessor's ordinal.
inline constexpr std::string_view kLabelShard = "baton.dev/shard";
// Value: kRoleServing or kRoleDraining. The tier's Service and the serving
// directory select kRoleServing only, so flipping this label takes a pod out
// of service before it is asked to drain.
inline constexpr std::string_view kLabelRole = "baton.dev/role";
inline constexpr std::string_view kRoleServing = "serving";
inline constexpr std::string_view kRoleDraining = "draining";
// Labels and annotations under this prefix are Baton's; the CRD refuses them
// in spec.template and the pod builder drops annotations that slip through.
inline constexpr std::string_view kReservedLabelPrefix = "baton.dev/";

// --- Drain authentication -----------------------------------------------------------

// Baton's tokens for a tier's drain endpoints are bound to the audience
// kDrainAudiencePrefix + "<namespace>/<Kind>/<name>" (api::DrainAudienceOf);
// every container of the tier's pods gets it in this environment variable.
inline constexpr std::string_view kDrainAudiencePrefix = "baton.dev/drain/";
inline constexpr std::string_view kEnvDrainAudience = "BATON_DRAIN_AUDIENCE";

// --- Annotations ------------------------------------------------------------------

// On a pod: "true" makes kwok leave the pod alone and tools/pod_runner run the
// example program for it (the harness plays kubelet). Set in a tier's
// template by tests and the demo; Baton copies it like any other annotation.
inline constexpr std::string_view kAnnotationPodRunner = "harness.baton.dev/pod-runner";
inline constexpr std::string_view kPodRunnerEnabled = "true";

// On a pod, written (with kLabelRole=draining) BEFORE the drain request is
// sent: the crash-safe record that a drain began, read back after a restart.
// RFC 3339 time the drain began.
inline constexpr std::string_view kAnnotationDrainStartedAt = "baton.dev/drain-started-at";
// instanceId the pod reported when its drain began: a different instanceId
// later means the process restarted, and its count is unknown, not drained.
inline constexpr std::string_view kAnnotationDrainInstanceId = "baton.dev/drain-instance-id";
// Live sessions when the drain began (decimal), for rate and ETA after a restart.
inline constexpr std::string_view kAnnotationDrainSessionsAtStart =
    "baton.dev/drain-sessions-at-start";
// RFC 3339 time after which drain.onTimeout applies.
inline constexpr std::string_view kAnnotationDrainDeadline = "baton.dev/drain-deadline";
// Pod named as successor in the drain request (SessionTier: same shard ordinal).
inline constexpr std::string_view kAnnotationDrainSuccessor = "baton.dev/drain-successor";
// On a pod, set by `kubectl baton skip-drain POD` (value: RFC 3339 time of the
// request): end this pod's drain now; Baton deletes it and records an Event.
inline constexpr std::string_view kAnnotationSkipDrain = "baton.dev/skip-drain";
// On a pod, set by `kubectl baton drain POD` (value: RFC 3339 time of the
// request): move this pod through the drain as if its node were leaving —
// replacement first, then the drain, then the delete.
inline constexpr std::string_view kAnnotationEvacuate = "baton.dev/evacuate";
// On a pod: the tier's spec.rollout.restartAt when the pod was created. A pod
// whose value is older than the tier's restartAt is replaced by a restart
// rollout (restartAt is not part of the revision hash).
inline constexpr std::string_view kAnnotationRestartedAt = "baton.dev/restarted-at";
// On a pod Baton created to replace a failed one: how many pods of its slot
// failed in a row before it (decimal). It sets the backoff before the next
// replacement should this pod fail too (rollout/failed_pod_backoff.h); kept
// on the pod so that a restarted operator backs off just the same.
inline constexpr std::string_view kAnnotationFailedAttempts = "baton.dev/failed-attempts";
// On a tier, set by `kubectl baton promote` or ArgoCD's promote action:
// "<revision>/<step>" passes that canary step's bake or promotion gate once;
// "<revision>/full" passes every step left. Tied to the revision and step,
// so an old value never promotes a later canary.
inline constexpr std::string_view kAnnotationPromote = "baton.dev/promote";
// On a tier, set by `kubectl baton abort` or ArgoCD's abort action: the
// canary of this revision is rolled back as if a signal had failed.
inline constexpr std::string_view kAnnotationAbort = "baton.dev/abort";

// --- Finalizer ------------------------------------------------------------------

// On a tier: deleting it (kubectl delete, ArgoCD prune) drains its pods under
// the drain policy before the finalizer is removed.
inline constexpr std::string_view kFinalizerDrain = "baton.dev/drain-pods";

// --- Owned objects ----------------------------------------------------------------

// Service and PodDisruptionBudget: named like the tier. ControllerRevisions:
// "<tier>-<revision>".
// ConfigMap "<tier>" + kServingDirectorySuffix, key kServingDirectoryKey:
// the serving directory (docs/drain-protocol.md) of the tier's serving pods.
inline constexpr std::string_view kServingDirectorySuffix = "-serving";
inline constexpr std::string_view kServingDirectoryKey = "directory.json";

// --- Spec enums -------------------------------------------------------------------

inline constexpr std::string_view kOnTimeoutPause = "Pause";
inline constexpr std::string_view kOnTimeoutProceed = "Proceed";
inline constexpr std::string_view kDrainAuthNone = "None";
inline constexpr std::string_view kDrainAuthServiceAccountToken = "ServiceAccountToken";

// --- Status fields (JSON names under .status) -------------------------------------

namespace status_field {
inline constexpr std::string_view kObservedGeneration = "observedGeneration";
inline constexpr std::string_view kReplicas = "replicas";
inline constexpr std::string_view kReadyReplicas = "readyReplicas";
inline constexpr std::string_view kUpdatedReplicas = "updatedReplicas";
inline constexpr std::string_view kAvailableReplicas = "availableReplicas";
inline constexpr std::string_view kCurrentRevision = "currentRevision";
inline constexpr std::string_view kUpdateRevision = "updateRevision";
inline constexpr std::string_view kCollisionCount = "collisionCount";
inline constexpr std::string_view kSelector = "selector";
inline constexpr std::string_view kTotalSessions = "totalSessions";
inline constexpr std::string_view kUnknownSessionPods = "unknownSessionPods";
inline constexpr std::string_view kPhase = "phase";
inline constexpr std::string_view kMessage = "message";
inline constexpr std::string_view kStepStartedAt = "stepStartedAt";
inline constexpr std::string_view kDrainingPods = "drainingPods";
inline constexpr std::string_view kConditions = "conditions";
inline constexpr std::string_view kCanary = "canary";
}  // namespace status_field

// --- Phases (status.phase) ----------------------------------------------------------

inline constexpr std::string_view kPhaseHealthy = "Healthy";
inline constexpr std::string_view kPhaseProgressing = "Progressing";
inline constexpr std::string_view kPhasePaused = "Paused";
inline constexpr std::string_view kPhaseDegraded = "Degraded";

// --- Conditions (status.conditions[].type) and their reasons ---------------------------

inline constexpr std::string_view kConditionAvailable = "Available";
inline constexpr std::string_view kConditionProgressing = "Progressing";
inline constexpr std::string_view kConditionPaused = "Paused";
// True when the rollout cannot go on without a person: a drain timed out with
// onTimeout Pause, or a new pod missed progressDeadlineSeconds.
inline constexpr std::string_view kConditionStalled = "Stalled";
// True while an object the tier would own (its Service, PodDisruptionBudget,
// serving-directory ConfigMap, a ControllerRevision) exists under another
// controller or none: Baton neither adopts nor overwrites it (issue 18).
inline constexpr std::string_view kConditionOwnedObjectConflict = "OwnedObjectConflict";
// kstatus' conditions (sigs.k8s.io/cli-utils: Flux, Helm 4 --wait, kpt), which
// read Reconciling=True as InProgress, then Stalled=True as Failed, then Ready.
// Reconciling: True while Baton has work under way (reason: the step, as
// Progressing's: CreatingPod, Draining, ...), False when it waits for nothing
// or for a person; never True together with Stalled.
inline constexpr std::string_view kConditionReconciling = "Reconciling";
// Ready: True exactly when status.phase is Healthy.
inline constexpr std::string_view kConditionReady = "Ready";

namespace reason {
// Available
inline constexpr std::string_view kMinimumPodsAvailable = "MinimumPodsAvailable";
inline constexpr std::string_view kMinimumPodsUnavailable = "MinimumPodsUnavailable";
// Progressing (True while a rollout moves, True with kRolloutComplete when done)
inline constexpr std::string_view kCreatingPod = "CreatingPod";
inline constexpr std::string_view kWaitingForReady = "WaitingForReady";
inline constexpr std::string_view kDraining = "Draining";
inline constexpr std::string_view kScalingDown = "ScalingDown";
// A pod is moved off a leaving node (or by kubectl baton drain).
inline constexpr std::string_view kEvacuating = "Evacuating";
inline constexpr std::string_view kRolloutComplete = "RolloutComplete";
inline constexpr std::string_view kProgressDeadlineExceeded = "ProgressDeadlineExceeded";
inline constexpr std::string_view kDeleting = "Deleting";
// Paused
inline constexpr std::string_view kPausedBySpec = "PausedBySpec";
inline constexpr std::string_view kDrainTimedOut = "DrainTimedOut";
inline constexpr std::string_view kNotPaused = "NotPaused";
// Stalled (also kDrainTimedOut, kProgressDeadlineExceeded)
// Pods of the tier keep failing (phase Failed, or CrashLoopBackOff at the
// update revision): replaced with backoff, a person must look.
inline constexpr std::string_view kPodsFailing = "PodsFailing";
// The API server refused a pod create (ReplicaSet's reason for the same).
inline constexpr std::string_view kFailedCreate = "FailedCreate";
// Every pod that could drain next had an unknown session count for
// progressDeadlineSeconds: none is drained blind, so nothing moves.
inline constexpr std::string_view kSessionCountsUnknown = "SessionCountsUnknown";
inline constexpr std::string_view kNotStalled = "NotStalled";
// A canary signal failed (or the canary was aborted): the tier rolled back
// to its current revision and stays there until spec.template changes.
inline constexpr std::string_view kCanaryRolledBack = "CanaryRolledBack";
// Progressing / Paused while a canary step bakes or waits for a promote.
inline constexpr std::string_view kCanaryBaking = "CanaryBaking";
inline constexpr std::string_view kCanaryAwaitingPromotion = "CanaryAwaitingPromotion";
// OwnedObjectConflict
inline constexpr std::string_view kNotControlledByTier = "NotControlledByTier";
}  // namespace reason

// --- Event reasons (core/v1 Event .reason on the tier) -------------------------------

namespace event {
inline constexpr std::string_view kRolloutStarted = "RolloutStarted";
inline constexpr std::string_view kRolloutCompleted = "RolloutCompleted";
inline constexpr std::string_view kRolloutPaused = "RolloutPaused";
inline constexpr std::string_view kRolloutResumed = "RolloutResumed";
inline constexpr std::string_view kRolledBack = "RolledBack";
inline constexpr std::string_view kRestarted = "Restarted";
inline constexpr std::string_view kPodCreated = "PodCreated";
inline constexpr std::string_view kPodReady = "PodReady";
inline constexpr std::string_view kPodDeleted = "PodDeleted";
inline constexpr std::string_view kPodReplaced = "PodReplaced";    // self-healing
inline constexpr std::string_view kPodsFailing = "PodsFailing";    // Stalled on failing pods
inline constexpr std::string_view kFailedCreate = "FailedCreate";  // a pod create refused
inline constexpr std::string_view kDrainStarted = "DrainStarted";
inline constexpr std::string_view kDrainCompleted = "DrainCompleted";
inline constexpr std::string_view kDrainTimedOut = "DrainTimedOut";
inline constexpr std::string_view kDrainCancelled = "DrainCancelled";  // undo mid-drain
inline constexpr std::string_view kDrainSkipped = "DrainSkipped";      // kubectl baton skip-drain
inline constexpr std::string_view kDrainRequestFailed = "DrainRequestFailed";
inline constexpr std::string_view kDrainReadingUnknown = "DrainReadingUnknown";
inline constexpr std::string_view kDrainInstanceChanged = "DrainInstanceChanged";
inline constexpr std::string_view kSessionsCut = "SessionsCut";  // onTimeout Proceed
inline constexpr std::string_view kProgressDeadlineExceeded = "ProgressDeadlineExceeded";
inline constexpr std::string_view kScaledUp = "ScaledUp";
inline constexpr std::string_view kScaledDown = "ScaledDown";
inline constexpr std::string_view kTierDeleting = "TierDeleting";
inline constexpr std::string_view kFinalizerRemoved = "FinalizerRemoved";
inline constexpr std::string_view kServiceSynced = "ServiceSynced";
inline constexpr std::string_view kPodDisruptionBudgetSynced = "PodDisruptionBudgetSynced";
inline constexpr std::string_view kOwnedObjectConflict = "OwnedObjectConflict";
// A pod's node is leaving (cordoned, or tainted by an autoscaler): moved
// through a drain like a rollout.
inline constexpr std::string_view kEvacuationStarted = "EvacuationStarted";
inline constexpr std::string_view kCanaryStepPassed = "CanaryStepPassed";
inline constexpr std::string_view kCanaryPromoted = "CanaryPromoted";
inline constexpr std::string_view kCanaryRolledBack = "CanaryRolledBack";
}  // namespace event

// --- Metrics (/metrics of baton-operator; docs/api-contract.md, "Metrics") ---------------

namespace metric {
// controller-runtime's names, so existing dashboards and alerts apply.
inline constexpr std::string_view kReconcileTotal = "controller_runtime_reconcile_total";
inline constexpr std::string_view kReconcileErrorsTotal =
    "controller_runtime_reconcile_errors_total";
inline constexpr std::string_view kReconcileTimeSeconds =
    "controller_runtime_reconcile_time_seconds";
inline constexpr std::string_view kWorkqueueDepth = "workqueue_depth";
inline constexpr std::string_view kWorkqueueAddsTotal = "workqueue_adds_total";
inline constexpr std::string_view kWorkqueueQueueDurationSeconds =
    "workqueue_queue_duration_seconds";
inline constexpr std::string_view kWorkqueueWorkDurationSeconds = "workqueue_work_duration_seconds";
inline constexpr std::string_view kRestClientRequestsTotal = "rest_client_requests_total";
inline constexpr std::string_view kLeaderElectionMasterStatus = "leader_election_master_status";
// Baton's own.
inline constexpr std::string_view kTierInfo = "baton_tier_info";
inline constexpr std::string_view kTierReplicasDesired = "baton_tier_replicas_desired";
inline constexpr std::string_view kTierReplicasUpdated = "baton_tier_replicas_updated";
inline constexpr std::string_view kTierReplicasReady = "baton_tier_replicas_ready";
inline constexpr std::string_view kPodSessions = "baton_pod_sessions";
inline constexpr std::string_view kDrainSessionsLeft = "baton_drain_sessions_left";
inline constexpr std::string_view kDrainDurationSeconds = "baton_drain_duration_seconds";
inline constexpr std::string_view kDrainSessionsCutTotal = "baton_drain_sessions_cut_total";
inline constexpr std::string_view kRolloutsTotal = "baton_rollouts_total";
inline constexpr std::string_view kEvacuationsTotal = "baton_evacuations_total";
inline constexpr std::string_view kFailedPodsReplacedTotal = "baton_failed_pods_replaced_total";
// The caches' periodic comparison with the server (kube/reflector.h).
inline constexpr std::string_view kCacheRelistsTotal = "baton_cache_relists_total";
inline constexpr std::string_view kCacheRelistDifferencesTotal =
    "baton_cache_relist_differences_total";
}  // namespace metric

}  // namespace baton::api
