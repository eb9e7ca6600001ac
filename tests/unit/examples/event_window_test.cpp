#include "event_window.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const EventWindow::Clock::time_point kT0 = EventWindow::Clock::time_point{} + seconds(1000);

TEST(EventWindow, SumsWhatWasAddedWithinTheSpan) {
  EventWindow w(seconds(10));
  w.Add({5, 1, 0}, kT0);
  w.Add({3, 0, 2}, kT0 + milliseconds(4500));
  EXPECT_EQ(w.Sum(kT0 + seconds(5)), (EventCounts{8, 1, 2}));
  // The first second leaves the window 10 s later; the second one after that.
  EXPECT_EQ(w.Sum(kT0 + seconds(10)), (EventCounts{3, 0, 2}));
  EXPECT_EQ(w.Sum(kT0 + seconds(14)), (EventCounts{}));
}

TEST(EventWindow, ABucketReusedAfterASpanForgetsItsOldCounts) {
  EventWindow w(seconds(3));
  w.Add({7, 7, 7}, kT0);
  w.Add({1, 0, 0}, kT0 + seconds(3));  // same bucket, a span later
  EXPECT_EQ(w.Sum(kT0 + seconds(3)), (EventCounts{1, 0, 0}));
  // Long idle: nothing counts, whatever the buckets still hold.
  EXPECT_EQ(w.Sum(kT0 + seconds(3600)), (EventCounts{}));
  EXPECT_EQ(w.span(), seconds(3));
}

TEST(EventWindow, ASpanBelowOneSecondIsOneSecond) {
  EventWindow w(seconds(0));
  EXPECT_EQ(w.span(), seconds(1));
  w.Add({1, 0, 0}, kT0);
  EXPECT_EQ(w.Sum(kT0), (EventCounts{1, 0, 0}));
}

}  // namespace
}  // namespace baton::examples
