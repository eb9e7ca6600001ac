#include "kube/reflector.h"

#include <spdlog/spdlog.h>

#include <random>
#include <utility>

#include "kube/api_error.h"
#include "kube/rest_client.h"
#include "kube/transport_error.h"

namespace baton::kube {

Reflector::Reflector(RestClient& client, Resource resource, std::string ns,
                     ReflectorOptions options, ReflectorSink& sink)
    : client_(client),
      resource_(std::move(resource)),
      ns_(std::move(ns)),
      options_(std::move(options)),
      sink_(sink) {}

std::string Reflector::last_resource_version() const {
  std::lock_guard lock(mutex_);
  return rv_;
}

void Reflector::InterruptWatch() {
  std::lock_guard lock(mutex_);
  if (current_) current_->Cancel();
}

std::chrono::nanoseconds Reflector::BlockedFor(std::chrono::steady_clock::time_point now) const {
  const int64_t since = blocked_since_.load();
  if (since == 0) return std::chrono::nanoseconds(0);
  return std::max(std::chrono::nanoseconds(0),
                  now.time_since_epoch() - std::chrono::nanoseconds(since));
}

void Reflector::MarkProgress() {
  blocked_since_ = std::chrono::steady_clock::now().time_since_epoch().count();
}

void Reflector::MarkIdle() {
  blocked_since_ = 0;
}

std::size_t Reflector::ListInto(std::stop_token stop, const std::string& exact_version) {
  ListOptions list;
  list.label_selector = options_.label_selector;
  list.field_selector = options_.field_selector;
  list.limit = options_.page_size;
  if (!exact_version.empty()) {
    list.resource_version = exact_version;
    list.resource_version_match = "Exact";
  }
  sink_.ReplaceBegin();
  std::string rv;
  for (;;) {
    nlohmann::json page;
    MarkProgress();
    try {
      page = client_.List(resource_, ns_, list);
    } catch (const ApiError& e) {
      MarkIdle();
      if (!IsGone(e) || list.continue_token.empty() || !exact_version.empty()) throw;
      // The snapshot behind the continue token was compacted away: start
      // over with one unpaginated list, as client-go's pager does.
      spdlog::info("list {}: continue token expired; listing without pages", resource_.plural);
      list.limit.reset();
      list.continue_token.clear();
      sink_.ReplaceBegin();
      continue;
    } catch (...) {
      MarkIdle();
      throw;
    }
    MarkIdle();
    if (stop.stop_requested()) return 0;
    std::vector<nlohmann::json> items;
    if (auto it = page.find("items"); it != page.end() && it->is_array()) {
      items.reserve(it->size());
      for (auto& item : *it) items.push_back(std::move(item));
    }
    std::string next;
    if (auto m = page.find("metadata"); m != page.end() && m->is_object()) {
      if (auto c = m->find("continue"); c != m->end() && c->is_string()) next = *c;
      // Every page of one list shares the first page's snapshot version.
      if (auto v = m->find("resourceVersion"); v != m->end() && v->is_string()) rv = *v;
    }
    page = nlohmann::json();
    sink_.ReplacePage(std::move(items));
    if (next.empty()) break;
    list.continue_token = std::move(next);
    // A continued page names its snapshot in the token; the server refuses
    // a resourceVersion beside it.
    list.resource_version.clear();
    list.resource_version_match.clear();
  }
  ++stats_.lists;
  const std::size_t differences = sink_.ReplaceEnd(rv);
  std::lock_guard lock(mutex_);
  rv_ = std::move(rv);
  return differences;
}

bool Reflector::CompareWithServer(std::stop_token stop) {
  const std::string rv = last_resource_version();
  if (rv.empty()) return false;
  try {
    const std::size_t differences = ListInto(stop, rv);
    if (stop.stop_requested()) return true;
    ++stats_.relists_compared;
    stats_.relist_differences += differences;
    if (differences > 0) {
      spdlog::warn(
          "{} {}: the cache at resourceVersion {} differed from the server in {} "
          "objects: the watch missed events; repaired from the list",
          resource_.plural, ns_, rv, differences);
    } else {
      spdlog::debug("{} {}: cache matches the server at resourceVersion {}", resource_.plural, ns_,
                    rv);
    }
    if (options_.on_relist_compared) options_.on_relist_compared(differences);
    return true;
  } catch (const ApiError& e) {
    // 410: that version is compacted away; any other refusal (an old
    // server without Exact): a plain list, uncompared, keeps the cache right.
    spdlog::info("{} {}: cannot list at resourceVersion {} ({}); listing anew", resource_.plural,
                 ns_, rv, e.what());
    return false;
  } catch (const TransportError& e) {
    ++stats_.errors;
    spdlog::warn("list {}: {}", resource_.plural, e.what());
    return true;  // the watch resumes; compare next time
  }
}

bool Reflector::WaitBackoff(std::stop_token stop, std::chrono::milliseconds& backoff) {
  std::unique_lock lock(mutex_);
  const bool stopped = wake_.wait_for(lock, stop, backoff, [] { return false; });
  backoff = std::min(backoff * 2, options_.max_backoff);
  return !stopped && !stop.stop_requested();
}

void Reflector::Run(std::stop_token stop) {
  std::mt19937 rng{std::random_device{}()};
  std::chrono::milliseconds backoff = options_.min_backoff;
  bool need_list = true;
  auto next_compare = std::chrono::steady_clock::now() + options_.relist_period;
  while (!stop.stop_requested()) {
    if (!need_list && options_.relist_period.count() > 0 &&
        std::chrono::steady_clock::now() >= next_compare) {
      next_compare = std::chrono::steady_clock::now() + options_.relist_period;
      if (!CompareWithServer(stop)) need_list = true;
      continue;
    }
    if (need_list) {
      try {
        ListInto(stop);
        need_list = false;
        backoff = options_.min_backoff;
      } catch (const ApiError& e) {
        ++stats_.errors;
        spdlog::warn("list {}: {}", resource_.plural, e.what());
        if (!WaitBackoff(stop, backoff)) return;
        continue;
      } catch (const TransportError& e) {
        ++stats_.errors;
        spdlog::warn("list {}: {}", resource_.plural, e.what());
        if (!WaitBackoff(stop, backoff)) return;
        continue;
      }
      continue;
    }

    if (options_.before_watch) options_.before_watch();
    if (stop.stop_requested()) return;
    WatchOptions watch;
    watch.label_selector = options_.label_selector;
    watch.field_selector = options_.field_selector;
    watch.resource_version = last_resource_version();
    const auto base = options_.watch_timeout.count();
    watch.timeout = std::chrono::seconds(
        base + std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(base - 1, 0))(rng));
    if (options_.idle_timeout.count() > 0) {
      watch.read_timeout = std::min<std::chrono::milliseconds>(
          options_.idle_timeout, watch.timeout + std::chrono::seconds(30));
    }
    WatchStream stream(client_, resource_, ns_, watch);
    {
      std::lock_guard lock(mutex_);
      current_ = &stream;
    }
    std::stop_callback on_stop(stop, [&stream] { stream.Cancel(); });
    ++stats_.watches;
    bool delivered = false;
    const auto watch_started = std::chrono::steady_clock::now();
    uint64_t watch_events = 0;
    spdlog::debug("watch {} {}: from resourceVersion {} for {} s", resource_.plural, ns_,
                  watch.resource_version, watch.timeout.count());
    try {
      // Not blocked from the moment the request ends, however it ends.
      struct IdleOnExit {
        Reflector* reflector;
        ~IdleOnExit() { reflector->MarkIdle(); }
      } idle_on_exit{this};
      MarkProgress();
      const WatchEnd end = stream.Run([&](WatchEvent&& event) {
        ++watch_events;
        MarkProgress();
        delivered = true;
        std::string rv = ResourceVersionOf(event.object);
        if (event.type == WatchEventType::Bookmark) {
          ++stats_.bookmarks;
        } else {
          ++stats_.events;
          sink_.Apply(std::move(event));
        }
        // Only after the sink has the event: a resume from this version
        // must not skip it.
        std::lock_guard lock(mutex_);
        if (!rv.empty()) rv_ = std::move(rv);
      });
      spdlog::debug("watch {} {}: {} after {} ms, {} events", resource_.plural, ns_,
                    end == WatchEnd::Cancelled ? "cancelled" : "ended by the server",
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - watch_started)
                        .count(),
                    watch_events);
      backoff = options_.min_backoff;
    } catch (const ApiError& e) {
      if (IsGone(e)) {
        ++stats_.gone;
        spdlog::info("watch {}: {}; relisting", resource_.plural, e.message());
        need_list = true;
      } else {
        ++stats_.errors;
        spdlog::warn("watch {}: {}", resource_.plural, e.what());
        if (!delivered && !WaitBackoff(stop, backoff)) {
          std::lock_guard lock(mutex_);
          current_ = nullptr;
          return;
        }
      }
    } catch (const TransportError& e) {
      ++stats_.errors;
      spdlog::info("watch {}: {}; resuming from {}", resource_.plural, e.what(),
                   last_resource_version());
      if (!delivered && !WaitBackoff(stop, backoff)) {
        std::lock_guard lock(mutex_);
        current_ = nullptr;
        return;
      }
    } catch (const WatchFrameError& e) {
      // A garbled stream may have lost events: start from a fresh list.
      ++stats_.errors;
      spdlog::warn("watch {}: {}; relisting", resource_.plural, e.what());
      need_list = true;
    } catch (...) {
      std::lock_guard lock(mutex_);
      current_ = nullptr;
      throw;
    }
    std::lock_guard lock(mutex_);
    current_ = nullptr;
  }
}

}  // namespace baton::kube
