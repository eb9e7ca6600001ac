#include "rollout/canary_progress.h"

#include <gtest/gtest.h>

#include "api/contract.h"
#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using testing::kNow;
using testing::PodBuilder;
using testing::relayTier;
using testing::serving;

// A relay tier of 4 rolling "old" -> "new" with two steps: 1 pod baked 60 s,
// then 50% baked 60 s and held for a promote.
struct Canary {
  ObservedState state = relayTier();
  CanaryPolicy policy;
  CanaryRecord record;
  Canary() {
    policy.steps.push_back(CanaryStepPolicy{1, std::nullopt, Seconds(60), false});
    policy.steps.push_back(CanaryStepPolicy{1, 50, Seconds(60), true});
    record.revision = "new";
    testing::addServing(state, "old-1", "old", 100);
    testing::addServing(state, "old-2", "old", 100);
    testing::addServing(state, "old-3", "old", 100);
    testing::addServing(state, "new-0", "new", 100);
  }
  CanaryOutcome advance(bool step_reached, TimePoint now = kNow,
                        std::optional<MetricReading> metric = std::nullopt,
                        CanaryRequests requests = {}) {
    state.now = now;
    CanaryInput in{&policy,      record, &state.policy, &state.pods, &state.readings,
                   step_reached, metric, requests,      now};
    return advanceCanary(in);
  }
};

TEST(CanaryProgress, WaitsForTheStepsPodsThenBakesForItsDuration) {
  Canary c;
  auto scaling = c.advance(false);
  EXPECT_EQ(scaling.record.state, CanaryState::Scaling);
  EXPECT_FALSE(scaling.record.bake_ends_at);
  EXPECT_FALSE(scaling.persist_first);

  auto started = c.advance(true);
  EXPECT_EQ(started.record.state, CanaryState::Baking);
  ASSERT_TRUE(started.record.bake_ends_at);
  EXPECT_EQ(*started.record.bake_ends_at, kNow + Seconds(60));
  EXPECT_EQ(started.requeue_at, kNow + Seconds(60));
  EXPECT_EQ(started.message, "canary step 1 of 2 (1 pod of revision new): baking, 1m left");
  EXPECT_FALSE(started.persist_first);

  c.record = started.record;
  auto halfway = c.advance(true, kNow + Seconds(30));
  EXPECT_EQ(halfway.record.state, CanaryState::Baking);
  EXPECT_EQ(halfway.record.step, 0);
}

TEST(CanaryProgress, ABakeThatRanItsTimePassesTheStepOnRecordFirst) {
  Canary c;
  c.record = c.advance(true).record;
  auto passed = c.advance(true, kNow + Seconds(60));
  EXPECT_EQ(passed.record.step, 1);
  EXPECT_EQ(passed.record.state, CanaryState::Scaling);
  EXPECT_FALSE(passed.record.bake_ends_at);
  EXPECT_TRUE(passed.persist_first);
  ASSERT_EQ(passed.events.size(), 1u);
  EXPECT_EQ(passed.events[0].reason, api::event::kCanaryStepPassed);
}

TEST(CanaryProgress, AGateWaitsForAPromoteOfThisRevisionAndStep) {
  Canary c;
  c.record.step = 1;
  c.record = c.advance(true).record;
  auto baked = c.advance(true, kNow + Seconds(61));
  EXPECT_EQ(baked.record.state, CanaryState::AwaitingPromotion);
  EXPECT_FALSE(baked.persist_first);
  c.record = baked.record;
  // A promote of another step or revision moves nothing.
  EXPECT_EQ(c.advance(true, kNow + Seconds(62), std::nullopt, {"new/0", ""}).record.step, 1);
  EXPECT_EQ(c.advance(true, kNow + Seconds(62), std::nullopt, {"other/1", ""}).record.step, 1);
  auto promoted = c.advance(true, kNow + Seconds(62), std::nullopt, {"new/1", ""});
  EXPECT_EQ(promoted.record.step, 2);
  EXPECT_EQ(promoted.record.state, CanaryState::Complete);
  EXPECT_TRUE(promoted.persist_first);
  EXPECT_EQ(promoted.events.at(0).reason, api::event::kCanaryPromoted);
}

TEST(CanaryProgress, PromoteFullPassesEveryStepLeftEvenMidBake) {
  Canary c;
  c.record = c.advance(true).record;
  auto full = c.advance(true, kNow + Seconds(1), std::nullopt, {"new/full", ""});
  EXPECT_EQ(full.record.step, 2);
  EXPECT_EQ(full.record.state, CanaryState::Complete);
}

