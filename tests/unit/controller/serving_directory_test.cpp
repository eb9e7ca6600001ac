// The serving directory as published: who is listed, and who takes new
// sessions, decided by the planner's drain queue (not by revision labels).
#include "controller/serving_directory.h"

#include <gtest/gtest.h>

#include <map>

#include "api/contract.h"

namespace baton::controller {
namespace {

using nlohmann::json;

api::Tier Relay(int replicas) {
  return json{{"apiVersion", "baton.dev/v1alpha1"},
              {"kind", "RelayTier"},
              {"metadata", {{"name", "relay"}, {"namespace", "chat"}, {"uid", "tier-uid"}}},
              {"spec",
               {{"replicas", replicas},
                {"servingPort", 7000},
                {"template",
                 {{"metadata", {{"labels", {{"app", "relay"}}}}},
                  {"spec", {{"containers", {{{"name", "relay"}, {"image", "relay:v1"}}}}}}}},
                {"drain", {{"port", 8080}}}}}}
      .get<api::Tier>();
}

PodView Pod(const std::string& name, const std::string& revision, const std::string& ip,
            const std::string& role = "serving") {
  PodView p;
  p.ns = "chat";
  p.name = name;
  p.labels = {{std::string(api::kLabelRevision), revision}, {std::string(api::kLabelRole), role}};
  p.phase = "Running";
  p.ready = true;
  p.ip = ip;
  return p;
}

drain::DrainReading Serving(std::int64_t sessions) {
  drain::DrainReading r;
  r.known = true;
  r.sessions = sessions;
  r.instance_id = "inst";
  return r;
}

// pod -> {weight, drainOrder or -1}
std::map<std::string, std::pair<std::int64_t, int>> Steering(const json& dir) {
  std::map<std::string, std::pair<std::int64_t, int>> out;
  for (const auto& e : dir["endpoints"]) {
    out[e["pod"]] = {e["weight"].get<std::int64_t>(), e.value("drainOrder", -1)};
  }
  return out;
}

using Want = std::map<std::string, std::pair<std::int64_t, int>>;

TEST(ServingEndpoints, RestartKeepsTheNextPodToDrainOutThoughAllShareARevision) {
  // restartAt: every pod is revision "r5". The planner queues the three not
  // yet restarted, relay-b first; relay-a is draining; relay-r is restarted.
  // Before the queue, all four were one level and relay-b took sessions.
  std::vector<PodView> pods = {Pod("relay-a", "r5", "127.6.0.1", "draining"),
                               Pod("relay-b", "r5", "127.6.0.2"), Pod("relay-c", "r5", "127.6.0.3"),
                               Pod("relay-d", "r5", "127.6.0.4"),
                               Pod("relay-r", "r5", "127.6.0.5")};
  auto a = Serving(1000);
  a.state = drain::DrainState::Draining;
  std::map<std::string, drain::DrainReading> readings = {{"relay-a", a},
                                                         {"relay-b", Serving(990)},
                                                         {"relay-c", Serving(1000)},
                                                         {"relay-d", Serving(1010)},
                                                         {"relay-r", Serving(0)}};
  const json dir =
      ServingEndpoints(Relay(4), pods, readings, "r5", {"relay-b", "relay-c", "relay-d"});
  EXPECT_EQ(
      Steering(dir),
      (Want{
          {"relay-b", {0, 0}}, {"relay-c", {0, 1}}, {"relay-d", {0, 2}}, {"relay-r", {1000, -1}}}));
}

TEST(ServingEndpoints, PartitionKeepersTakeSessionsAndAreNeverDrainOrderZero) {
  // partition 2: relay-k1 and relay-k2 stay at the old revision for good.
  std::vector<PodView> pods = {
      Pod("relay-k1", "r4", "127.6.0.1"), Pod("relay-k2", "r4", "127.6.0.2"),
      Pod("relay-n", "r5", "127.6.0.3"), Pod("relay-q", "r4", "127.6.0.4")};
  std::map<std::string, drain::DrainReading> readings = {{"relay-k1", Serving(100)},
                                                         {"relay-k2", Serving(900)},
                                                         {"relay-n", Serving(500)},
                                                         {"relay-q", Serving(500)}};
  const json dir = ServingEndpoints(Relay(4), pods, readings, "r5", {"relay-q"});
  EXPECT_EQ(Steering(dir), (Want{{"relay-k1", {400, -1}},
                                 {"relay-k2", {0, -1}},
                                 {"relay-n", {0, -1}},
                                 {"relay-q", {0, 0}}}));
}

TEST(ServingEndpoints, EvacuationKeepsTheLeavingPodOutWhateverItsRevisionAndLoad) {
  std::vector<PodView> pods = {Pod("relay-a", "r5", "127.6.0.1"),
                               Pod("relay-leaving", "r5", "127.6.0.2"),
                               Pod("relay-new", "r5", "127.6.0.3")};
  std::map<std::string, drain::DrainReading> readings = {
      {"relay-a", Serving(500)}, {"relay-leaving", Serving(900)}, {"relay-new", Serving(0)}};
  const json dir = ServingEndpoints(Relay(2), pods, readings, "r5", {"relay-leaving"});
  EXPECT_EQ(Steering(dir),
            (Want{{"relay-a", {200, -1}}, {"relay-leaving", {0, 0}}, {"relay-new", {700, -1}}}));
}

TEST(ServingEndpoints, AnEmptyQueueListsEveryServingPodAsKeptWithoutItsUnknownCount) {
  std::vector<PodView> pods = {Pod("relay-a", "r5", "127.6.0.1"), Pod("relay-b", "r5", "127.6.0.2"),
                               Pod("relay-c", "r5", "")};  // no IP yet: not listed
  std::map<std::string, drain::DrainReading> readings = {{"relay-a", Serving(10)}};
  const json dir = ServingEndpoints(Relay(2), pods, readings, "r5", {});
  ASSERT_EQ(dir["endpoints"].size(), 2u);
  EXPECT_EQ(dir["endpoints"][0]["sessions"], 10);
  EXPECT_FALSE(dir["endpoints"][1].contains("sessions"));  // unknown, not 0
  EXPECT_FALSE(dir["endpoints"][0].contains("drainOrder"));
  EXPECT_FALSE(dir["endpoints"][1].contains("drainOrder"));
}

}  // namespace
}  // namespace baton::controller
