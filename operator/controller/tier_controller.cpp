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
  // The safety nets of issue 24, kept although its cause was elsewhere (a
  // pod left NotReady by the test's kubelet stand-in): every request and
  // every quiet watch has a deadline, every tier is re-planned each resync
  // period, and each cache is compared with the server every relist period.
  const auto with_safety_nets = [this](kube::InformerOptions o, std::string_view resource) {
    o.watch_timeout = options_.watch_timeout;
    o.idle_timeout = options_.watch_idle_timeout;
    o.relist_period = options_.relist_period;
    if (options_.on_relist_compared) {
      o.on_relist_compared = [hook = options_.on_relist_compared, resource = std::string(resource)](
                                 std::size_t differences) { hook(resource, differences); };
    }
    return o;
  };
  kube::InformerOptions tier_options;
  tier_options.resync_period = options_.resync;  // on_update for every tier: re-plans it
  kube::InformerOptions pod_options;
  pod_options.label_selector = std::string(api::kLabelTier);  // only pods of some tier
  pod_options = with_safety_nets(pod_options, "pods");
  for (const auto& ns : namespaces) {
    for (const auto& names : api::kTierKinds) {
      auto kind = *api::ParseTierKind(names.kind);
      auto informer = std::make_unique<kube::Informer<CachedTier>>(
          client_, TierResource(kind), ns, ProjectTier,
          with_safety_nets(tier_options, TierResource(kind).plural));
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
    pods->cache().AddIndex("node", [](const nlohmann::json& pod) -> std::vector<std::string> {
      const auto name = pod.value("/spec/nodeName"_json_pointer, std::string());
      if (name.empty()) return {};
      return {name};
    });
    auto enqueue = [this](const PodView& p) { EnqueuePod(p); };
    pods->cache().AddHandlers(
        {enqueue, [enqueue](const PodView&, const PodView& now) { enqueue(now); }, enqueue});
    pods_.push_back(std::move(pods));
  }

  if (options_.evacuate_leaving_nodes) {
    // Nodes are cluster-scoped: one cache whatever the namespaces watched.
    nodes_ = std::make_unique<kube::Informer<NodeView>>(
        client_, kube::resources::kNodes, "", NodeViewFromJson,
        with_safety_nets(kube::InformerOptions{}, "nodes"));
    auto on_node = [this](const NodeView& n) { EnqueuePodsOnNode(n); };
    nodes_->cache().AddHandlers(
        {on_node, [on_node](const NodeView&, const NodeView& now) { on_node(now); }, on_node});
  }

  TierReconciler::Deps deps;
  deps.get_tier = [this](const TierKey& k) { return GetTier(k); };
  deps.pods_of = [this](const TierKey& k) { return PodsOf(k); };
  if (nodes_) deps.departure_of = [this](const std::string& node) { return DepartureOf(node); };
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
  deps.canary_metric = options_.canary_metric;
  monitor_ = std::make_unique<drain::DrainMonitor>(
      drain_client_, [this](const std::string& key) { EnqueueMonitorKey(key); }, options_.monitor);
  deps.follower = monitor_.get();
  reconciler_ = std::make_unique<TierReconciler>(std::move(deps), options_.reconciler);
}

TierController::~TierController() {
  StopWorkers();
  monitor_->Stop();
  for (auto& [kind, informer] : tiers_) informer->Stop();
  for (auto& informer : pods_) informer->Stop();
  if (nodes_) nodes_->Stop();
}

void TierController::StartCaches() {
  for (auto& [kind, informer] : tiers_) informer->Start();
  for (auto& informer : pods_) informer->Start();
  if (nodes_) nodes_->Start();
}

bool TierController::CachesSynced() const {
  for (const auto& [kind, informer] : tiers_) {
    if (!informer->HasSynced()) return false;
  }
  for (const auto& informer : pods_) {
    if (!informer->HasSynced()) return false;
  }
  return !nodes_ || nodes_->HasSynced();
}

void TierController::StartWorkers() {
  leading_ = true;
  // Everything cached so far: reconcile it once now that we lead.
  for (auto& [kind, informer] : tiers_) {
    for (const auto& t : informer->cache().List()) {
      if (t->tier) Enqueue({t->tier->kind, t->tier->Namespace(), t->tier->Name()});
    }
  }
  auto workers = std::make_unique<kube::WorkerPool>(
      *queue_, options_.workers, [this](const std::string& key) { return ReconcileKey(key); });
  std::lock_guard lock(workers_mutex_);
  workers_ = std::move(workers);
}

void TierController::StopWorkers() {
  leading_ = false;
  std::unique_ptr<kube::WorkerPool> workers;
  {
    std::lock_guard lock(workers_mutex_);
    workers = std::move(workers_);
  }
  if (workers) workers->Stop();  // shuts the queue down and waits for running reconciles
}

std::size_t TierController::QueueDepth() const {
  return queue_->Len();
}

std::optional<std::string> TierController::Stuck(std::chrono::steady_clock::time_point now) const {
  const auto seconds = [](auto d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count());
  };
  std::lock_guard lock(workers_mutex_);
  if (workers_) {
    if (auto busy = workers_->LongestRunning(now);
        busy && busy->running_for > options_.worker_stuck_after) {
      return "a worker has been reconciling " + busy->key + " for " + seconds(busy->running_for) +
             " s";
    }
  }
  const auto check = [&](auto& informer) -> std::optional<std::string> {
    auto blocked = informer->reflector().BlockedFor(now);
    if (blocked <= options_.watch_stuck_after) return std::nullopt;
    return "the " + informer->reflector().resource().plural + " cache has waited " +
           seconds(blocked) + " s on one request";
  };
  for (const auto& [kind, informer] : tiers_) {
    if (auto why = check(informer)) return why;
  }
  for (const auto& informer : pods_) {
    if (auto why = check(informer)) return why;
  }
  if (nodes_) return check(nodes_);
  return std::nullopt;
}

void TierController::Enqueue(const TierKey& key) {
  if (leading_) queue_->Add(key.String());
}

std::optional<std::string> TierController::DepartureOf(const std::string& node) const {
  if (!nodes_ || node.empty()) return std::nullopt;
  auto cached = nodes_->cache().Get("", node);
  if (!cached) return std::nullopt;
  auto why = rollout::DepartureOf(*cached, options_.departure_taints);
  if (!why) return std::nullopt;
  return "node " + node + " (" + *why + ")";
}

void TierController::EnqueuePodsOnNode(const NodeView& node) {
  for (const auto& informer : pods_) {
    for (const auto& pod : informer->cache().ByIndex("node", node.name)) EnqueuePod(*pod);
  }
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
  spdlog::debug("reconcile {}: {} in {} ms{}", key, result.error ? "error" : "done",
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count(),
                result.requeue_at
                    ? ", requeue in " +
                          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             *result.requeue_at - std::chrono::system_clock::now())
                                             .count()) +
                          " ms"
                    : std::string());
  if (result.requeue_at) {
    auto delay = *result.requeue_at - std::chrono::system_clock::now();
    queue_->AddAfter(key, std::max<std::chrono::nanoseconds>(delay, std::chrono::milliseconds(10)));
  }
  return !result.error;
}

}  // namespace baton::controller
