// controller-runtime's reconcile metrics, fed by TierController:
// controller_runtime_reconcile_total{controller,result},
// controller_runtime_reconcile_errors_total{controller},
// controller_runtime_reconcile_time_seconds{controller}.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "controller/controller_observer.h"

namespace baton::metrics {

class ControllerMetrics final : public controller::ReconcileObserver {
 public:
  ControllerMetrics(prometheus::Registry& registry, std::string controller);
  void OnReconcile(std::string_view result, std::chrono::steady_clock::duration took) override;

 private:
  std::string controller_;
  prometheus::Family<prometheus::Counter>& total_;
  prometheus::Counter& errors_;
  prometheus::Histogram& time_;
};

}  // namespace baton::metrics
