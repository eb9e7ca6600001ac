#include "rollout/progress.h"

#include <gtest/gtest.h>

#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using namespace baton::rollout::testing;  // NOLINT: test-only DSL

TEST(Progress, ANewPodPastItsDeadlineIsNamedAndNotWaitedFor) {
  ObservedState s = relayTier();  // progressDeadlineSeconds 600
  add(s, PodBuilder("relay-new-0", "new").notReady(seconds(601)));
  add(s, PodBuilder("relay-new-1", "new").notReady(seconds(10)));
  const ProgressAssessment p = assessProgress(s.policy, s.pods, kNow);
  EXPECT_EQ(p.deadline_exceeded, std::vector<std::string>{"relay-new-0"});
  EXPECT_EQ(p.requeue_at, kNow - seconds(10) + seconds(600)) << "the other one's deadline";
  EXPECT_FALSE(p.all_available);
}

TEST(Progress, MinReadySecondsWakesTheControllerWhenTheyPass) {
  ObservedState s = relayTier();
  s.policy.min_ready = seconds(30);
  add(s, PodBuilder("relay-new-0", "new").readyFor(seconds(20)));
  const ProgressAssessment p = assessProgress(s.policy, s.pods, kNow);
  ASSERT_EQ(p.waits.size(), 1U);
  EXPECT_EQ(p.waits[0].reason, WaitReason::WaitingForMinReady);
  EXPECT_EQ(p.requeue_at, kNow + seconds(10));
}

TEST(Progress, PausedStopsTheDeadlineClock) {
  ObservedState s = relayTier();
  s.policy.paused = true;
  add(s, PodBuilder("relay-new-0", "new").notReady(seconds(601)));
  const ProgressAssessment p = assessProgress(s.policy, s.pods, kNow);
  EXPECT_TRUE(p.paused);
  EXPECT_TRUE(p.deadline_exceeded.empty());
}

TEST(Progress, FailingPodsWorstFirst) {
  ObservedState s = relayTier();
  add(s, PodBuilder("relay-new-0", "new").failedAgo(seconds(1), 2));  // 3rd in a row
  add(s, PodBuilder("relay-new-1", "new").failedAgo(seconds(1), 5));  // 6th
  add(s, PodBuilder("relay-new-2", "new").failedAgo(seconds(1), 0));  // 1st: not yet
  const auto failing = failingPods(s.policy, s.pods, kNow);
  ASSERT_EQ(failing.size(), 2U);
  EXPECT_EQ(failing[0].pod, "relay-new-1");
  EXPECT_EQ(failing[1].pod, "relay-new-0");
}

}  // namespace
}  // namespace baton::rollout
