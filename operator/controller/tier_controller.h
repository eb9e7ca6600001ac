// The running controller: informers for the three tier kinds and their pods,
// a work queue of tier keys, workers that call TierReconciler, and the drain
// monitor whose changes enqueue the tier of the pod that changed.
//
// Caches run in every replica (a follower that takes over has a warm cache);
// workers and drain following run only while this replica leads.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/controller_observer.h"
#include "controller/node_view.h"
#include "controller/pod_view.h"
#include "controller/tier_reconciler.h"

namespace baton::kube {
class RestClient;
class EventRecorder;
class WorkQueue;
class QueueObserver;
class WorkerPool;
template <typename T>
class Informer;
}  // namespace baton::kube

namespace baton::controller {

// A tier as cached: decoded, or the reason it could not be (logged, skipped).
struct CachedTier {
  std::optional<api::Tier> tier;
  std::string error;
};

struct TierControllerOptions {
  std::vector<std::string> namespaces;  // empty: all namespaces
  int workers = 2;
  // Every tier is planned again this often from the cache, whatever the
  // events: a missed event delays a step by at most this long.
  std::chrono::milliseconds resync{std::chrono::minutes(1)};
  // Watches end after [watch_timeout, 2 × watch_timeout); one that delivers
  // nothing for watch_idle_timeout is cut by the client.
  std::chrono::seconds watch_timeout{60};
  std::chrono::seconds watch_idle_timeout{90};
  // How often each cache is compared with a list at its resourceVersion (0:
  // never); differences are repaired and counted (on_relist_compared).
  std::chrono::seconds relist_period{std::chrono::minutes(5)};
  std::function<void(std::string_view resource, std::size_t differences)> on_relist_compared;
  // Liveness (/healthz): a reconcile running longer than this, or a watch or
  // list blocked without progress longer than that, is a hang.
  std::chrono::seconds worker_stuck_after{std::chrono::minutes(5)};
  std::chrono::seconds watch_stuck_after{std::chrono::minutes(3)};
  ReconcilerOptions reconciler;
  // Drain reads: budget, and how rarely a serving pod whose count sits still
  // is read (read_schedule.h).
  drain::DrainMonitorOptions monitor;
  // Move pods off leaving nodes (cordoned, or tainted for removal): needs a
  // node cache, so get/list/watch on nodes. Extra taint keys that announce a
  // departure come on top of the built-in ones (node_departure.h).
  bool evacuate_leaving_nodes = true;
  std::vector<std::string> departure_taints;
  // Bearer token for a tier's drain endpoint (spec.drain.auth); unset: none.
  std::function<std::string(const api::Tier&)> drain_token;
  // A tier's canary Prometheus query (TierReconciler::Deps::canary_metric);
  // unset without --prometheus-url.
  std::function<analysis::MetricSample(const api::Tier&, const std::string&, const std::string&)>
      canary_metric;
  // After each successful write (crash_point.h); unset: nothing.
  std::function<void(std::string_view)> after_write;
  // Metrics hooks (operator/metrics); each may be null.
  std::shared_ptr<kube::QueueObserver> queue_observer;
  std::shared_ptr<ReconcileObserver> reconcile_observer;
  std::shared_ptr<RolloutObserver> rollout_observer;
};

class TierController {
 public:
  TierController(kube::RestClient& client, kube::EventRecorder& recorder,
                 drain::DrainClient& drain_client, TierControllerOptions options);
  ~TierController();
  TierController(const TierController&) = delete;
  TierController& operator=(const TierController&) = delete;

  void StartCaches();
  bool CachesSynced() const;
  // Leadership begins: follow drains and reconcile.
  void StartWorkers();
  // Leadership ends or the process stops: no reconcile runs after this returns.
  void StopWorkers();

  std::size_t QueueDepth() const;

  // Why this process should be restarted, if it should: a worker stuck in a
  // reconcile or a cache whose list or watch hangs (see the bounds in the
  // options). nullopt while every loop turns. For /healthz.
  std::optional<std::string> Stuck(std::chrono::steady_clock::time_point now) const;

 private:
  void Enqueue(const TierKey& key);
  void EnqueuePod(const PodView& pod);
  void EnqueueMonitorKey(const std::string& ns_pod);
  std::optional<api::Tier> GetTier(const TierKey& key) const;
  std::vector<PodView> PodsOf(const TierKey& key) const;
  std::optional<std::string> DepartureOf(const std::string& node) const;
  void EnqueuePodsOnNode(const NodeView& node);
  bool ReconcileKey(const std::string& key);

  kube::RestClient& client_;
  TierControllerOptions options_;
  std::unique_ptr<ClusterWriter> writer_;
  std::unique_ptr<EventSink> events_;
  drain::DrainClient& drain_client_;
  std::unique_ptr<drain::DrainMonitor> monitor_;
  std::unique_ptr<TierReconciler> reconciler_;
  // One informer per (kind, namespace) and one pod informer per namespace.
  std::vector<std::pair<api::TierKind, std::unique_ptr<kube::Informer<CachedTier>>>> tiers_;
  std::vector<std::unique_ptr<kube::Informer<PodView>>> pods_;
  std::unique_ptr<kube::Informer<NodeView>> nodes_;  // null: evacuation off
  std::unique_ptr<kube::WorkQueue> queue_;
  mutable std::mutex workers_mutex_;  // guards the pointer: Stuck() reads it from another thread
  std::unique_ptr<kube::WorkerPool> workers_;
  std::atomic<bool> leading_{false};
};

}  // namespace baton::controller
