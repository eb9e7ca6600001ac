// Events on the real apiserver: a repeat of the same event becomes a count
// on one Event (PATCH), a different message a new Event.
#include "kube/event_recorder.h"

#include <gtest/gtest.h>

#include "kube/rest_client.h"
#include "kube_watch_fixture.h"

namespace baton::kube {
namespace {

using nlohmann::json;

class EventRecorderTest : public baton::testing::ClusterTest {};

TEST_F(EventRecorderTest, RepeatsAreAggregatedIntoOneEventWithACount) {
  auto client = testing::MakeClient();
  auto cm = client->Create(resources::kConfigMaps, ns(), {{"metadata", {{"name", "target"}}}});
  ObjectReference ref{"v1", "ConfigMap", ns(), "target", cm["metadata"]["uid"].get<std::string>(),
                      "",   ""};
  {
    EventRecorder recorder(*client, {.reporting_instance = "test-host"});
    for (int i = 0; i < 5; ++i) {
      recorder.Event(ref, EventType::Normal, "DrainStarted", "draining 3 sessions");
    }
    recorder.Event(ref, EventType::Warning, "DrainTimedOut", "gave up after 600 s");
    EXPECT_THROW(recorder.Event(ref, EventType::Normal, "drain started", "x"),
                 std::invalid_argument);
    recorder.Flush();
    EXPECT_EQ(recorder.created(), 2u);
    EXPECT_EQ(recorder.patched(), 4u);
  }
  auto events = client->List(resources::kEvents, ns())["items"];
  ASSERT_EQ(events.size(), 2u) << events.dump();
  std::map<std::string, json> by_reason;
  for (auto& e : events) by_reason[e["reason"]] = e;
  const json& started = by_reason["DrainStarted"];
  EXPECT_EQ(started["count"], 5);
  EXPECT_EQ(started["type"], "Normal");
  EXPECT_EQ(started["message"], "draining 3 sessions");
  EXPECT_EQ(started["involvedObject"]["kind"], "ConfigMap");
  EXPECT_EQ(started["involvedObject"]["name"], "target");
  EXPECT_EQ(started["involvedObject"]["uid"], ref.uid);
  EXPECT_EQ(started["source"]["component"], "baton-operator");
  EXPECT_EQ(started["reportingComponent"], "baton-operator");
  EXPECT_EQ(started["reportingInstance"], "test-host");
  EXPECT_EQ(by_reason["DrainTimedOut"]["type"], "Warning");
  EXPECT_EQ(by_reason["DrainTimedOut"]["count"], 1);
  // kubectl sees them against the object.
  auto out = cluster().KubectlOrFail({"describe", "configmap", "target", "-n", ns()});
  EXPECT_NE(out.find("DrainStarted"), std::string::npos) << out;
}

}  // namespace
}  // namespace baton::kube
