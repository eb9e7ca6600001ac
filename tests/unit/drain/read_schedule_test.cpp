#include "drain/read_schedule.h"

#include <gtest/gtest.h>

#include <functional>

namespace baton::drain {
namespace {

using namespace std::chrono_literals;
using Clock = ReadSchedule::Clock;

const Clock::time_point kT0 = Clock::time_point{} + 1000h;

DrainReading Known(int64_t sessions) {
  DrainReading r;
  r.known = true;
  r.sessions = sessions;
  r.instance_id = "i1";
  return r;
}

FollowSpec Spec(const std::string& host, const std::string& group,
                std::chrono::milliseconds poll = 5s) {
  FollowSpec s;
  s.endpoint = DrainEndpoint{host, 9090, "/drain", ""};
  s.poll_interval = poll;
  s.group = group;
  return s;
}

std::size_t CountGroup(const std::vector<PendingRead>& reads, const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& r : reads) n += r.key.rfind(prefix, 0) == 0;
  return n;
}

// Issue 18: 600 pods of a hostile tier whose endpoints never answer, and a
// healthy tier of 10, under a budget of 512. Before fair shares the hostile
// tier's keys, first in order, took all 512 slots and the healthy tier was
// read only when a hanging read timed out.
TEST(ReadScheduleTest, AHangingTierCannotTakeAnotherTiersShareOfTheBudget) {
  ReadSchedule schedule(ReadScheduleOptions{512});
  for (int i = 0; i < 600; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "a-hostile/p%03d", i);
    schedule.Track(key, Spec("127.1.0.1", "RelayTier/a-hostile/t"), kT0);
  }
  for (int i = 0; i < 10; ++i) {
    schedule.Track("b-healthy/p" + std::to_string(i), Spec("127.1.1.1", "RelayTier/b-healthy/t"),
                   kT0);
  }
  EXPECT_EQ(schedule.ShareOfEachGroup(), 170u);  // 512 / (2 tiers + 1 kept free)
  auto due = schedule.TakeDue(kT0);
  EXPECT_EQ(CountGroup(due, "a-hostile/"), 170u);
  EXPECT_EQ(CountGroup(due, "b-healthy/"), 10u);

  // The healthy tier answers and is read again at its interval, while the
  // hostile tier's 256 reads still hang.
  for (const auto& r : due) {
    if (r.key.rfind("b-healthy/", 0) == 0) schedule.Answer(r.key, r.generation, Known(7), kT0);
  }
  auto again = schedule.TakeDue(kT0 + 5s);
  EXPECT_EQ(CountGroup(again, "b-healthy/"), 10u);
  EXPECT_EQ(CountGroup(again, "a-hostile/"), 0u) << "the hostile tier is at its share";
  EXPECT_EQ(schedule.InFlight("RelayTier/a-hostile/t"), 170u);
}

// The race found under ASan: the monitor planned reads while only the
// hanging tier was tracked; the tier tracked next still finds slots.
TEST(ReadScheduleTest, ATierThatAppearsLaterFindsSlotsAtOnce) {
  ReadSchedule schedule(ReadScheduleOptions{8});
  for (int i = 0; i < 20; ++i) {
    schedule.Track("a/p" + std::to_string(i), Spec("h", "T/a/hostile"), kT0);
  }
  EXPECT_EQ(schedule.TakeDue(kT0).size(), 4u) << "a tier alone: half the budget";
  schedule.Track("b/p0", Spec("h", "T/b/other"), kT0);
  auto due = schedule.TakeDue(kT0);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].key, "b/p0");
}

TEST(ReadScheduleTest, ShareIsNeverZero) {
  ReadSchedule schedule(ReadScheduleOptions{2});
  for (int i = 0; i < 5; ++i) {
    schedule.Track("ns/p" + std::to_string(i), Spec("h", "T/ns/" + std::to_string(i)), kT0);
  }
  EXPECT_EQ(schedule.ShareOfEachGroup(), 1u);
  EXPECT_EQ(schedule.TakeDue(kT0).size(), 2u) << "the global budget still holds";
}

