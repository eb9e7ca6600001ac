#include "metrics/rollout_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "timestamp/rfc3339.h"

namespace baton::metrics {
namespace {

std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(RolloutMetrics, SeriesFollowThePassesAndVanishWithTheirPods) {
  prometheus::Registry registry;
  RolloutMetrics metrics(registry);
  api::Tier tier;
  tier.metadata = {{"name", "relay"}, {"namespace", "demo"}};
  tier.spec.replicas = 2;
  std::vector<controller::PodView> owned(2);
  owned[0].name = "relay-a";
  owned[1].name = "relay-b";
  std::map<std::string, drain::DrainReading> readings;
  readings["relay-a"].known = true;
  readings["relay-a"].sessions = 40;
  readings["relay-b"].known = true;
  readings["relay-b"].sessions = 900;
  rollout::Plan plan;
  rollout::StatusResult status;
  status.status.phase = api::Phase::Progressing;
  status.status.updated_replicas = 1;
  rollout::DrainingPodStatus d;
  d.pod = "relay-b";
  d.sessions_now = 900;
  status.status.draining_pods = {d};
  auto now = std::chrono::system_clock::now();

  metrics.OnPass({tier, owned, readings, plan, status, true, now});
  auto text = Scrape(registry);
  EXPECT_NE(
      text.find(
          R"(baton_tier_info{kind="RelayTier",name="relay",namespace="demo",phase="Progressing"} 1)"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(R"(baton_drain_sessions_left{namespace="demo",pod="relay-b",tier="relay"} 900)"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(R"(baton_tier_replicas_updated{kind="RelayTier",name="relay",namespace="demo"} 1)"),
      std::string::npos)
      << text;

  // relay-b drained and went; the tier is Healthy.
  owned.pop_back();
  readings.erase("relay-b");
  status.status.draining_pods.clear();
  status.status.phase = api::Phase::Healthy;
  status.status.updated_replicas = 2;
  metrics.OnPass({tier, owned, readings, plan, status, true, now});
  text = Scrape(registry);
  EXPECT_EQ(text.find("relay-b"), std::string::npos) << text;
  EXPECT_EQ(text.find(R"(phase="Progressing")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(phase="Healthy"} 1)"), std::string::npos) << text;

  metrics.OnTierGone(api::TierKind::Relay, "demo", "relay");
  text = Scrape(registry);
  EXPECT_EQ(text.find("baton_tier_info{"), std::string::npos) << text;
  EXPECT_EQ(text.find("baton_pod_sessions{"), std::string::npos) << text;
}

}  // namespace
}  // namespace baton::metrics
