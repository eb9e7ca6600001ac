// list + watch, forever: client-go's Reflector. Lists once (paginated),
// then watches from the list's resourceVersion, resumes every ended or
// broken watch from the last resourceVersion seen (bookmarks included)
// without listing again, and lists again when the server answers 410 Gone
// (the version was compacted away).
//
// Two safety nets beyond client-go's, because a cache that silently stops
// changing is the worst failure a controller has (issue 24):
//   - a watch that delivers nothing for idle_timeout is cut and resumed;
//   - every relist_period, between two watches, it lists at exactly the
//     resourceVersion the cache has reached and compares: any object that
//     differs is an event the watch never delivered. The list repairs the
//     cache and the count goes to a metric.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <vector>

#include "kube/request_options.h"
#include "kube/resource.h"
#include "kube/watch_stream.h"

namespace baton::kube {

class RestClient;

// Where the reflector delivers what it learns. Called on the reflector's
// thread, one call at a time.
class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // A complete, consistent snapshot (initial list and every relist),
  // delivered page by page so that no more than one page of JSON is held at
  // a time: ReplaceBegin, ReplacePage..., ReplaceEnd. A ReplaceBegin without
  // ReplaceEnd (the list failed half-way) discards what was staged.
  virtual void ReplaceBegin() = 0;
  virtual void ReplacePage(std::vector<nlohmann::json>&& items) = 0;
  // Returns how many objects the snapshot added, changed or removed.
  virtual std::size_t ReplaceEnd(const std::string& resource_version) = 0;
  // One ADDED/MODIFIED/DELETED event (bookmarks are not delivered).
  virtual void Apply(WatchEvent&& event) = 0;
};

struct ReflectorOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;
  // Server-side watch timeout; each watch gets a random length in
  // [timeout, 2 × timeout) so a fleet of watches does not reconnect in step.
  std::chrono::seconds watch_timeout{300};
  // Wait after a failed list or watch: doubles from min to max.
  std::chrono::milliseconds min_backoff{200};
  std::chrono::milliseconds max_backoff{30'000};
  // The longest a watch may deliver nothing (no event, no bookmark) before
  // the client cuts it and resumes. 0: the watch's own timeout + 30 s, so
  // that an idle watch is ended by the server, cleanly.
  std::chrono::seconds idle_timeout{0};
  // How often to list at the cache's resourceVersion and count what the
  // watch missed (0: never). Each comparison costs one list.
  std::chrono::seconds relist_period{0};
  // After each comparison: how many objects differed (0 when none did).
  std::function<void(std::size_t differences)> on_relist_compared;
  // Called on the reflector thread before every watch request. For tests
  // that must hold the reflector between two watches (e.g. to compact).
  std::function<void()> before_watch;
};

// Counters for tests and metrics.
struct ReflectorStats {
  std::atomic<uint64_t> lists{0};
  std::atomic<uint64_t> watches{0};
  std::atomic<uint64_t> gone{0};  // 410 answers that forced a relist
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> bookmarks{0};
  std::atomic<uint64_t> relists_compared{0};
  std::atomic<uint64_t> relist_differences{0};
};

class Reflector {
 public:
  Reflector(RestClient& client, Resource resource, std::string ns, ReflectorOptions options,
            ReflectorSink& sink);
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  // Runs until `stop` is requested; then closes the current watch at once.
  // Exceptions from the sink propagate (the reflector does not swallow bugs).
  void Run(std::stop_token stop);

  // Closes the current watch connection as a network failure would; the
  // reflector resumes from its last resourceVersion.
  void InterruptWatch();

  const ReflectorStats& stats() const { return stats_; }
  const Resource& resource() const { return resource_; }

  // How long the reflector has been inside one request (a list page or a
  // watch) without anything arriving; zero while it is between requests or
  // waiting out a backoff. Liveness checks compare it with a bound: every
  // request here has a deadline, so a large value means a hang.
  std::chrono::nanoseconds BlockedFor(std::chrono::steady_clock::time_point now) const;
  std::string last_resource_version() const;

 private:
  // Lists into the sink; at exactly `exact_version` when it is not empty.
  // Returns the number of objects that differed from the cache.
  std::size_t ListInto(std::stop_token stop, const std::string& exact_version = "");
  // The periodic comparison; false when a plain list must follow.
  bool CompareWithServer(std::stop_token stop);
  void MarkProgress();
  void MarkIdle();
  bool WaitBackoff(std::stop_token stop, std::chrono::milliseconds& backoff);

  RestClient& client_;
  Resource resource_;
  std::string ns_;
  ReflectorOptions options_;
  ReflectorSink& sink_;
  ReflectorStats stats_;

  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  WatchStream* current_ = nullptr;  // guarded by mutex_
  std::string rv_;                  // guarded by mutex_
  // Steady-clock nanoseconds of the last progress inside a request; 0 when
  // not inside one.
  std::atomic<int64_t> blocked_since_{0};
};

}  // namespace baton::kube
