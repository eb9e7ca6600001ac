#include "rollout/status_calculator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/contract.h"
#include "observed_state_builder.h"
#include "rollout/rollout_planner.h"

namespace baton::rollout {
namespace {

using namespace baton::rollout::testing;  // NOLINT: test-only DSL
using ::testing::HasSubstr;

const Condition& conditionOf(const TierStatus& status, std::string_view type) {
  for (const Condition& c : status.conditions) {
    if (c.type == type) return c;
  }
  throw std::runtime_error("no condition " + std::string(type));
}

std::vector<std::string_view> eventReasons(const StatusResult& result) {
  std::vector<std::string_view> out;
  for (const auto& e : result.events) out.push_back(e.reason);
  return out;
}

StatusResult statusOf(const ObservedState& s, const std::vector<Condition>& previous = {}) {
  return calculateStatus(s, planRollout(s), previous);
}

// --- rate and ETA ------------------------------------------------------------------------

TEST(DrainProgress, TableOfRatesAndEtas) {
  struct Row {
    const char* name;
    std::int64_t at_start, now, threshold;
    seconds elapsed;
    double pace;
    std::optional<double> rate;
    std::optional<seconds> eta;
  };
  const std::vector<Row> rows = {
      // The worked example in status_calculator.cpp.
      {"observed", 20'000, 12'800, 100, seconds(120), 1000, 60.0, seconds(212)},
      {"no progress yet uses pace", 20'000, 20'000, 100, seconds(0), 1000, 1000.0, seconds(20)},
      {"count went up uses pace", 100, 150, 0, seconds(10), 50, 50.0, seconds(3)},
      {"at threshold", 500, 90, 100, seconds(10), 1000, 41.0, seconds(0)},
      {"no pace and no progress", 10, 10, 0, seconds(5), 0, std::nullopt, std::nullopt},
      {"rounds up", 10, 7, 0, seconds(3), 1000, 1.0, seconds(7)},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const DrainProgress p =
        drainProgress(row.at_start, row.now, row.threshold, row.elapsed, row.pace);
    ASSERT_EQ(p.rate.has_value(), row.rate.has_value());
    if (row.rate) {
      EXPECT_DOUBLE_EQ(*p.rate, *row.rate);
    }
    EXPECT_EQ(p.eta, row.eta);
  }
}

// --- counts and the draining pod -------------------------------------------------------------

ObservedState drainingRelay() {
  ObservedState s = relayTier();
  addServing(s, "relay-old-0", "old", 500);
  addServing(s, "relay-old-2", "old", 900);
  addServing(s, "relay-old-3", "old", 300);
  add(s, PodBuilder("relay-new-0", "new").notReady(seconds(5)));  // no reading: unknown
  addServing(s, "relay-new-1", "new", 50);
  add(s, PodBuilder("relay-old-1", "old").draining(seconds(120), 20'000),
      draining(12'800, "inst-relay-old-1"));
  s.policy.drain.threshold = 100;
  s.policy.max_surge = 2;
  return s;
}

TEST(StatusCalculator, CountsPodsAndSessions) {
  const TierStatus st = statusOf(drainingRelay()).status;
  EXPECT_EQ(st.observed_generation, 7);
  EXPECT_EQ(st.replicas, 6);
  EXPECT_EQ(st.ready_replicas, 5);      // relay-new-0 is not Ready
  EXPECT_EQ(st.available_replicas, 4);  // and relay-old-1 is out of service
  EXPECT_EQ(st.updated_replicas, 2);
  EXPECT_EQ(st.total_sessions, 500 + 900 + 300 + 50 + 12'800);
  EXPECT_EQ(st.unknown_session_pods, 1);
  EXPECT_EQ(st.update_revision, "new");
  EXPECT_EQ(st.current_revision, "old");
}

TEST(StatusCalculator, DescribesTheDrainWithRateAndEta) {
  const TierStatus st = statusOf(drainingRelay()).status;
  ASSERT_EQ(st.draining_pods.size(), 1U);
  const DrainingPodStatus& d = st.draining_pods[0];
  EXPECT_EQ(d.pod, "relay-old-1");
  EXPECT_EQ(d.sessions_at_start, 20'000);
  EXPECT_EQ(d.sessions_now, 12'800);
  ASSERT_TRUE(d.rate.has_value());
  EXPECT_DOUBLE_EQ(*d.rate, 60.0);
  EXPECT_EQ(d.eta, seconds(212));
  EXPECT_EQ(d.step_started_at, kNow - seconds(120));
  EXPECT_EQ(d.deadline, kNow - seconds(120) + seconds(600));
  EXPECT_FALSE(d.timed_out);
  EXPECT_EQ(st.step_started_at, kNow - seconds(120));
  EXPECT_EQ(st.phase, api::Phase::Progressing);
  EXPECT_EQ(st.message, "draining relay-old-1: 12,800 sessions left, ETA 3m32s");
  EXPECT_EQ(conditionOf(st, api::kConditionProgressing).reason, api::reason::kDraining);
}

// Issue 19: an evacuation says where from.
TEST(StatusCalculator, AnEvacuationSaysWhichNodeItLeaves) {
  ObservedState s = drainingRelay();
  for (ObservedPod& pod : s.pods) {
    if (pod.name == "relay-old-1") pod.departure = "node n7 (cordoned)";
  }
  const TierStatus st = statusOf(s).status;
  EXPECT_EQ(st.message,
            "evacuating relay-old-1 from node n7 (cordoned): 12,800 sessions left, ETA 3m32s");
  // Not ScalingDown, which a drain of an updated pod reads as otherwise.
  EXPECT_EQ(conditionOf(st, api::kConditionProgressing).reason, api::reason::kEvacuating);
}

TEST(StatusCalculator, RestartedInstanceShowsAnUnknownCount) {
  ObservedState s = drainingRelay();
  s.readings["relay-old-1"] = serving(0, "inst-new-process");
  const TierStatus st = statusOf(s).status;
  ASSERT_EQ(st.draining_pods.size(), 1U);
  EXPECT_FALSE(st.draining_pods[0].sessions_now.has_value());
  EXPECT_FALSE(st.draining_pods[0].eta.has_value());
  EXPECT_THAT(st.message, HasSubstr("unknown"));
}

// --- phases and conditions -----------------------------------------------------------------

ObservedState completeRelay() {
  ObservedState s = relayTier();
  for (int i = 0; i < 4; ++i) addServing(s, "relay-new-" + std::to_string(i), "new", 1000);
  return s;
}

TEST(StatusCalculator, CompleteRolloutIsHealthyAndAnnouncedOnce) {
  const StatusResult first = statusOf(completeRelay());
  EXPECT_EQ(first.status.phase, api::Phase::Healthy);
  EXPECT_EQ(first.status.current_revision, "new");
  EXPECT_EQ(conditionOf(first.status, api::kConditionProgressing).reason,
            api::reason::kRolloutComplete);
  EXPECT_EQ(conditionOf(first.status, api::kConditionAvailable).status, "True");
  EXPECT_THAT(eventReasons(first), ::testing::Contains(api::event::kRolloutCompleted));

  const StatusResult again = statusOf(completeRelay(), first.status.conditions);
  EXPECT_THAT(eventReasons(again),
              ::testing::Not(::testing::Contains(api::event::kRolloutCompleted)));
}

// Issue 25: the contract's Paused phase is "paused with work left to do";
// a finished rollout under spec.rollout.paused is Healthy (ArgoCD showed
// Suspended).
TEST(StatusCalculator, FinishedRolloutWhilePausedIsHealthy) {
  ObservedState s = completeRelay();
  s.policy.paused = true;
  const StatusResult r = statusOf(s);
  EXPECT_EQ(r.status.phase, api::Phase::Healthy);
  EXPECT_EQ(r.status.current_revision, "new");
}

// Issue 25: the last drain finishing during a pause completes the rollout:
// currentRevision moves, RolloutCompleted once, not again on resume.
TEST(StatusCalculator, DrainFinishingDuringAPauseCompletesTheRolloutOnce) {
  ObservedState midway = relayTier();
  for (int i = 0; i < 4; ++i) addServing(midway, "relay-new-" + std::to_string(i), "new", 10);
  add(midway, PodBuilder("relay-old-3", "old").draining(seconds(60), 800),
      draining(400, "inst-relay-old-3"));
  midway.policy.paused = true;
  const StatusResult during = statusOf(midway);
  EXPECT_EQ(during.status.phase, api::Phase::Paused);

  ObservedState done = completeRelay();
  done.policy.paused = true;
  const StatusResult finished = statusOf(done, during.status.conditions);
  EXPECT_EQ(finished.status.current_revision, "new");
  EXPECT_EQ(finished.status.phase, api::Phase::Healthy);
  EXPECT_THAT(eventReasons(finished), ::testing::Contains(api::event::kRolloutCompleted));

  done.policy.paused = false;
  const StatusResult resumed = statusOf(done, finished.status.conditions);
  EXPECT_THAT(eventReasons(resumed),
              ::testing::Not(::testing::Contains(api::event::kRolloutCompleted)));
}

// Issue 25: a terminating pod's sessions are on their way elsewhere (or cut):
// counting them would count those clients twice once they reconnect.
TEST(StatusCalculator, TotalSessionsExcludesTerminatingPods) {
  ObservedState s = completeRelay();
  add(s, PodBuilder("relay-old-3", "old").draining(seconds(60), 800).terminating(),
      draining(300, "inst-relay-old-3"));
  EXPECT_EQ(statusOf(s).status.total_sessions, 4 * 1000);
}

TEST(StatusCalculator, NewRevisionAfterCompleteAnnouncesTheStart) {
  const StatusResult done = statusOf(completeRelay());
  ObservedState s = completeRelay();
  s.policy.update_revision = "newer";
  s.policy.current_revision = "new";
  const StatusResult started = statusOf(s, done.status.conditions);
  EXPECT_EQ(started.status.phase, api::Phase::Progressing);
  EXPECT_THAT(eventReasons(started), ::testing::Contains(api::event::kRolloutStarted));
}

TEST(StatusCalculator, LastTransitionTimeMovesOnlyWithStatus) {
  ObservedState s = completeRelay();
  std::vector<Condition> previous = {
      {"Available", "True", "MinimumPodsAvailable", "", 6, kNow - seconds(3600)},
      {"Paused", "True", "PausedBySpec", "", 6, kNow - seconds(600)},
  };
  const TierStatus st = statusOf(s, previous).status;
  EXPECT_EQ(conditionOf(st, api::kConditionAvailable).last_transition_time, kNow - seconds(3600));
  EXPECT_EQ(conditionOf(st, api::kConditionPaused).status, "False");
  EXPECT_EQ(conditionOf(st, api::kConditionPaused).last_transition_time, kNow);
  EXPECT_EQ(conditionOf(st, api::kConditionPaused).observed_generation, 7);
}

TEST(StatusCalculator, SpecPauseShowsPausedAndResumeIsAnnounced) {
  ObservedState s = drainingRelay();
  s.policy.paused = true;
  const StatusResult paused = statusOf(s);
  EXPECT_EQ(paused.status.phase, api::Phase::Paused);
  EXPECT_EQ(conditionOf(paused.status, api::kConditionPaused).reason, api::reason::kPausedBySpec);
  EXPECT_EQ(conditionOf(paused.status, api::kConditionProgressing).status, "Unknown");
  EXPECT_THAT(eventReasons(paused), ::testing::Contains(api::event::kRolloutPaused));
  EXPECT_THAT(paused.status.message, HasSubstr("draining relay-old-1"));

  s.policy.paused = false;
  const StatusResult resumed = statusOf(s, paused.status.conditions);
  EXPECT_EQ(resumed.status.phase, api::Phase::Progressing);
  EXPECT_THAT(eventReasons(resumed), ::testing::Contains(api::event::kRolloutResumed));
}

TEST(StatusCalculator, DrainTimeoutWithPauseIsPausedAndStalled) {
  ObservedState s = drainingRelay();
  s.pods.back() = PodBuilder("relay-old-1", "old").draining(seconds(601), 20'000);
  const StatusResult r = statusOf(s);
  EXPECT_EQ(r.status.phase, api::Phase::Paused);
  EXPECT_EQ(conditionOf(r.status, api::kConditionStalled).status, "True");
  EXPECT_EQ(conditionOf(r.status, api::kConditionStalled).reason, api::reason::kDrainTimedOut);
  EXPECT_EQ(conditionOf(r.status, api::kConditionPaused).reason, api::reason::kDrainTimedOut);
  EXPECT_THAT(r.status.message, HasSubstr("skip-drain relay-old-1"));
  ASSERT_EQ(r.status.draining_pods.size(), 1U);
  EXPECT_TRUE(r.status.draining_pods[0].timed_out);
  // The stall is announced once, with a DrainTimedOut Event naming the pod.
  EXPECT_THAT(eventReasons(r), ::testing::Contains(api::event::kDrainTimedOut));
  for (const auto& e : r.events) {
    if (e.reason == api::event::kDrainTimedOut) {
      EXPECT_THAT(e.message, HasSubstr("relay-old-1"));
    }
  }
  EXPECT_THAT(eventReasons(statusOf(s, r.status.conditions)),
              ::testing::Not(::testing::Contains(api::event::kDrainTimedOut)));
}

TEST(StatusCalculator, ProgressDeadlineIsDegraded) {
  ObservedState s = relayTier();
  for (int i = 0; i < 4; ++i) addServing(s, "relay-old-" + std::to_string(i), "old", 10);
  add(s, PodBuilder("relay-new-0", "new").notReady(seconds(700)));
  const StatusResult r = statusOf(s);
  EXPECT_EQ(r.status.phase, api::Phase::Degraded);
  EXPECT_EQ(conditionOf(r.status, api::kConditionProgressing).status, "False");
  EXPECT_EQ(conditionOf(r.status, api::kConditionStalled).reason,
            api::reason::kProgressDeadlineExceeded);
  EXPECT_THAT(eventReasons(r), ::testing::Contains(api::event::kProgressDeadlineExceeded));
  EXPECT_THAT(r.status.message, HasSubstr("relay-new-0"));
  EXPECT_EQ(r.status.step_started_at, kNow - seconds(700));
}

TEST(StatusCalculator, PodsFailingAgainAndAgainAreDegradedAndStalled) {
  ObservedState s = relayTier();
  s.policy.replicas = 2;
  s.policy.current_revision = "new";
  addServing(s, "relay-new-0", "new", 10);
  add(s, PodBuilder("relay-new-1", "new").failedAgo(seconds(5), 2));  // 3rd in a row
  const StatusResult r = statusOf(s);
  EXPECT_EQ(r.status.phase, api::Phase::Degraded);
  const Condition& stalled = conditionOf(r.status, api::kConditionStalled);
  EXPECT_EQ(stalled.status, "True");
  EXPECT_EQ(stalled.reason, api::reason::kPodsFailing);
  EXPECT_EQ(stalled.message,
            "pod relay-new-1 failed 3 times in a row (container c: Error, exit code 127); "
            "replaced again in 15s");
  EXPECT_EQ(conditionOf(r.status, api::kConditionReconciling).status, "False");
  EXPECT_EQ(conditionOf(r.status, api::kConditionReady).status, "False");
  EXPECT_THAT(eventReasons(r), ::testing::Contains(api::event::kPodsFailing));
  // Announced once, not on every pass.
  EXPECT_THAT(eventReasons(statusOf(s, r.status.conditions)),
              ::testing::Not(::testing::Contains(api::event::kPodsFailing)));

  // The second failure in a row is only retried, not yet Stalled.
  s.pods[1] = PodBuilder("relay-new-1", "new").failedAgo(seconds(5), 1);
  EXPECT_EQ(conditionOf(statusOf(s).status, api::kConditionStalled).status, "False");
}

TEST(StatusCalculator, ARefusedCreateIsDegradedAndStalledWithTheServersWords) {
  ObservedState s = relayTier();
  for (int i = 0; i < 4; ++i) addServing(s, "relay-old-" + std::to_string(i), "old", 10);
  s.create_refused =
      CreateRefusal{"relay-new-0", "pods \"relay-new-0\" is forbidden: exceeded quota"};
  const StatusResult r = statusOf(s);
  EXPECT_EQ(r.status.phase, api::Phase::Degraded);
  EXPECT_EQ(r.status.observed_generation, 7);
  const Condition& stalled = conditionOf(r.status, api::kConditionStalled);
  EXPECT_EQ(stalled.status, "True");
  EXPECT_EQ(stalled.reason, api::reason::kFailedCreate);
  EXPECT_EQ(stalled.observed_generation, 7);
  EXPECT_EQ(stalled.message,
            "creating pod relay-new-0 was refused by the API server: pods \"relay-new-0\" is "
            "forbidden: exceeded quota");
  EXPECT_EQ(conditionOf(r.status, api::kConditionReconciling).status, "False");
  // A tier being deleted creates nothing: a refusal from before says nothing.
  s.policy.deleting = true;
  EXPECT_NE(statusOf(s).status.phase, api::Phase::Degraded);
}

TEST(StatusCalculator, TooFewAvailableIsReported) {
  ObservedState s = relayTier();
  addServing(s, "relay-new-0", "new", 1);
  addServing(s, "relay-new-1", "new", 1);
  const TierStatus st = statusOf(s).status;
  EXPECT_EQ(conditionOf(st, api::kConditionAvailable).status, "False");
  EXPECT_EQ(conditionOf(st, api::kConditionAvailable).reason, api::reason::kMinimumPodsUnavailable);
  EXPECT_EQ(conditionOf(st, api::kConditionProgressing).reason, api::reason::kCreatingPod);
}

TEST(StatusCalculator, ScaleDownIsNamedAsSuch) {
  ObservedState s = relayTier();
  s.policy.replicas = 3;
  for (int i = 0; i < 3; ++i) addServing(s, "relay-new-" + std::to_string(i), "new", 1);
  add(s, PodBuilder("relay-new-3", "new").draining(seconds(1), 5), draining(5, "inst-relay-new-3"));
  const TierStatus st = statusOf(s).status;
  EXPECT_EQ(conditionOf(st, api::kConditionProgressing).reason, api::reason::kScalingDown);
}

TEST(StatusCalculator, DeletingIsProgressingWithTheDrain) {
  ObservedState s = relayTier();
  s.policy.deleting = true;
  add(s, PodBuilder("relay-new-1", "new").draining(seconds(10), 40),
      draining(20, "inst-relay-new-1"));
  const TierStatus st = statusOf(s).status;
  EXPECT_EQ(st.phase, api::Phase::Progressing);
  EXPECT_EQ(conditionOf(st, api::kConditionProgressing).reason, api::reason::kDeleting);
  EXPECT_THAT(st.message, HasSubstr("deleting: draining relay-new-1: 20 sessions left"));
}

// --- kstatus: Reconciling, Ready, Stalled (issue 21) ------------------------------------------
//
// kstatus (Flux, Helm 4 --wait, kpt) reads Reconciling=True as InProgress
// before it looks at Stalled, then Ready; tests/e2e/test_kstatus.py runs the
// real library over a real rollout. Here: each state's conditions.

struct KstatusCase {
  const char* name;
  ObservedState state;
  const char* reconciling;  // status of Reconciling
  std::string_view reason;  // Reconciling's and Ready's reason
  const char* ready;
};

ObservedState pausedBySpec() {
  ObservedState s = drainingRelay();
  s.policy.paused = true;
  return s;
}
ObservedState drainTimedOut() {
  ObservedState s = drainingRelay();
  s.pods.back() = PodBuilder("relay-old-1", "old").draining(seconds(601), 20'000);
  return s;
}
ObservedState deadlineExceeded() {
  ObservedState s = relayTier();
  for (int i = 0; i < 4; ++i) addServing(s, "relay-old-" + std::to_string(i), "old", 10);
  add(s, PodBuilder("relay-new-0", "new").notReady(seconds(700)));
  return s;
}
ObservedState creatingPod() {
  ObservedState s = relayTier();
  addServing(s, "relay-new-0", "new", 1);
  addServing(s, "relay-new-1", "new", 1);
  return s;
}
ObservedState deleting() {
  ObservedState s = relayTier();
  s.policy.deleting = true;
  add(s, PodBuilder("relay-new-1", "new").draining(seconds(10), 40),
      draining(20, "inst-relay-new-1"));
  return s;
}

std::vector<KstatusCase> kstatusCases() {
  return {
      {"draining", drainingRelay(), "True", api::reason::kDraining, "False"},
      {"creating a pod", creatingPod(), "True", api::reason::kCreatingPod, "False"},
      {"deleting", deleting(), "True", api::reason::kDeleting, "False"},
      {"complete", completeRelay(), "False", api::reason::kRolloutComplete, "True"},
      {"paused by spec", pausedBySpec(), "False", api::reason::kPausedBySpec, "False"},
      {"drain timed out, onTimeout Pause", drainTimedOut(), "False", api::reason::kDrainTimedOut,
       "False"},
      {"progress deadline exceeded", deadlineExceeded(), "False",
       api::reason::kProgressDeadlineExceeded, "False"},
  };
}

TEST(StatusCalculatorKstatus, ReconcilingWhileWorkIsUnderwayReadyWhenHealthy) {
  for (const KstatusCase& c : kstatusCases()) {
    SCOPED_TRACE(c.name);
    const TierStatus st = statusOf(c.state).status;
    const Condition& reconciling = conditionOf(st, api::kConditionReconciling);
    const Condition& ready = conditionOf(st, api::kConditionReady);
    EXPECT_EQ(reconciling.status, c.reconciling);
    EXPECT_EQ(reconciling.reason, c.reason);
    EXPECT_EQ(ready.status, c.ready);
    EXPECT_EQ(ready.reason, c.reason);
    // The one line people read travels with both, so kstatus' message is it.
    EXPECT_EQ(reconciling.message, st.message);
    EXPECT_EQ(ready.message, st.message);
  }
}

TEST(StatusCalculatorKstatus, ReadyExactlyWhenHealthyAndNeverReconcilingWhileStalled) {
  for (const KstatusCase& c : kstatusCases()) {
    SCOPED_TRACE(c.name);
    const TierStatus st = statusOf(c.state).status;
    EXPECT_EQ(conditionOf(st, api::kConditionReady).status == "True",
              st.phase == api::Phase::Healthy);
    // kstatus would read Reconciling=True first and call a stalled tier InProgress.
    EXPECT_FALSE(conditionOf(st, api::kConditionReconciling).status == "True" &&
                 conditionOf(st, api::kConditionStalled).status == "True");
  }
}

TEST(StatusCalculatorKstatus, EveryConditionCarriesTheObservedGeneration) {
  for (const KstatusCase& c : kstatusCases()) {
    SCOPED_TRACE(c.name);
    const TierStatus st = statusOf(c.state).status;
    ASSERT_GE(st.conditions.size(),
              6U);  // Available, Progressing, Paused, Stalled, Reconciling, Ready
    for (const Condition& condition : st.conditions) {
      EXPECT_EQ(condition.observed_generation, 7) << condition.type;
    }
  }
}

TEST(StatusCalculatorKstatus, ReconcilingTransitionKeepsItsTimeOnlyWhileStatusHolds) {
  const StatusResult rolling = statusOf(drainingRelay());
  ObservedState later = drainingRelay();
  later.now = kNow + seconds(30);
  const StatusResult still = statusOf(later, rolling.status.conditions);
  EXPECT_EQ(conditionOf(still.status, api::kConditionReconciling).last_transition_time, kNow);
  ObservedState done = completeRelay();
  done.now = kNow + seconds(60);
  const StatusResult finished = statusOf(done, still.status.conditions);
  EXPECT_EQ(conditionOf(finished.status, api::kConditionReconciling).last_transition_time,
            kNow + seconds(60));
  EXPECT_EQ(conditionOf(finished.status, api::kConditionReady).last_transition_time,
            kNow + seconds(60));
}

// --- canary ------------------------------------------------------------------------------

// 4 relays, one of them at "new": the first canary step (1 pod) is reached.
ObservedState canaryStepReached() {
  ObservedState s = relayTier();
  s.policy.partition = 3;  // as canaryPartition sets it for a 1-pod step
  addServing(s, "old-1", "old", 100);
  addServing(s, "old-2", "old", 100);
  addServing(s, "old-3", "old", 100);
  addServing(s, "new-0", "new", 100);
  return s;
}

CanaryView canaryIn(CanaryState state, std::string message) {
  CanaryView view;
  view.record.revision = "new";
  view.record.state = state;
  view.steps = 2;
  view.step_replicas = 1;
  view.message = std::move(message);
  return view;
}

TEST(StatusCalculator, ABakingCanaryStepIsNotACompleteRollout) {
  ObservedState s = canaryStepReached();
  const Plan plan = planRollout(s);
  ASSERT_TRUE(plan.assessment.complete);  // under the canary's partition
  auto r =
      calculateStatus(s, plan, {}, canaryIn(CanaryState::Baking, "canary step 1 of 2: baking"));
  EXPECT_EQ(r.status.phase, api::Phase::Progressing);
  EXPECT_EQ(r.status.current_revision, "old");  // what a rollback returns to
  EXPECT_EQ(r.status.message, "canary step 1 of 2: baking");
  EXPECT_EQ(conditionOf(r.status, api::kConditionReconciling).status, "True");
  EXPECT_EQ(conditionOf(r.status, api::kConditionReconciling).reason, api::reason::kCanaryBaking);
  EXPECT_EQ(conditionOf(r.status, api::kConditionReady).status, "False");
  ASSERT_TRUE(r.status.canary);
  EXPECT_THAT(eventReasons(r), ::testing::Not(::testing::Contains(api::event::kRolloutCompleted)));
}

TEST(StatusCalculator, ACanaryAwaitingPromotionIsPausedWithoutAWarning) {
  ObservedState s = canaryStepReached();
  auto r = calculateStatus(s, planRollout(s), {},
                           canaryIn(CanaryState::AwaitingPromotion, "waiting for promote"));
  EXPECT_EQ(r.status.phase, api::Phase::Paused);
  EXPECT_EQ(conditionOf(r.status, api::kConditionPaused).reason,
            api::reason::kCanaryAwaitingPromotion);
  EXPECT_EQ(conditionOf(r.status, api::kConditionStalled).status, "False");
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].reason, api::event::kRolloutPaused);
  EXPECT_FALSE(r.events[0].warning);
}

TEST(StatusCalculator, ARolledBackCanaryIsDegradedAndStalledEvenOnceBackOnTheOldRevision) {
  ObservedState s = relayTier();
  s.policy.update_revision = "old";  // the controller rolls to the stable template
  for (const char* name : {"old-0", "old-1", "old-2", "old-3"}) addServing(s, name, "old", 100);
  CanaryView view = canaryIn(CanaryState::RolledBack,
                             "canary of revision new rolled back on WorkloadVerdict: unhealthy");
  view.record.rollback = CanaryRollbackRecord{"new", "WorkloadVerdict", "unhealthy", kNow};
  auto r = calculateStatus(s, planRollout(s), {}, view);
  EXPECT_EQ(r.status.phase, api::Phase::Degraded);
  EXPECT_EQ(r.status.current_revision, "old");
  EXPECT_EQ(r.status.message, view.message);
  EXPECT_EQ(conditionOf(r.status, api::kConditionStalled).status, "True");
  EXPECT_EQ(conditionOf(r.status, api::kConditionStalled).reason, api::reason::kCanaryRolledBack);
  EXPECT_EQ(conditionOf(r.status, api::kConditionReconciling).status, "False");
  EXPECT_EQ(conditionOf(r.status, api::kConditionReady).status, "False");
}

}  // namespace
}  // namespace baton::rollout
