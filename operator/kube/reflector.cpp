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

void Reflector::ListInto(std::stop_token stop) {
  ListOptions list;
  list.label_selector = options_.label_selector;
  list.field_selector = options_.field_selector;
  list.limit = options_.page_size;
  sink_.ReplaceBegin();
  std::string rv;
  for (;;) {
    nlohmann::json page;
    try {
      page = client_.List(resource_, ns_, list);
    } catch (const ApiError& e) {
      if (!IsGone(e) || list.continue_token.empty()) throw;
      // The snapshot behind the continue token was compacted away: start
      // over with one unpaginated list, as client-go's pager does.
      spdlog::info("list {}: continue token expired; listing without pages", resource_.plural);
      list.limit.reset();
      list.continue_token.clear();
      sink_.ReplaceBegin();
      continue;
    }
    if (stop.stop_requested()) return;
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
  }
  ++stats_.lists;
  sink_.ReplaceEnd(rv);
  std::lock_guard lock(mutex_);
  rv_ = std::move(rv);
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
  while (!stop.stop_requested()) {
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
    WatchStream stream(client_, resource_, ns_, watch);
    {
      std::lock_guard lock(mutex_);
      current_ = &stream;
    }
    std::stop_callback on_stop(stop, [&stream] { stream.Cancel(); });
    ++stats_.watches;
    bool delivered = false;
    try {
      stream.Run([&](WatchEvent&& event) {
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