// A known count whose reads stopped being answered is unknown after
// 2 x poll interval + grace (5 s poll: 20 s), and reported once.
TEST(ReadScheduleTest, AKnownCountGoesStaleAndIsThenUnknown) {
  ReadSchedule schedule;
  schedule.Track("ns/p", Spec("h", "g"), kT0);
  auto due = schedule.TakeDue(kT0);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(schedule.Answer("ns/p", due[0].generation, Known(0), kT0));
  // The next read hangs.
  ASSERT_EQ(schedule.TakeDue(kT0 + 5s).size(), 1u);
  EXPECT_TRUE(schedule.Latest("ns/p", kT0 + 19s)->known);
  EXPECT_TRUE(schedule.TakeNewlyStale(kT0 + 19s).empty());
  EXPECT_EQ(schedule.NextWake(kT0 + 19s), kT0 + 20s);
  auto latest = schedule.Latest("ns/p", kT0 + 20s);
  ASSERT_TRUE(latest);
  EXPECT_FALSE(latest->known) << "a 20 s old zero must not read as zero";
  EXPECT_NE(latest->error.find("stale"), std::string::npos) << latest->error;
  EXPECT_EQ(schedule.TakeNewlyStale(kT0 + 20s), std::vector<std::string>{"ns/p"});
  EXPECT_TRUE(schedule.TakeNewlyStale(kT0 + 21s).empty()) << "reported once";
}

TEST(ReadScheduleTest, AnAnswerAfterStalenessIsNewsEvenIfTheCountIsTheSame) {
  ReadSchedule schedule;
  schedule.Track("ns/p", Spec("h", "g"), kT0);
  auto due = schedule.TakeDue(kT0);
  schedule.Answer("ns/p", due[0].generation, Known(3), kT0);
  due = schedule.TakeDue(kT0 + 5s);
  ASSERT_EQ(schedule.TakeNewlyStale(kT0 + 25s).size(), 1u);
  EXPECT_TRUE(schedule.Answer("ns/p", due[0].generation, Known(3), kT0 + 26s));
  EXPECT_TRUE(schedule.Latest("ns/p", kT0 + 26s)->known);
}

// A canary bake fails on the workload's verdict (docs/canary.md): a verdict
// turning unhealthy with the count unchanged must wake the tier.
TEST(ReadScheduleTest, AVerdictChangeIsNewsEvenIfTheCountIsTheSame) {
  ReadSchedule schedule;
  FollowSpec spec = Spec("h", "g");
  spec.may_rest = false;  // a baking tier is never at rest
  schedule.Track("ns/p", spec, kT0);
  auto due = schedule.TakeDue(kT0);
  EXPECT_TRUE(schedule.Answer("ns/p", due[0].generation, Known(3), kT0));
  due = schedule.TakeDue(kT0 + 5s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_FALSE(schedule.Answer("ns/p", due[0].generation, Known(3), kT0 + 5s));
  due = schedule.TakeDue(kT0 + 10s);
  ASSERT_EQ(due.size(), 1u);
  DrainReading unhealthy = Known(3);
  unhealthy.verdict = api::WorkloadVerdict{false, "dropped 31% of messages"};
  EXPECT_TRUE(schedule.Answer("ns/p", due[0].generation, unhealthy, kT0 + 10s));
}

TEST(ReadScheduleTest, DrainingPodsGoStaleAfterTwoLongPollsAndTheGrace) {
  ReadSchedule schedule;
  auto spec = Spec("h", "g");
  spec.follow = true;
  spec.long_poll_wait = 10s;
  schedule.Track("ns/p", spec, kT0);
  auto due = schedule.TakeDue(kT0);
  schedule.Answer("ns/p", due[0].generation, Known(100), kT0);
  due = schedule.TakeDue(kT0);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].poll.wait, 10s);
  EXPECT_EQ(due[0].poll.last_sessions, 100);
  EXPECT_TRUE(schedule.Latest("ns/p", kT0 + 29s)->known);
  EXPECT_FALSE(schedule.Latest("ns/p", kT0 + 30s)->known);
}

