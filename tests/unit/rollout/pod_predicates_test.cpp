#include "rollout/pod_predicates.h"

#include <gtest/gtest.h>

#include "observed_state_builder.h"

namespace baton::rollout {
namespace {

using namespace baton::rollout::testing;  // NOLINT: test-only DSL

TEST(PodPredicates, FailedAndLive) {
  EXPECT_TRUE(isFailed(PodBuilder("p", "new").failed()));
  EXPECT_TRUE(isFailed(PodBuilder("p", "new").phase(PodPhase::Succeeded)));
  EXPECT_FALSE(isLive(PodBuilder("p", "new").failed()));
  EXPECT_FALSE(isLive(PodBuilder("p", "new").terminating()));
  EXPECT_TRUE(isLive(PodBuilder("p", "new").pending()));
}

TEST(PodPredicates, UpdatedMeansTheRevisionAndTheRestartInForce) {
  ObservedState s = relayTier();
  EXPECT_TRUE(isUpdated(s.policy, PodBuilder("p", "new"), kNow));
  EXPECT_FALSE(isUpdated(s.policy, PodBuilder("p", "old"), kNow));
  s.policy.restart_at = kNow - seconds(10);
  EXPECT_FALSE(isUpdated(s.policy, PodBuilder("p", "new"), kNow));
  EXPECT_TRUE(isUpdated(s.policy, PodBuilder("p", "new").restartedAt(kNow - seconds(10)), kNow));
  // A restart in the future is not in force yet.
  s.policy.restart_at = kNow + seconds(10);
  EXPECT_TRUE(isUpdated(s.policy, PodBuilder("p", "new"), kNow));
}

TEST(PodPredicates, AnUpdatedPodOnALeavingNodeNeedsReplacing) {
  const ObservedState s = relayTier();
  EXPECT_FALSE(needsReplacing(s.policy, PodBuilder("p", "new"), kNow));
  EXPECT_TRUE(needsReplacing(s.policy, PodBuilder("p", "new").leaving(), kNow));
  EXPECT_TRUE(isUpdated(s.policy, PodBuilder("p", "new").leaving(), kNow));
}

TEST(PodPredicates, AvailableAfterMinReadySecondsWhileServing) {
  ObservedState s = relayTier();
  s.policy.min_ready = seconds(30);
  EXPECT_TRUE(isAvailable(s.policy, PodBuilder("p", "new").readyFor(seconds(30)), kNow));
  EXPECT_FALSE(isAvailable(s.policy, PodBuilder("p", "new").readyFor(seconds(29)), kNow));
  EXPECT_FALSE(isAvailable(s.policy, PodBuilder("p", "new").draining(seconds(1)), kNow));
  EXPECT_FALSE(isAvailable(s.policy, PodBuilder("p", "new").notReady(seconds(60)), kNow));
}

}  // namespace
}  // namespace baton::rollout
