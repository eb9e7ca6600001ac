// One reconcile pass for one tier: observe -> plan -> act -> report. The only
// place where the pure core (rollout/) meets I/O (writer, drain client,
// monitor, event sink). Crash-safety comes from the planner's action order and
// from keeping nothing here that cannot be rebuilt from the cluster: the
// in-memory bits (last status written, last counts seen) only throttle writes
// and improve messages.
//
// Threading: Reconcile() is called from controller workers; the work queue
// never hands the same tier to two workers at once, so per-tier memory needs
// only the one mutex that guards the maps.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analysis/metric_query.h"
#include "api/tier_types.h"
#include "controller/cluster_writer.h"
#include "controller/controller_observer.h"
#include "controller/observation.h"
#include "controller/pod_view.h"
#include "controller/sessions_cut.h"
#include "drain/drain_client.h"
#include "drain/drain_monitor.h"
#include "rollout/canary.h"
#include "rollout/plan.h"

namespace baton::controller {

struct TierKey {
  api::TierKind kind = api::TierKind::Relay;
  std::string ns;
  std::string name;
  std::string String() const;  // "RelayTier/ns/name"
  static std::optional<TierKey> Parse(const std::string& s);
  bool operator<(const TierKey& o) const { return String() < o.String(); }
};

struct ReconcilerOptions {
  // Numbers-only status changes (sessions left, rate, ETA) are written at
  // most this often; anything else (phase, conditions, pods) at once.
  std::chrono::milliseconds status_interval{2000};
  std::chrono::milliseconds directory_load_interval{5000};
  std::chrono::milliseconds long_poll_wait{10000};
  // How long to wait for the cache to show our own write before planning
  // anyway (the write may have been undone by someone else meanwhile).
  std::chrono::milliseconds expectation_timeout{30000};
  // How soon to look again at an owned object found under another controller.
  std::chrono::milliseconds conflict_retry{30000};
};

struct ReconcileResult {
  // Reconcile again no later than this (a timeout, minReadySeconds, a
  // throttled status write). nullopt: only on the next change.
  std::optional<std::chrono::system_clock::time_point> requeue_at;
  bool error = false;  // a write failed: requeue with backoff
};

class TierReconciler {
 public:
  struct Deps {
    std::function<std::optional<api::Tier>(const TierKey&)> get_tier;
    // Pods carrying the tier's labels (owner filtering happens here).
    std::function<std::vector<PodView>(const TierKey&)> pods_of;
    ClusterWriter* writer = nullptr;
    drain::DrainClient* drain_client = nullptr;
    drain::DrainFollower* follower = nullptr;
    EventSink* events = nullptr;
    std::function<std::chrono::system_clock::time_point()> now;
    // The tier's ControllerRevisions (label-selected; owner filtering here).
    std::function<std::vector<nlohmann::json>(const TierKey&)> list_revisions;
    // Called after each successful write with its name (crash_point.h's
    // write_point): the test-only crash points hang here. May be empty.
    std::function<void(std::string_view)> after_write;
    // Bearer token for a tier's drain endpoint (spec.drain.auth); empty if none.
    std::function<std::string(const api::Tier&)> drain_token;
    // Why a node is leaving ("node n7 (cordoned)"), nullopt if it stays.
    // Unset: node departures are not followed.
    std::function<std::optional<std::string>(const std::string& node)> departure_of;
    // Metrics hook: told what each pass saw and did. May be null.
    RolloutObserver* observer = nullptr;
    // The tier's canary query (spec.rollout.canary.analysis.prometheus),
    // expanded for the canary's and the stable revision and sent to the
    // operator's Prometheus. Unset: no Prometheus configured (the signal
    // stays Unknown and the bake waits, saying so).
    std::function<analysis::MetricSample(const api::Tier&, const std::string& revision,
                                         const std::string& stable_revision)>
        canary_metric;
  };

  TierReconciler(Deps deps, ReconcilerOptions options = {});

  ReconcileResult Reconcile(const TierKey& key);

 private:
  // What our own writes must look like in the cache before we plan again
  // (client-go's "expectations"): a watch may lag behind a write, and a plan
  // made on a cache that does not yet show a pod labelled draining could
  // start a second drain.
  struct Expectation {
    enum class Kind { Exists, Role, Gone } kind;
    std::string pod;
    std::string uid;   // Gone: this uid must be gone (or terminating)
    std::string role;  // Role: the label value to see
    std::chrono::system_clock::time_point deadline;
  };

