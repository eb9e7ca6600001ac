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

// Unknown is never zero: only Pending without an IP and never read holds
// nothing for sure; a Pending pod with an IP may serve (a sidecar still
// pulling keeps it Pending), and one that was read once may hold sessions.
TEST(PodPredicates, NeverRanOnlyWhenNothingCouldHaveServed) {
  std::map<std::string, DrainReading> readings;
  EXPECT_TRUE(neverRan(readings, PodBuilder("p", "new").pending()));
  EXPECT_FALSE(neverRan(readings, PodBuilder("p", "new").pending().ip("127.0.0.9")));
  EXPECT_FALSE(neverRan(readings, PodBuilder("p", "new")));
  readings["p"] = unknown(/*last_known=*/3);
  EXPECT_FALSE(neverRan(readings, PodBuilder("p", "new").pending()));
  readings["p"] = unknown();
  EXPECT_TRUE(neverRan(readings, PodBuilder("p", "new").pending()));
  EXPECT_TRUE(holdsNothing({}, PodBuilder("p", "new").crashLooping(/*between_restarts=*/true)));
  EXPECT_FALSE(holdsNothing({}, PodBuilder("p", "new").crashLooping(/*between_restarts=*/false)));
}

TEST(PodPredicates, WhoHoldsADrainSlot) {
  std::map<std::string, DrainReading> readings;
  EXPECT_TRUE(holdsDrainSlot(readings, PodBuilder("p", "old").draining(seconds(1))));
  EXPECT_FALSE(holdsDrainSlot(readings, PodBuilder("p", "old")));
  EXPECT_TRUE(holdsDrainSlot(readings, PodBuilder("p", "old").terminating()))
      << "a deleted relay hands its sessions over until it exits";
  EXPECT_FALSE(holdsDrainSlot(readings, PodBuilder("p", "old").pending().terminating()));
  EXPECT_FALSE(holdsDrainSlot(readings, PodBuilder("p", "old").failed().draining(seconds(1))));
  readings["p"] = draining(5, "inst-p");
  EXPECT_TRUE(holdsDrainSlot(readings, PodBuilder("p", "old"))) << "a stray drain";
  EXPECT_FALSE(awaitsDrainRequest(readings, PodBuilder("p", "old").draining(seconds(1))));
  readings["p"] = serving(5, "inst-p");
  EXPECT_TRUE(awaitsDrainRequest(readings, PodBuilder("p", "old").draining(seconds(1))));
  EXPECT_FALSE(awaitsDrainRequest(readings, PodBuilder("p", "old")));
}

}  // namespace
}  // namespace baton::rollout