TEST(ReadScheduleTest, UnknownReadingsAreRetriedAfterThePause) {
  ReadSchedule schedule(ReadScheduleOptions{512, 500ms});
  schedule.Track("ns/p", Spec("h", "g"), kT0);
  auto due = schedule.TakeDue(kT0);
  schedule.Answer("ns/p", due[0].generation, DrainReading::Unknown("refused", {}), kT0);
  EXPECT_TRUE(schedule.TakeDue(kT0 + 499ms).empty());
  EXPECT_EQ(schedule.TakeDue(kT0 + 500ms).size(), 1u);
}

TEST(ReadScheduleTest, AReSpecDropsTheLateAnswerAndFreesItsSlot) {
  ReadSchedule schedule(ReadScheduleOptions{1});
  schedule.Track("ns/p", Spec("h", "g"), kT0);
  auto first = schedule.TakeDue(kT0);
  ASSERT_EQ(first.size(), 1u);
  schedule.Track("ns/p", Spec("h2", "g"), kT0);  // a new pod IP
  EXPECT_EQ(schedule.InFlight(), 0u);
  EXPECT_FALSE(schedule.Answer("ns/p", first[0].generation, Known(1), kT0));
  EXPECT_FALSE(schedule.Latest("ns/p", kT0));
  auto second = schedule.TakeDue(kT0);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].endpoint.host, "h2");
}

TEST(ReadScheduleTest, ReadsDueButOverBudgetDoNotMakeTheCallerSpin) {
  ReadSchedule schedule(ReadScheduleOptions{1});
  schedule.Track("ns/a", Spec("h", "g"), kT0);
  schedule.Track("ns/b", Spec("h", "g"), kT0);
  ASSERT_EQ(schedule.TakeDue(kT0).size(), 1u);
  EXPECT_GT(schedule.NextWake(kT0), kT0) << "ns/b is due but waits for a slot";
}

TEST(ReadScheduleTest, UntrackFreesTheSlotAndReturnsTheEndpoint) {
  ReadSchedule schedule(ReadScheduleOptions{1});
  schedule.Track("ns/a", Spec("h", "g"), kT0);
  schedule.Track("ns/b", Spec("h", "g"), kT0);
  auto due = schedule.TakeDue(kT0);
  ASSERT_EQ(due.size(), 1u);
  auto endpoint = schedule.Untrack(due[0].key);
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->host, "h");
  EXPECT_EQ(schedule.TakeDue(kT0).size(), 1u);
}

// Runs the schedule of one pod as the monitor would, answering read i with
// sessions(i); returns the gaps between reads.
std::vector<std::chrono::milliseconds> Gaps(ReadSchedule& schedule, const std::string& key,
                                            std::size_t reads,
                                            const std::function<int64_t(std::size_t)>& sessions) {
  std::vector<Clock::time_point> times;
  auto now = kT0;
  while (times.size() < reads) {
    auto due = schedule.TakeDue(now);
    if (due.empty()) {
      now = schedule.NextWake(now);
      continue;
    }
    times.push_back(now);
    schedule.Answer(key, due[0].generation, Known(sessions(times.size() - 1)), now);
  }
  std::vector<std::chrono::milliseconds> gaps;
  for (std::size_t i = 1; i < times.size(); ++i) {
    gaps.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(times[i] - times[i - 1]));
  }
  return gaps;
}

