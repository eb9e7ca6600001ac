#include "kube/event_recorder.h"

#include <gtest/gtest.h>

namespace baton::kube {
namespace {

using namespace std::chrono_literals;
using Clock = EventAggregator::Clock;

const ObjectReference kPod{"v1", "Pod", "relay", "relay-0", "uid-1", "42", ""};

TEST(IsCamelCaseReason, AcceptsCamelCaseOnly) {
  EXPECT_TRUE(IsCamelCaseReason("DrainStarted"));
  EXPECT_TRUE(IsCamelCaseReason("Pod2Deleted"));
  EXPECT_FALSE(IsCamelCaseReason(""));
  EXPECT_FALSE(IsCamelCaseReason("drainStarted"));
  EXPECT_FALSE(IsCamelCaseReason("Drain started"));
  EXPECT_FALSE(IsCamelCaseReason("Drain_Started"));
  EXPECT_FALSE(IsCamelCaseReason(std::string(129, 'A')));
}

TEST(EventAggregationKey, SameEventSameKeyAnyDifferenceDiffers) {
  const auto k = EventAggregationKey(kPod, EventType::Normal, "DrainStarted", "m");
  EXPECT_EQ(k, EventAggregationKey(kPod, EventType::Normal, "DrainStarted", "m"));
  EXPECT_NE(k, EventAggregationKey(kPod, EventType::Warning, "DrainStarted", "m"));
  EXPECT_NE(k, EventAggregationKey(kPod, EventType::Normal, "DrainDone", "m"));
  EXPECT_NE(k, EventAggregationKey(kPod, EventType::Normal, "DrainStarted", "m2"));
  ObjectReference other = kPod;
  other.name = "relay-1";
  EXPECT_NE(k, EventAggregationKey(other, EventType::Normal, "DrainStarted", "m"));
  // Field boundaries cannot be confused.
  ObjectReference a = kPod, b = kPod;
  a.ns = "ab";
  a.name = "c";
  b.ns = "a";
  b.name = "bc";
  EXPECT_NE(EventAggregationKey(a, EventType::Normal, "R", "m"),
            EventAggregationKey(b, EventType::Normal, "R", "m"));
}

TEST(EventAggregator, RepeatsWithinTheWindowPatchWithARisingCount) {
  EventAggregator agg(600s, 10);
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_FALSE(agg.Observe("k", t0).patch);
  agg.Remember("k", "relay-0.abc", t0);
  auto d = agg.Observe("k", t0 + 10s);
  EXPECT_TRUE(d.patch);
  EXPECT_EQ(d.event_name, "relay-0.abc");
  EXPECT_EQ(d.count, 2);
  EXPECT_EQ(agg.Observe("k", t0 + 20s).count, 3);
  // The window runs from the last occurrence.
  EXPECT_TRUE(agg.Observe("k", t0 + 600s).patch);
  EXPECT_FALSE(agg.Observe("k", t0 + 1201s).patch);
  EXPECT_EQ(agg.size(), 0u);
}

TEST(EventAggregator, BoundedLeastRecentlyUsed) {
  EventAggregator agg(600s, 2);
  const auto t0 = Clock::time_point{} + 1h;
  agg.Remember("a", "ea", t0);
  agg.Remember("b", "eb", t0);
  EXPECT_TRUE(agg.Observe("a", t0).patch);  // a is now the most recent
  agg.Remember("c", "ec", t0);              // evicts b
  EXPECT_EQ(agg.size(), 2u);
  EXPECT_FALSE(agg.Observe("b", t0).patch);
  EXPECT_TRUE(agg.Observe("a", t0).patch);
  EXPECT_TRUE(agg.Observe("c", t0).patch);
}

TEST(BuildEvent, CoreV1EventWithSourceAndReportingController) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'764'061'206));
  auto e = BuildEvent(kPod, EventType::Warning, "DrainTimedOut", std::string(2000, 'x'),
                      "baton-operator", "host-1", "relay-0.1", now);
  EXPECT_EQ(e["apiVersion"], "v1");
  EXPECT_EQ(e["kind"], "Event");
  EXPECT_EQ(e["metadata"]["namespace"], "relay");
  EXPECT_EQ(e["involvedObject"]["kind"], "Pod");
  EXPECT_EQ(e["involvedObject"]["uid"], "uid-1");
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["reason"], "DrainTimedOut");
  EXPECT_EQ(e["source"]["component"], "baton-operator");
  EXPECT_EQ(e["reportingComponent"], "baton-operator");
  EXPECT_EQ(e["reportingInstance"], "host-1");
  EXPECT_EQ(e["count"], 1);
  EXPECT_EQ(e["firstTimestamp"], "2025-11-25T09:00:06Z");
  EXPECT_LE(e["message"].get<std::string>().size(), 1024u);
  ObjectReference node{"v1", "Node", "", "kwok-node-0", "", "", ""};
  EXPECT_EQ(
      BuildEvent(node, EventType::Normal, "R", "m", "c", "i", "n", now)["metadata"]["namespace"],
      "default");
}

}  // namespace
}  // namespace baton::kube
