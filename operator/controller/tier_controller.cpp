#include "controller/tier_controller.h"

#include <spdlog/spdlog.h>

#include "api/contract.h"
#include "controller/kube_event_sink.h"
#include "controller/rest_cluster_writer.h"
#include "controller/tier_resource.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/rest_client.h"
#include "kube/work_queue.h"

namespace baton::controller {
namespace {

CachedTier ProjectTier(const nlohmann::json& object) {
  CachedTier cached;
  try {
    cached.tier = object.get<api::Tier>();
  } catch (const std::exception& e) {
    // The API server validated it, so this is a version skew or a bug:
    // say so and leave the tier alone rather than act on half of it.
    cached.error = e.what();
    spdlog::error("cannot decode {}/{}: {}", object["metadata"].value("namespace", ""),
                  object["metadata"].value("name", ""), e.what());
  }
  return cached;
}

std::optional<TierKey> KeyOfPod(const PodView& pod) {
  auto kind = api::ParseTierKind(pod.Label(std::string(api::kLabelKind)));
  auto tier = pod.Label(std::string(api::kLabelTier));
  if (!kind || tier.empty()) return std::nullopt;
  return TierKey{*kind, pod.ns, tier};
}

}  // namespace

TierController::TierController(kube::RestClient& client, kube::EventRecorder& recorder,
                               drain::DrainClient& drain_client, TierControllerOptions options)
    : client_(client),
      options_(std::move(options)),
      writer_(std::make_unique<RestClusterWriter>(client)),
      events_(std::make_unique<KubeEventSink>(recorder)),
      drain_client_(drain_client),
      queue_(
          std::make_unique<kube::WorkQueue>(kube::RateLimiterOptions{}, options_.queue_observer)) {
  std::vector<std::string> namespaces = options_.namespaces;
  if (namespaces.empty()) namespaces.push_back("");  // all
  kube::InformerOptions tier_options;
  tier_options.resync_period = options_.resync;
  // Watches end after 60-120 s rather than client-go's 5-10 min: a watch the
  // API server keeps open after losing its own etcd watch delivers nothing
  // until it ends (seen once in the etcd-outage test, with the watch cache
  // off), and a rollout must not wait minutes on it. The cost is one
  // re-watch a minute per informer.
  tier_options.watch_timeout = std::chrono::seconds(60);
  kube::InformerOptions pod_options;
  pod_options.label_selector = std::string(api::kLabelTier);  // only pods of some tier
  pod_options.watch_timeout = std::chrono::seconds(60);
  for (const auto& ns : namespaces) {
    for (const auto& names : api::kTierKinds) {
      auto kind = *api::ParseTierKind(names.kind);
      auto informer = std::make_unique<kube::Informer<CachedTier>>(client_, TierResource(kind), ns,
                                                                   ProjectTier, tier_options);
      auto enqueue = [this](const CachedTier& t) {
        if (t.tier) Enqueue({t.tier->kind, t.tier->Namespace(), t.tier->Name()});
      };
      informer->cache().AddHandlers(
          {enqueue, [enqueue](const CachedTier&, const CachedTier& now) { enqueue(now); },
           enqueue});
      tiers_.emplace_back(kind, std::move(informer));
    }
    auto pods = std::make_unique<kube::Informer<PodView>>(client_, kube::resources::kPods, ns,
                                                          PodViewFromJson, pod_options);
    pods->cache().AddIndex("owner", kube::IndexByOwnerUid());
    auto enqueue = [this](const PodView& p) { EnqueuePod(p); };
    pods->cache().AddHandlers(
        {enqueue, [enqueue](const PodView&, const PodView& now) { enqueue(now); }, enqueue});
    pods_.push_back(std::move(pods));
  }

  TierReconciler::Deps deps;
  deps.get_tier = [this](const TierKey& k) { return GetTier(k); };
  deps.pods_of = [this](const TierKey& k) { return PodsOf(k); };
  // Listed (not watched): read only when the update revision or the set of
  // revisions in use changes, a handful of times per rollout.
  deps.list_revisions = [this](const TierKey& k) {
    kube::ListOptions list_options;
    list_options.label_selector = std::string(api::kLabelTier) + "=" + k.name + "," +
                                  std::string(api::kLabelKind) + "=" +
                                  std::string(api::NamesOf(k.kind).kind);
    auto list = client_.ListAll(kube::resources::kControllerRevisions, k.ns, list_options);
    return list.value("items", nlohmann::json::array()).get<std::vector<nlohmann::json>>();
  };
  deps.writer = writer_.get();
  deps.drain_client = &drain_client_;
  deps.events = events_.get();
  deps.observer = options_.rollout_observer.get();
  deps.now = [] { return std::chrono::system_clock::now(); };
  deps.after_write = options_.after_write;
  deps.drain_token = options_.drain_token;
  monitor_ = std::make_unique<drain::DrainMonitor>(
      drain_client_, [this](const std::string& key) { EnqueueMonitorKey(key); });
  deps.follower = monitor_.get();
  reconciler_ = std::make_unique<TierReconciler>(std::move(deps), options_.reconciler);
}

TierController::~TierController() {
  StopWorkers();
  monitor_->Stop();
  for (auto& [kind, informer] : tiers_) informer->Stop();
  for (auto& informer : pods_) informer->Stop();
}

void TierController::StartCaches() {
  for (auto& [kind, informer] : tiers_) informer->Start();
  for (auto& informer : pods_) informer->Start();
}

bool TierController::CachesSynced() const {
  for (const auto& [kind, informer] : tiers_) {
    if (!informer->HasSynced()) return false;
  }
  for (const auto& informer : pods_) {
    if (!informer->HasSynced()) return false;
  }
  return true;
}

void TierController::StartWorkers() {
  leading_ = true;
  // Everything cached so far: reconcile it once now that we lead.
  for (auto& [kind, informer] : tiers_) {
    for (const auto& t : informer->cache().List()) {
      if (t->tier) Enqueue({t->tier->kind, t->tier->Namespace(), t->tier->Name()});
    }
  }
  workers_ = std::make_unique<kube::WorkerPool>(
      *queue_, options_.workers, [this](const std::string& key) { return ReconcileKey(key); });
}

void TierController::StopWorkers() {
  leading_ = false;
  if (workers_) {
    workers_->Stop();  // shuts the queue down and waits for running reconciles
    workers_.reset();
  }
}

std::size_t TierController::QueueDepth() const {
  return queue_->Len();
}

void TierController::Enqueue(const TierKey& key) {
  if (leading_) queue_->Add(key.String());
}

void TierController::EnqueuePod(const PodView& pod) {
  if (auto key = KeyOfPod(pod)) Enqueue(*key);
}

void TierController::EnqueueMonitorKey(const std::string& ns_pod) {
  auto slash = ns_pod.find('/');
  if (slash == std::string::npos) return;
  auto ns = ns_pod.substr(0, slash);
  auto name = ns_pod.substr(slash + 1);
  for (const auto& informer : pods_) {
    if (auto pod = informer->cache().Get(ns, name)) {
      EnqueuePod(*pod);
      return;
    }
  }
}

std::optional<api::Tier> TierController::GetTier(const TierKey& key) const {
  for (const auto& [kind, informer] : tiers_) {
    if (kind != key.kind) continue;
    if (auto cached = informer->cache().Get(key.ns, key.name); cached && cached->tier) {
      return cached->tier;
    }
  }
  return std::nullopt;
}

std::vector<PodView> TierController::PodsOf(const TierKey& key) const {
  std::vector<PodView> out;
  auto tier = GetTier(key);
  if (!tier) return out;
  for (const auto& informer : pods_) {
    for (const auto& pod : informer->cache().ByIndex("owner", tier->Uid())) out.push_back(*pod);
  }
  return out;
}

bool TierController::ReconcileKey(const std::string& key) {
  auto parsed = TierKey::Parse(key);
  if (!parsed) return true;  // not ours: drop it
  // Never plan from a partial cache (controller-runtime's WaitForCacheSync):
  // with the pod list not yet complete, a tier's pods look missing, and a
  // plan would recreate them and prune revisions still in use.
  if (!CachesSynced()) {
    queue_->AddAfter(key, std::chrono::milliseconds(100));
    return true;
  }
  ReconcileResult result;
  const auto started = std::chrono::steady_clock::now();
  auto report = [&](std::string_view outcome) {
    if (options_.reconcile_observer) {
      options_.reconcile_observer->OnReconcile(outcome, std::chrono::steady_clock::now() - started);
    }
  };
  try {
    result = reconciler_->Reconcile(*parsed);
  } catch (const std::exception& e) {
    spdlog::warn("reconcile {}: {}", key, e.what());
    report("error");
    return false;  // re-queued with backoff
  }
  report(result.error ? "error" : result.requeue_at ? "requeue_after" : "success");
  if (result.requeue_at) {
    auto delay = *result.requeue_at - std::chrono::system_clock::now();
    queue_->AddAfter(key, std::max<std::chrono::nanoseconds>(delay, std::chrono::milliseconds(10)));
  }
  return !result.error;
}

}  // namespace baton::controller
