#include "rollout/drain_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using namespace baton::rollout::testing;  // NOLINT: test-only DSL
using ::testing::ElementsAre;

struct Case {
  ObservedState state = relayTier();  // threshold 0, timeout 600 s, onTimeout Pause
  ObservedPod pod = PodBuilder("relay-old-1", "old").draining(seconds(60), 100);
  std::optional<DrainReading> reading;
  bool slot_free = true;

  DrainStep step() const {
    DrainStepInput in;
    in.policy = &state.policy;
    in.pod = &pod;
    in.reading = reading ? &*reading : nullptr;
    in.last_known_sessions = reading ? reading->last_known_sessions : std::optional<int64_t>(42);
    in.now = kNow;
    in.reason = "rollout to revision new";
    in.slot_free = slot_free;
    in.draining = 1;
    return stepDrain(in);
  }
};

std::vector<std::string> actionsOf(const DrainStep& s) {
  return describe(s.plan);
}

TEST(DrainStep, DrainedAtTheThresholdIsDeletedWithItsEvents) {
  Case c;
  c.reading = draining(0, "inst-relay-old-1");
  const DrainStep s = c.step();
  EXPECT_THAT(actionsOf(s), ElementsAre("delete relay-old-1 Drained"));
  ASSERT_EQ(s.plan.events.size(), 2U);
  EXPECT_EQ(s.plan.events[0].after_action, 0U);  // recorded only once the delete succeeded
  EXPECT_EQ(s.requeue_at, kNow - seconds(60) + seconds(600));
}

TEST(DrainStep, ProceedAfterTheTimeoutCutsTheLastKnownCountWhenUnreadable) {
  Case c;
  c.state.policy.drain.on_timeout = OnTimeout::Proceed;
  c.pod = PodBuilder("relay-old-1", "old").draining(seconds(601), 100);
  const DrainStep s = c.step();  // unreadable now; 42 was the last count
  ASSERT_EQ(s.plan.actions.size(), 1U);
  EXPECT_EQ(std::get<DeletePod>(s.plan.actions[0]).sessions_left, 42);
}

TEST(DrainStep, PauseAfterTheTimeoutKeepsThePodAndSaysSo) {
  Case c;
  c.pod = PodBuilder("relay-old-1", "old").draining(seconds(601), 100);
  c.reading = draining(30, "inst-relay-old-1");
  const DrainStep s = c.step();
  EXPECT_TRUE(s.plan.actions.empty());
  EXPECT_TRUE(s.timed_out_paused);
  EXPECT_FALSE(s.requeue_at.has_value());
}

TEST(DrainStep, AServingWorkloadIsAskedAgainOnlyWithAFreeSlot) {
  Case c;
  c.reading = serving(100, "inst-relay-old-1");
  c.slot_free = false;
  DrainStep s = c.step();
  EXPECT_TRUE(s.plan.actions.empty());
  EXPECT_FALSE(s.took_slot);
  ASSERT_FALSE(s.plan.waits.empty());
  EXPECT_EQ(s.plan.waits[0].reason, WaitReason::ConcurrentDrainLimit);
  c.slot_free = true;
  s = c.step();
  EXPECT_THAT(actionsOf(s), ElementsAre("request-drain relay-old-1"));
  EXPECT_TRUE(s.took_slot);
}

TEST(DrainStep, ARestartedWorkloadIsReArmedFromTheOriginalStart) {
  Case c;
  c.reading = draining(80, "inst-new");
  const DrainStep s = c.step();
  EXPECT_THAT(actionsOf(s), ElementsAre("mark-draining relay-old-1", "request-drain relay-old-1"));
  EXPECT_EQ(std::get<MarkDraining>(s.plan.actions[0]).at, kNow - seconds(60));
  EXPECT_FALSE(s.took_slot) << "it was draining already: no new drain starts";
}

TEST(DrainStep, SkipDrainDeletesWhateverTheCount) {
  Case c;
  c.pod = PodBuilder("relay-old-1", "old").draining(seconds(5), 100).skipDrain();
  c.reading = draining(70, "inst-relay-old-1");
  EXPECT_THAT(actionsOf(c.step()), ElementsAre("delete relay-old-1 SkipDrain"));
}

}  // namespace
}  // namespace baton::rollout
