#include "rollout/canary_signals.h"

#include <gtest/gtest.h>

#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using testing::PodBuilder;
using testing::relayTier;
using testing::serving;

struct Fixture {
  ObservedState state = relayTier();
  CanaryPolicy canary;
  SignalInput input(bool baking = false) {
    return SignalInput{&canary, &state.policy, "new", &state.pods, &state.readings, baking, {}};
  }
};

DrainReading withVerdict(bool healthy, std::string reason) {
  DrainReading r = serving(10, "inst");
  r.verdict = api::WorkloadVerdict{healthy, std::move(reason)};
  return r;
}

TEST(CanarySignals, PodHealthFailsOnAFailedCrashLoopingOrRestartedCanaryPod) {
  Fixture f;
  testing::add(f.state, PodBuilder("old-0", "old").failed());  // not the canary's: ignored
  testing::add(f.state, PodBuilder("new-0", "new"));
  EXPECT_EQ(podHealth(f.input()).status, SignalStatus::Passing);

  f.state.pods.back().restarts = 2;
  auto restarted = podHealth(f.input());
  EXPECT_EQ(restarted.status, SignalStatus::Failing);
  EXPECT_EQ(restarted.value, "restarted 2 times");
  EXPECT_NE(restarted.message.find("new-0"), std::string::npos);

  f.state.pods.back() = PodBuilder("new-0", "new").crashLooping();
  EXPECT_EQ(podHealth(f.input()).value, "crash-looping");
  f.state.pods.back() = PodBuilder("new-0", "new").failedAgo(Seconds(5));
  EXPECT_EQ(podHealth(f.input()).value, "failed");
}

TEST(CanarySignals, ANotReadyCanaryPodFailsOnlyDuringTheBake) {
  Fixture f;
  testing::add(f.state, PodBuilder("new-0", "new").notReady(Seconds(3)));
  EXPECT_EQ(podHealth(f.input(false)).status, SignalStatus::Passing);  // still starting
  EXPECT_EQ(podHealth(f.input(true)).status, SignalStatus::Failing);
}

TEST(CanarySignals, WorkloadVerdictFailsOnAnyUnhealthyPodAndHasNoOpinionWithoutVerdicts) {
  Fixture f;
  testing::add(f.state, PodBuilder("new-0", "new"), serving(5, "inst-new-0"));
  testing::add(f.state, PodBuilder("new-1", "new"), serving(5, "inst-new-1"));
  EXPECT_EQ(workloadVerdict(f.input()).status, SignalStatus::Unknown);

  f.state.readings["new-0"] = withVerdict(true, "");
  EXPECT_EQ(workloadVerdict(f.input()).status, SignalStatus::Passing);

  f.state.readings["new-1"] = withVerdict(false, "dropped 31% of messages in the last 10 s");
  auto bad = workloadVerdict(f.input());
  EXPECT_EQ(bad.status, SignalStatus::Failing);
  EXPECT_EQ(bad.message, "pod new-1: dropped 31% of messages in the last 10 s");

  // An unknown reading says nothing, even with a verdict from before.
  f.state.readings["new-1"].known = false;
  EXPECT_EQ(workloadVerdict(f.input()).status, SignalStatus::Passing);
}

TEST(CanarySignals, PrometheusValueAgainstMinAndMax) {
  PrometheusPolicy check{std::nullopt, 0.01, Seconds(10)};
  EXPECT_EQ(prometheusSignal(check, std::nullopt).status, SignalStatus::Unknown);
  EXPECT_EQ(prometheusSignal(check, MetricReading{false, 0, "no series", {}}).message, "no series");
  EXPECT_EQ(prometheusSignal(check, MetricReading{true, 0.004, "", {}}).status,
            SignalStatus::Passing);
  auto high = prometheusSignal(check, MetricReading{true, 0.31, "", {}});
  EXPECT_EQ(high.status, SignalStatus::Failing);
  EXPECT_EQ(high.value, "0.31");
  EXPECT_EQ(high.message, "query value 0.31 is above max 0.01");
  PrometheusPolicy floor{0.99, std::nullopt, Seconds(10)};
  EXPECT_EQ(prometheusSignal(floor, MetricReading{true, 0.5, "", {}}).status,
            SignalStatus::Failing);
}

TEST(CanarySignals, ReadSignalsListsWhatTheTierAsksFor) {
  Fixture f;
  f.canary.prometheus = PrometheusPolicy{std::nullopt, 1.0, Seconds(10)};
  EXPECT_EQ(readSignals(f.input(false)).size(), 2u);  // no query outside a bake
  EXPECT_EQ(readSignals(f.input(true)).size(), 3u);
  f.canary.workload_verdict = false;
  EXPECT_EQ(readSignals(f.input(true)).size(), 2u);
}

}  // namespace
}  // namespace baton::rollout