// Serving pods whose count sits still are read less and less often, down to
// the rest interval (30-60 s): 10,000 settled pods cost ~220 reads/s, not
// the 2,000 of a 5 s poll.
TEST(ReadScheduleTest, AServingPodWhoseCountSitsStillIsReadLessOften) {
  ReadSchedule schedule;  // rest interval 30 s
  schedule.Track("ns/p", Spec("h", "g", 5s), kT0);
  auto gaps = Gaps(schedule, "ns/p", 8, [](std::size_t) { return 100; });
  EXPECT_EQ(gaps[0], 5s) << "the first answer is news: poll interval";
  EXPECT_EQ(gaps[1], 10s);
  EXPECT_EQ(gaps[2], 20s);
  for (std::size_t i = 3; i < gaps.size(); ++i) {
    EXPECT_GE(gaps[i], 30s) << i;
    EXPECT_LT(gaps[i], 60s) << i;
  }
  EXPECT_NE(gaps[3], gaps[4]) << "jittered";
}

TEST(ReadScheduleTest, AMovingCountIsReadAtThePollIntervalAgain) {
  ReadSchedule schedule;
  schedule.Track("ns/p", Spec("h", "g", 1s), kT0);
  // Sits at 0 for 9 reads (1, 2, 4, 8, 16, then 30-60 s apart); then
  // sessions arrive and keep arriving.
  auto gaps = Gaps(schedule, "ns/p", 12, [](std::size_t i) -> int64_t {
    return i < 9 ? 0 : 100 * static_cast<int64_t>(i);
  });
  EXPECT_GE(gaps[7], 30s);
  EXPECT_EQ(gaps[9], 1s) << "the count moved: read at the poll interval";
  EXPECT_EQ(gaps[10], 1s);
}

// A tier with work to do (a rollout, a restart, a scale) keeps its serving
// pods at the poll interval: steering needs their counts fresh.
TEST(ReadScheduleTest, APodOfATierNotAtRestDoesNotBackOff) {
  ReadSchedule schedule;
  auto spec = Spec("h", "g", 5s);
  spec.may_rest = false;
  schedule.Track("ns/p", spec, kT0);
  auto gaps = Gaps(schedule, "ns/p", 6, [](std::size_t) { return 100; });
  for (auto gap : gaps) EXPECT_EQ(gap, 5s);
}

// Leaving rest reads at once, not at the end of a rest interval.
TEST(ReadScheduleTest, LeavingRestReadsAtOnce) {
  ReadSchedule schedule;
  schedule.Track("ns/p", Spec("h", "g", 5s), kT0);
  auto gaps = Gaps(schedule, "ns/p", 6, [](std::size_t) { return 100; });  // now at rest
  auto last_read = kT0;
  for (auto gap : gaps) last_read += gap;
  const auto now = last_read + 1s;  // the next read is 30-60 s away
  ASSERT_TRUE(schedule.TakeDue(now).empty());
  auto busy = Spec("h", "g", 5s);
  busy.may_rest = false;
  EXPECT_TRUE(schedule.Track("ns/p", busy, now));
  EXPECT_EQ(schedule.TakeDue(now).size(), 1u);
}

// The stale bound follows the interval the pod is read at: a pod at rest is
// not called unknown between two of its rare reads.
TEST(ReadScheduleTest, APodAtRestIsNotStaleBetweenItsReads) {
  ReadScheduleOptions options;
  options.rest_interval = 30s;
  ReadSchedule schedule(options);
  schedule.Track("ns/p", Spec("h", "g", 5s), kT0);
  auto now = kT0;
  for (int i = 0; i < 5; ++i) {
    auto due = schedule.TakeDue(now);
    ASSERT_EQ(due.size(), 1u);
    schedule.Answer("ns/p", due[0].generation, Known(7), now);
    if (i == 4) break;
    now += 61s;  // later than any interval: the read is due
  }
  // Interval now 30-60 s: still known 2 x 30 s + grace later, unknown after
  // 2 x 60 s + grace at the latest.
  EXPECT_TRUE(schedule.Latest("ns/p", now + 69s)->known);
  EXPECT_TRUE(schedule.TakeNewlyStale(now + 69s).empty());
  EXPECT_FALSE(schedule.Latest("ns/p", now + 130s)->known);
}

}  // namespace
}  // namespace baton::drain
