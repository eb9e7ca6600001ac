// client-go's work-queue metrics, fed by kube::WorkQueue:
// workqueue_depth{name}, workqueue_adds_total{name},
// workqueue_queue_duration_seconds{name}, workqueue_work_duration_seconds{name}.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "kube/queue_observer.h"

namespace baton::metrics {

class WorkQueueMetrics final : public kube::QueueObserver {
 public:
  WorkQueueMetrics(prometheus::Registry& registry, const std::string& name);
  void OnAdd() override;
  void OnDepth(std::size_t depth) override;
  void OnQueued(std::chrono::steady_clock::duration waited) override;
  void OnWorked(std::chrono::steady_clock::duration worked) override;

 private:
  prometheus::Gauge& depth_;
  prometheus::Counter& adds_;
  prometheus::Histogram& queue_duration_;
  prometheus::Histogram& work_duration_;
};

}  // namespace baton::metrics
