#include "metrics/controller_metrics.h"

#include "api/contract.h"

namespace baton::metrics {

ControllerMetrics::ControllerMetrics(prometheus::Registry& registry, std::string controller)
    : controller_(std::move(controller)),
      total_(prometheus::BuildCounter()
                 .Name(std::string(api::metric::kReconcileTotal))
                 .Help("Total number of reconciliations per controller")
                 .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name(std::string(api::metric::kReconcileErrorsTotal))
                  .Help("Total number of reconciliation errors per controller")
                  .Register(registry)
                  .Add({{"controller", controller_}})),
      time_(prometheus::BuildHistogram()
                .Name(std::string(api::metric::kReconcileTimeSeconds))
                .Help("Length of time per reconciliation per controller")
                .Register(registry)
                .Add({{"controller", controller_}},
                     prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                             0.5, 1, 2.5, 5, 10, 30})) {
  // Every result exists from the start, so a rate() over it is never empty.
  for (const char* r : {"success", "error", "requeue_after"}) {
    total_.Add({{"controller", controller_}, {"result", r}});
  }
}

void ControllerMetrics::OnReconcile(std::string_view result,
                                    std::chrono::steady_clock::duration took) {
  total_.Add({{"controller", controller_}, {"result", std::string(result)}}).Increment();
  if (result == "error") errors_.Increment();
  time_.Observe(std::chrono::duration<double>(took).count());
}

}  // namespace baton::metrics
