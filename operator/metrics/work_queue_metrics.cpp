#include "metrics/work_queue_metrics.h"

#include "api/contract.h"

namespace baton::metrics {
namespace {

// client-go's buckets: 1 µs to 10 s, by powers of ten.
prometheus::Histogram::BucketBoundaries Buckets() {
  return {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
}

}  // namespace

WorkQueueMetrics::WorkQueueMetrics(prometheus::Registry& registry, const std::string& name)
    : depth_(prometheus::BuildGauge()
                 .Name(std::string(api::metric::kWorkqueueDepth))
                 .Help("Current depth of workqueue")
                 .Register(registry)
                 .Add({{"name", name}})),
      adds_(prometheus::BuildCounter()
                .Name(std::string(api::metric::kWorkqueueAddsTotal))
                .Help("Total number of adds handled by workqueue")
                .Register(registry)
                .Add({{"name", name}})),
      queue_duration_(prometheus::BuildHistogram()
                          .Name(std::string(api::metric::kWorkqueueQueueDurationSeconds))
                          .Help("How long in seconds an item stays in workqueue before being "
                                "requested")
                          .Register(registry)
                          .Add({{"name", name}}, Buckets())),
      work_duration_(prometheus::BuildHistogram()
                         .Name(std::string(api::metric::kWorkqueueWorkDurationSeconds))
                         .Help("How long in seconds processing an item from workqueue takes")
                         .Register(registry)
                         .Add({{"name", name}}, Buckets())) {}

void WorkQueueMetrics::OnAdd() {
  adds_.Increment();
}

void WorkQueueMetrics::OnDepth(std::size_t depth) {
  depth_.Set(static_cast<double>(depth));
}

void WorkQueueMetrics::OnQueued(std::chrono::steady_clock::duration waited) {
  queue_duration_.Observe(std::chrono::duration<double>(waited).count());
}

void WorkQueueMetrics::OnWorked(std::chrono::steady_clock::duration worked) {
  work_duration_.Observe(std::chrono::duration<double>(worked).count());
}

}  // namespace baton::metrics
