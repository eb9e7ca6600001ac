#include "rollout/failed_pod_backoff.h"

#include <gtest/gtest.h>

#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using namespace baton::rollout::testing;  // NOLINT: test-only DSL

TEST(FailedPodBackoff, DoublesFromFiveSecondsUpToFiveMinutes) {
  EXPECT_EQ(failedPodBackoff(1), seconds(5));
  EXPECT_EQ(failedPodBackoff(2), seconds(10));
  EXPECT_EQ(failedPodBackoff(3), seconds(20));
  EXPECT_EQ(failedPodBackoff(6), seconds(160));
  EXPECT_EQ(failedPodBackoff(7), seconds(300));
  EXPECT_EQ(failedPodBackoff(64), seconds(300));
  EXPECT_EQ(failedPodBackoff(0), seconds(5));
}

TEST(FailedPodBackoff, CountsTheSeriesTheReplacementCarried) {
  const ObservedPod pod = PodBuilder("p", "new").failedAgo(seconds(1), 3);
  EXPECT_EQ(failuresInARow(pod), 4);
  EXPECT_EQ(replaceFailedPodAt(pod), kNow - seconds(1) + seconds(40));
}

TEST(FailedPodBackoff, APodThatRanTenMinutesStartsANewSeries) {
  EXPECT_EQ(failuresInARow(PodBuilder("p", "new").failedAgo(seconds(1), 5, seconds(600))), 1);
  EXPECT_EQ(failuresInARow(PodBuilder("p", "new").failedAgo(seconds(1), 5, seconds(599))), 6);
}

TEST(FailedPodBackoff, FailureTimeFallsBackToReadyThenCreation) {
  ObservedPod pod = PodBuilder("p", "new").failed();
  pod.created_at = kNow - seconds(100);
  pod.ready_changed_at = kNow - seconds(40);
  EXPECT_EQ(failedAt(pod), kNow - seconds(40));
  pod.ready_changed_at.reset();
  EXPECT_EQ(failedAt(pod), kNow - seconds(100));
  pod.finished_at = kNow - seconds(200);  // a clock skew never puts it before creation
  EXPECT_EQ(failedAt(pod), kNow - seconds(100));
}

}  // namespace
}  // namespace baton::rollout
