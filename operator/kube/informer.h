// A shared informer: a Reflector (paginated list + resumable watch) feeding
// an ObjectCache of slim objects, plus periodic resync and wait-for-sync.
//
//   Informer<PodView> pods(client, resources::kPods, "", ProjectPod,
//                          {.label_selector = "baton.dev/tier"});
//   pods.cache().AddIndex("owner", IndexByOwnerUid());
//   pods.cache().AddHandlers({.on_add = ..., .on_update = ..., .on_delete = ...});
//   pods.Start();
//   if (!pods.WaitForSync(30s)) ...
//
// The projection runs once per received object; only its result is kept.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kube/object_cache.h"
#include "kube/reflector.h"

namespace baton::kube {

class RestClient;

struct InformerOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;
  std::chrono::seconds watch_timeout{300};
  // See ReflectorOptions: cut a watch quiet this long (0: watch timeout +
  // 30 s); compare the cache with the server this often (0: never).
  std::chrono::seconds idle_timeout{0};
  std::chrono::seconds relist_period{0};
  std::function<void(std::size_t differences)> on_relist_compared;
  // 0 = no resync.
  std::chrono::milliseconds resync_period{0};
  std::function<void()> before_watch;  // see ReflectorOptions
};

// The threads of an informer, independent of the cached type: the reflector
// thread and the resync timer. Stops (and joins) on destruction.
class InformerRunner {
 public:
  InformerRunner(RestClient& client, Resource resource, std::string ns,
                 const InformerOptions& options, ReflectorSink& sink, std::function<void()> resync);
  ~InformerRunner();
  InformerRunner(const InformerRunner&) = delete;
  InformerRunner& operator=(const InformerRunner&) = delete;

  void Start();
  void Stop();
  Reflector& reflector() { return reflector_; }

 private:
  Reflector reflector_;
  std::chrono::milliseconds resync_period_;
  std::function<void()> resync_;
  std::mutex mutex_;
  std::condition_variable_any resync_wake_;
  std::jthread reflector_thread_;
  std::jthread resync_thread_;
};

template <typename T>
class Informer {
 public:
  Informer(RestClient& client, Resource resource, std::string ns,
           typename ObjectCache<T>::Projection projection, InformerOptions options = {})
      : cache_(std::move(projection)),
        runner_(client, std::move(resource), std::move(ns), options, cache_,
                [this] { cache_.Resync(); }) {}
  ~Informer() { Stop(); }
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Add indexes and handlers on cache() before Start().
  ObjectCache<T>& cache() { return cache_; }
  const ObjectCache<T>& cache() const { return cache_; }
  Reflector& reflector() { return runner_.reflector(); }

  void Start() { runner_.Start(); }
  // Closes the watch at once and joins the threads. Idempotent.
  void Stop() { runner_.Stop(); }

  // True once the first list is in the cache.
  bool HasSynced() const { return cache_.synced(); }
  bool WaitForSync(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!HasSynced()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

 private:
  ObjectCache<T> cache_;
  InformerRunner runner_;
};

}  // namespace baton::kube
