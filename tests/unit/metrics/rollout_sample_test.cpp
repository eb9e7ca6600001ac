#include "metrics/rollout_sample.h"

#include <gtest/gtest.h>

#include "api/contract.h"
#include "timestamp/rfc3339.h"

namespace baton::metrics {
namespace {

using Clock = std::chrono::system_clock;

struct Fixture {
  api::Tier tier;
  std::vector<controller::PodView> owned;
  std::map<std::string, drain::DrainReading> readings;
  rollout::Plan plan;
  rollout::StatusResult status;
  Clock::time_point now = *timestamp::ParseRfc3339("2026-11-25T12:00:00Z");

  Fixture() {
    tier.kind = api::TierKind::Relay;
    tier.metadata = {{"name", "relay"}, {"namespace", "demo"}};
    tier.spec.replicas = 3;
    status.status.phase = api::Phase::Progressing;
    status.status.updated_replicas = 1;
    status.status.ready_replicas = 3;
  }
  controller::PodView& Pod(const std::string& name, std::optional<std::int64_t> sessions) {
    controller::PodView p;
    p.ns = "demo";
    p.name = name;
    owned.push_back(p);
    if (sessions) {
      drain::DrainReading r;
      r.known = true;
      r.sessions = *sessions;
      readings[name] = r;
    } else {
      readings[name] = drain::DrainReading::Unknown("unreachable", now);
    }
    return owned.back();
  }
  RolloutSample Sample(bool acted = true) {
    return SampleOf({tier, owned, readings, plan, status, acted, now});
  }
};

TEST(RolloutSample, TierGaugesComeFromSpecAndStatus) {
  Fixture f;
  auto s = f.Sample();
  EXPECT_EQ(s.ns, "demo");
  EXPECT_EQ(s.name, "relay");
  EXPECT_EQ(s.kind, "RelayTier");
  EXPECT_EQ(s.phase, "Progressing");
  EXPECT_EQ(s.desired, 3);
  EXPECT_EQ(s.updated, 1);
  EXPECT_EQ(s.ready, 3);
}

TEST(RolloutSample, UnknownCountsAreLeftOutNeverZero) {
  Fixture f;
  f.Pod("relay-a", 500);
  f.Pod("relay-b", std::nullopt);
  rollout::DrainingPodStatus d1;
  d1.pod = "relay-a";
  d1.sessions_now = 420;
  rollout::DrainingPodStatus d2;
  d2.pod = "relay-b";  // unknown now
  f.status.status.draining_pods = {d1, d2};
  auto s = f.Sample();
  EXPECT_EQ(s.pod_sessions, (std::map<std::string, std::int64_t>{{"relay-a", 500}}));
  EXPECT_EQ(s.sessions_left, (std::map<std::string, std::int64_t>{{"relay-a", 420}}));
}

TEST(RolloutSample, DeletionsAfterADrainGiveDurationAndCutSessions) {
  Fixture f;
  f.Pod("relay-a", 0).annotations[std::string(api::kAnnotationDrainStartedAt)] =
      "2026-11-25T11:59:30Z";
  f.Pod("relay-b", 7).annotations[std::string(api::kAnnotationDrainStartedAt)] =
      "2026-11-25T11:50:00Z";
  f.Pod("relay-c", 0);  // never drained: deleted because it failed
  f.plan.actions = {rollout::DeletePod{"relay-a", "u1", rollout::DeleteReason::Drained, 0},
                    rollout::DeletePod{"relay-b", "u2", rollout::DeleteReason::TimeoutProceed, 7},
                    rollout::DeletePod{"relay-c", "u3", rollout::DeleteReason::Failed, 0}};
  auto s = f.Sample();
  EXPECT_EQ(s.drain_seconds, (std::vector<double>{30, 600}));
  EXPECT_EQ(s.sessions_cut, 7);
  // A pass whose writes failed did not delete anything: nothing counted.
  auto failed = f.Sample(/*acted=*/false);
  EXPECT_TRUE(failed.drain_seconds.empty());
  EXPECT_EQ(failed.sessions_cut, 0);
}

// Issue 19: sessions on a serving pod someone else deleted are cut too.
TEST(RolloutSample, SessionsCutByOthersCountWhateverThePassDid) {
  Fixture f;
  auto s = SampleOf({f.tier, f.owned, f.readings, f.plan, f.status, false, f.now, 41200});
  EXPECT_EQ(s.sessions_cut, 41200);
}

TEST(RolloutSample, EvacuationsAreCountedWhenThePassActed) {
  Fixture f;
  f.plan.events = {{api::event::kDrainStarted, "relay-a", "draining relay-a", false},
                   {api::event::kEvacuationStarted, "relay-a", "evacuating relay-a", false}};
  EXPECT_EQ(f.Sample().evacuations, 1);
  EXPECT_EQ(f.Sample(/*acted=*/false).evacuations, 0);
}

TEST(RolloutSample, FailedPodReplacementsAreCountedWhenThePassActed) {
  Fixture f;
  f.plan.events = {{api::event::kPodCreated, "relay-d", "creating relay-d", false},
                   {api::event::kPodReplaced, "relay-c", "deleted failed pod relay-c", true}};
  EXPECT_EQ(f.Sample().failed_pods_replaced, 1);
  EXPECT_EQ(f.Sample(/*acted=*/false).failed_pods_replaced, 0);
}

TEST(RolloutSample, RolloutResultsFromEvents) {
  Fixture f;
  f.status.events = {{api::event::kRolloutCompleted, "", "done", false}};
  f.plan.events = {{api::event::kRolledBack, "", "undo", false},
                   {api::event::kPodCreated, "relay-x", "", false}};
  auto s = f.Sample();
  EXPECT_EQ(s.rollout_results, (std::vector<std::string>{"rolled_back", "completed"}));
}

}  // namespace
}  // namespace baton::metrics
