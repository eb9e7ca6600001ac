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
#include <optional>
#include <string>
#include <vector>

#include "controller/controller_observer.h"
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
  std::chrono::milliseconds resync{std::chrono::minutes(5)};
  ReconcilerOptions reconciler;
  // Bearer token for a tier's drain endpoint (spec.drain.auth); unset: none.
  std::function<std::string(const api::Tier&)> drain_token;
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

 private:
  void Enqueue(const TierKey& key);
  void EnqueuePod(const PodView& pod);
  void EnqueueMonitorKey(const std::string& ns_pod);
  std::optional<api::Tier> GetTier(const TierKey& key) const;
  std::vector<PodView> PodsOf(const TierKey& key) const;
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
  std::unique_ptr<kube::WorkQueue> queue_;
  std::unique_ptr<kube::WorkerPool> workers_;
  std::atomic<bool> leading_{false};
};

}  // namespace baton::controller