  struct Memory {
    std::vector<Expectation> expectations;
    nlohmann::json last_status;
    std::chrono::system_clock::time_point last_status_write{};
    nlohmann::json last_directory_endpoints;
    std::chrono::system_clock::time_point last_directory_write{};
    std::map<std::string, ReadingMemory> readings;
    std::map<std::string, nlohmann::json> last_applied;  // owned objects, by plural
    std::vector<std::string> tracked;                    // monitor keys of this tier's pods
    // The Running pods labelled serving at the last pass (sessions_cut.h):
    // one of them terminating or gone now was deleted by someone else.
    ServingPods serving;
    // Drain-start answers newer than the monitor's last reading, by pod.
    std::map<std::string, drain::DrainReading> answers;
    // What the revision history was last synced for (update hash, revisions
    // in use, limit): a LIST of ControllerRevisions only when that changes.
    std::string revisions_synced;
    // Owned objects that exist under another controller (ForeignObject), by
    // "<plural> <name>": the message, when it was first seen, and when to
    // look again (a GET each pass would be a request per session change).
    std::map<std::string, std::string> conflicts;
    std::chrono::system_clock::time_point conflicts_since{};
    std::map<std::string, std::chrono::system_clock::time_point> conflict_retry_at;
    // The last pod create the API server refused (RefusedWrite), for the
    // generation it was made for; cleared by a create that succeeds, a
    // new generation, or a plan that creates nothing.
    std::optional<rollout::CreateRefusal> create_refused;
    int64_t create_refused_generation = 0;
    // The last plan had nothing to do or wait for, at this generation: the
    // serving pods' reads may back off (drain/serving_interval.h).
    bool at_rest = false;
    int64_t rest_generation = 0;
    // Since when the plan has waited on NoReadableCandidate (unset when not).
    std::optional<std::chrono::system_clock::time_point> unreadable_since;
    // The canary's latest Prometheus answer (for canary_metric_revision) and
    // when the next query is due.
    std::optional<rollout::MetricReading> canary_metric;
    std::string canary_metric_revision;
    std::optional<std::chrono::system_clock::time_point> canary_metric_due;
    // A rolled-back tier's stable template (from its ControllerRevision), by hash.
    std::string stable_template_hash;
    nlohmann::json stable_template;
  };

  // ClusterWriter::ApplyOwned that turns ForeignObject into a reported
  // conflict (an Event once, a condition while it lasts). True when applied.
  bool ApplyOwnedObject(const api::Tier& tier, const std::string& plural,
                        const nlohmann::json& object, Memory& memory, ReconcileResult& result);

  void Follow(const api::Tier& tier, const std::vector<PodView>& owned, Memory& memory,
              bool may_rest);
  // Carries out the plan's actions in order and stops at the first failure.
  bool Act(const api::Tier& tier, const std::vector<PodView>& owned, const rollout::Plan& plan,
           Memory& memory);
  void ReportStatus(const api::Tier& tier, const nlohmann::json& status, Memory& memory,
                    ReconcileResult& result);
  void PublishDirectory(const api::Tier& tier, const std::vector<PodView>& owned,
                        const std::map<std::string, drain::DrainReading>& readings,
                        const std::string& revision, const std::vector<std::string>& drain_queue,
                        Memory& memory, ReconcileResult& result);
  // True when every expectation is met (or has expired); drops met ones.
  bool ExpectationsMet(Memory& memory, const std::vector<PodView>& owned);
  // Records the update revision's template as a ControllerRevision and prunes
  // history beyond revisionHistoryLimit.
  void SyncRevisionHistory(const api::Tier& tier, const std::vector<PodView>& owned,
                           const std::string& update_hash, Memory& memory);
  // Applies the Service and PodDisruptionBudget when they changed.
  void ApplyOwnedObjects(const api::Tier& tier, Memory& memory, ReconcileResult& result);
  // The template a tier rolled back from spec_revision creates pods from:
  // its current revision's, read once from the ControllerRevision. nullopt
  // when it cannot be found (then nothing rolls: see Reconcile).
  std::optional<nlohmann::json> StableTemplate(const TierKey& key, const api::Tier& tier,
                                               Memory& memory);
  void Wrote(std::string_view write) const {
    if (deps_.after_write) deps_.after_write(write);
  }
  drain::DrainEndpoint EndpointOf(const api::Tier& tier, const PodView& pod) const;

  Deps deps_;
  ReconcilerOptions options_;
  std::mutex mu_;
  std::map<std::string, Memory> memory_;  // by TierKey::String()
};

}  // namespace baton::controller
