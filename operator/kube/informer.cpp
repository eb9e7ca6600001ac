#include "kube/informer.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace baton::kube {

namespace {

ReflectorOptions ToReflectorOptions(const InformerOptions& options) {
  ReflectorOptions out;
  out.label_selector = options.label_selector;
  out.field_selector = options.field_selector;
  out.page_size = options.page_size;
  out.watch_timeout = options.watch_timeout;
  out.before_watch = options.before_watch;
  out.idle_timeout = options.idle_timeout;
  out.relist_period = options.relist_period;
  out.on_relist_compared = options.on_relist_compared;
  return out;
}

}  // namespace

InformerRunner::InformerRunner(RestClient& client, Resource resource, std::string ns,
                               const InformerOptions& options, ReflectorSink& sink,
                               std::function<void()> resync)
    : reflector_(client, std::move(resource), std::move(ns), ToReflectorOptions(options), sink),
      resync_period_(options.resync_period),
      resync_(std::move(resync)) {}

InformerRunner::~InformerRunner() {
  Stop();
}

void InformerRunner::Start() {
  if (reflector_thread_.joinable()) return;
  reflector_thread_ = std::jthread([this](std::stop_token stop) {
    try {
      reflector_.Run(stop);
    } catch (const std::exception& e) {
      // Only a bug (a sink or handler that throws past the cache) gets here;
      // a cache that silently stops updating is worse than a crash.
      spdlog::critical("informer: reflector stopped: {}", e.what());
      std::terminate();
    }
  });
  if (resync_period_.count() > 0) {
    resync_thread_ = std::jthread([this](std::stop_token stop) {
      for (;;) {
        {
          std::unique_lock lock(mutex_);
          if (resync_wake_.wait_for(lock, stop, resync_period_, [] { return false; }) ||
              stop.stop_requested()) {
            return;
          }
        }
        resync_();
      }
    });
  }
}

void InformerRunner::Stop() {
  if (resync_thread_.joinable()) {
    resync_thread_.request_stop();
    resync_thread_.join();
  }
  if (reflector_thread_.joinable()) {
    reflector_thread_.request_stop();
    reflector_thread_.join();
  }
}

}  // namespace baton::kube
