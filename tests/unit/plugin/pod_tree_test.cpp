#include "plugin/pod_tree.h"

#include <gtest/gtest.h>

namespace baton::plugin {
namespace {

nlohmann::json Pod(const std::string& name, const std::string& revision, const std::string& role,
                   bool ready) {
  return {
      {"metadata",
       {{"name", name}, {"labels", {{"baton.dev/revision", revision}, {"baton.dev/role", role}}}}},
      {"status",
       {{"phase", "Running"},
        {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
}

nlohmann::json Tier() {
  return {{"kind", "RelayTier"},
          {"metadata", {{"name", "relay"}, {"namespace", "demo"}}},
          {"spec", {{"replicas", 3}}},
          {"status",
           {{"phase", "Progressing"},
            {"updatedReplicas", 1},
            {"updateRevision", "bbbb"},
            {"currentRevision", "aaaa"},
            {"drainingPods", {{{"name", "relay-a1"}, {"sessionsNow", 1234}}}}}}};
}

TEST(PodTree, RendersEveryPodWithRevisionReadinessRoleAndSessions) {
  nlohmann::json pods = {Pod("relay-b1", "bbbb", "serving", false),
                         Pod("relay-a1", "aaaa", "draining", true),
                         Pod("relay-a2", "aaaa", "serving", true)};
  nlohmann::json directory = {
      {"endpoints", {{{"pod", "relay-a2"}, {"sessions", 800}}, {{"pod", "relay-b1"}}}}};
  EXPECT_EQ(RenderPodTree(Tier(), pods, directory),
            "RelayTier demo/relay  Progressing  updated 1/3  update revision bbbb (current aaaa)\n"
            "├── relay-a1  aaaa (old)        Ready        draining  1,234 sessions left\n"
            "├── relay-a2  aaaa (old)        Ready        serving   800 sessions\n"
            "└── relay-b1  bbbb (new)        NotReady     serving   ? sessions\n");
}

TEST(PodTree, UnknownDrainingCountAndMissingDirectoryShowQuestionMarks) {
  auto tier = Tier();
  tier["status"]["drainingPods"][0].erase("sessionsNow");
  nlohmann::json pods = {Pod("relay-a1", "aaaa", "draining", true),
                         Pod("relay-a2", "aaaa", "serving", true)};
  auto text = RenderPodTree(tier, pods, nullptr);
  EXPECT_NE(text.find("draining  ? sessions left"), std::string::npos) << text;
  EXPECT_NE(text.find("serving   ? sessions"), std::string::npos) << text;
  EXPECT_EQ(text.find(" 0 sessions"), std::string::npos) << text;
}

TEST(PodTree, TerminatingPodAndEmptyTier) {
  auto pod = Pod("relay-a1", "aaaa", "draining", true);
  pod["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  EXPECT_NE(RenderPodTree(Tier(), nlohmann::json::array({pod}), nullptr).find("Terminating"),
            std::string::npos);
  EXPECT_NE(RenderPodTree(Tier(), nlohmann::json::array(), nullptr).find("(no pods)"),
            std::string::npos);
}

}  // namespace
}  // namespace baton::plugin
