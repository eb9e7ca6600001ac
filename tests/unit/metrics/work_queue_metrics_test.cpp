#include "metrics/work_queue_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "kube/work_queue.h"

namespace baton::metrics {
namespace {

std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(WorkQueueMetrics, FollowsAddsDepthAndBothLatencies) {
  prometheus::Registry registry;
  auto metrics = std::make_shared<WorkQueueMetrics>(registry, "tier");
  kube::WorkQueue queue({}, metrics);
  queue.Add("a");
  queue.Add("b");
  queue.Add("a");  // already waiting: not an add
  auto text = Scrape(registry);
  EXPECT_TRUE(Has(text, R"(workqueue_adds_total{name="tier"} 2)")) << text;
  EXPECT_TRUE(Has(text, R"(workqueue_depth{name="tier"} 2)")) << text;

  auto key = queue.Get();
  ASSERT_TRUE(key);
  text = Scrape(registry);
  EXPECT_TRUE(Has(text, R"(workqueue_depth{name="tier"} 1)")) << text;
  EXPECT_TRUE(Has(text, R"(workqueue_queue_duration_seconds_count{name="tier"} 1)")) << text;
  EXPECT_TRUE(Has(text, R"(workqueue_work_duration_seconds_count{name="tier"} 0)")) << text;

  queue.Done(*key);
  text = Scrape(registry);
  EXPECT_TRUE(Has(text, R"(workqueue_work_duration_seconds_count{name="tier"} 1)")) << text;
}

}  // namespace
}  // namespace baton::metrics