TEST(CanaryProgress, AnUnhealthyVerdictRollsBackAtOnceNamingThePodAndItsWords) {
  Canary c;
  c.record = c.advance(true).record;
  DrainReading bad = serving(100, "inst-new-0");
  bad.verdict = api::WorkloadVerdict{false, "dropped 31% of messages in the last 10 s"};
  c.state.readings["new-0"] = bad;
  auto out = c.advance(true, kNow + Seconds(5));
  EXPECT_EQ(out.record.state, CanaryState::RolledBack);
  ASSERT_TRUE(out.record.rollback);
  EXPECT_EQ(out.record.rollback->revision, "new");
  EXPECT_EQ(out.record.rollback->signal, "WorkloadVerdict");
  EXPECT_EQ(out.record.rollback->message,
            "unhealthy: pod new-0: dropped 31% of messages in the last 10 s");
  EXPECT_TRUE(out.persist_first);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].reason, api::event::kCanaryRolledBack);
  EXPECT_TRUE(out.events[0].warning);
}

TEST(CanaryProgress, ACrashLoopingCanaryPodRollsBackBeforeItIsEverAvailable) {
  Canary c;
  c.state.pods.back() = PodBuilder("new-0", "new").crashLooping();
  auto out = c.advance(false);
  EXPECT_EQ(out.record.state, CanaryState::RolledBack);
  EXPECT_EQ(out.record.rollback->signal, "PodHealth");
}

TEST(CanaryProgress, AbortOfThisRevisionRollsBack) {
  Canary c;
  EXPECT_EQ(c.advance(false, kNow, std::nullopt, {"", "other"}).record.state, CanaryState::Scaling);
  auto out = c.advance(false, kNow, std::nullopt, {"", "new"});
  EXPECT_EQ(out.record.state, CanaryState::RolledBack);
  EXPECT_EQ(out.record.rollback->signal, "Abort");
}

TEST(CanaryProgress, APrometheusBakePassesOnlyOnAValueTakenDuringIt) {
  Canary c;
  c.policy.prometheus = PrometheusPolicy{std::nullopt, 0.01, Seconds(10)};
  auto started = c.advance(true);
  EXPECT_EQ(started.metric_due_at, kNow);  // ask at once
  c.record = started.record;
  // An answer from before the bake does not count: at the bake's end the
  // step waits for one.
  MetricReading before{true, 0.001, "", kNow - Seconds(1)};
  auto waiting = c.advance(true, kNow + Seconds(60), before);
  EXPECT_EQ(waiting.record.state, CanaryState::Baking);
  EXPECT_EQ(waiting.record.step, 0);
  EXPECT_NE(waiting.message.find("waiting for a value from Prometheus"), std::string::npos);

  MetricReading during{true, 0.001, "", kNow + Seconds(55)};
  auto passed = c.advance(true, kNow + Seconds(60), during);
  EXPECT_EQ(passed.record.step, 1);

  MetricReading high{true, 0.2, "", kNow + Seconds(20)};
  auto failed = c.advance(true, kNow + Seconds(21), high);
  EXPECT_EQ(failed.record.state, CanaryState::RolledBack);
  EXPECT_EQ(failed.record.rollback->signal, "Prometheus");
  EXPECT_EQ(failed.record.rollback->message, "query value 0.2 is above max 0.01");
}

TEST(CanaryProgress, AnUnknownQueryAnswerNeitherPassesNorFails) {
  Canary c;
  c.policy.prometheus = PrometheusPolicy{std::nullopt, 0.01, Seconds(10)};
  c.record = c.advance(true).record;
  MetricReading unknown{false, 0, "HTTP 503", kNow + Seconds(59)};
  auto out = c.advance(true, kNow + Seconds(60), unknown);
  EXPECT_EQ(out.record.state, CanaryState::Baking);
  EXPECT_EQ(out.metric_due_at, kNow + Seconds(69));
}

TEST(CanaryProgress, ARolledBackRecordStaysAsItIs) {
  Canary c;
  c.record.state = CanaryState::RolledBack;
  c.record.rollback = CanaryRollbackRecord{"new", "Abort", "aborted", kNow};
  auto out = c.advance(true, kNow + Seconds(100), std::nullopt, {"new/full", ""});
  EXPECT_EQ(out.record, c.record);
  EXPECT_FALSE(out.persist_first);
  EXPECT_TRUE(out.events.empty());
}

}  // namespace
}  // namespace baton::rollout
