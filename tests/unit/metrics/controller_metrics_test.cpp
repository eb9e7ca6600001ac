#include "metrics/controller_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace baton::metrics {
namespace {

TEST(ControllerMetrics, ResultsErrorsAndTimes) {
  prometheus::Registry registry;
  ControllerMetrics metrics(registry, "tier");
  metrics.OnReconcile("success", std::chrono::milliseconds(3));
  metrics.OnReconcile("error", std::chrono::milliseconds(40));
  metrics.OnReconcile("requeue_after", std::chrono::milliseconds(1));
  metrics.OnReconcile("success", std::chrono::milliseconds(2));
  auto text = prometheus::TextSerializer().Serialize(registry.Collect());
  for (const char* line : {
           R"(controller_runtime_reconcile_total{controller="tier",result="success"} 2)",
           R"(controller_runtime_reconcile_total{controller="tier",result="error"} 1)",
           R"(controller_runtime_reconcile_total{controller="tier",result="requeue_after"} 1)",
           R"(controller_runtime_reconcile_errors_total{controller="tier"} 1)",
           R"(controller_runtime_reconcile_time_seconds_count{controller="tier"} 4)",
           R"(controller_runtime_reconcile_time_seconds_bucket{controller="tier",le="0.005"} 3)",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

}  // namespace
}  // namespace baton::metrics
