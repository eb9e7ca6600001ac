#include "controller/pod_builder.h"

#include <gtest/gtest.h>

#include "api/contract.h"

namespace baton::controller {
namespace {

using nlohmann::json;

json TierJson(json annotations) {
  json spec = {{"replicas", 2},
               {"template",
                {{"metadata", {{"labels", {{"app", "relay"}}}, {"annotations", annotations}}},
                 {"spec", {{"containers", {{{"name", "r"}, {"image", "relay:v1"}}}}}}}},
               {"drain", {{"port", 9090}}}};
  return json{{"apiVersion", "baton.dev/v1alpha1"},
              {"kind", "RelayTier"},
              {"metadata", {{"name", "relay"}, {"namespace", "chat"}, {"uid", "u1"}}},
              {"spec", spec}};
}

api::Tier TierWithTemplateAnnotations(json annotations) {
  return TierJson(std::move(annotations)).get<api::Tier>();
}

// A tier stored before the CRD refused them (or written past it) must not
// reach Baton's own annotations on its pods: skip-drain would make every pod
// skip its drain.
TEST(PodBuilderTest, DropsBatonAnnotationsFromTheTemplateAndKeepsOthers) {
  auto tier = TierWithTemplateAnnotations({{"baton.dev/skip-drain", "true"},
                                           {"baton.dev/drain-successor", "evil-0"},
                                           {"example.com/team", "chat"},
                                           {"harness.baton.dev/pod-runner", "true"}});
  auto pod = BuildPod(tier, rollout::CreatePod{"relay-abc-0", "abc", -1, std::nullopt});
  const auto& annotations = pod["metadata"]["annotations"];
  EXPECT_FALSE(annotations.contains("baton.dev/skip-drain"));
  EXPECT_FALSE(annotations.contains("baton.dev/drain-successor"));
  EXPECT_EQ(annotations.value("example.com/team", ""), "chat");
  EXPECT_EQ(annotations.value("harness.baton.dev/pod-runner", ""), "true");
}

TEST(PodBuilderTest, SetsTheRestartStampItself) {
  auto tier = TierWithTemplateAnnotations({{"baton.dev/restarted-at", "1999-01-01T00:00:00Z"}});
  rollout::CreatePod create{"relay-abc-0", "abc", -1, std::chrono::system_clock::from_time_t(0)};
  auto pod = BuildPod(tier, create);
  EXPECT_EQ(pod["metadata"]["annotations"].value(std::string(api::kAnnotationRestartedAt), ""),
            "1970-01-01T00:00:00Z");
}

TEST(PodBuilderTest, WithTokenAuthEveryContainerLearnsTheAudienceFromBaton) {
  json j = TierJson(json::object());
  j["spec"]["drain"]["auth"] = {{"type", "ServiceAccountToken"}};
  auto& containers = j["spec"]["template"]["spec"]["containers"];
  containers[0]["env"] = {{{"name", "BATON_DRAIN_AUDIENCE"}, {"value", "chosen-by-the-tenant"}},
                          {{"name", "KEEP"}, {"value", "me"}}};
  containers.push_back({{"name", "sidecar"}, {"image", "proxy:v1"}});
  auto tier = j.get<api::Tier>();
  auto pod = BuildPod(tier, rollout::CreatePod{"relay-abc-0", "abc", -1, std::nullopt});
  for (const auto& c : pod["spec"]["containers"]) {
    int found = 0;
    for (const auto& e : c["env"]) {
      if (e["name"] == "BATON_DRAIN_AUDIENCE") {
        ++found;
        EXPECT_EQ(e["value"], "baton.dev/drain/chat/RelayTier/relay");
      }
    }
    EXPECT_EQ(found, 1) << c.dump();
  }
  EXPECT_EQ(pod["spec"]["containers"][0]["env"][0], json({{"name", "KEEP"}, {"value", "me"}}));
}

TEST(PodBuilderTest, WithoutTokenAuthNoAudienceIsGiven) {
  auto tier = TierWithTemplateAnnotations(json::object());
  auto pod = BuildPod(tier, rollout::CreatePod{"relay-abc-0", "abc", -1, std::nullopt});
  EXPECT_FALSE(pod["spec"]["containers"][0].contains("env"));
}

}  // namespace
}  // namespace baton::controller

namespace baton::controller {
namespace {

// The failure count rides on the pod, so a restarted operator backs off the
// same; a template cannot preset it (it is under baton.dev/).
TEST(PodBuilderTest, ReplacementOfAFailedPodCarriesTheFailureCount) {
  auto tier = TierWithTemplateAnnotations({{"baton.dev/failed-attempts", "0"}});
  auto first = BuildPod(tier, rollout::CreatePod{"relay-abc-0", "abc", -1, std::nullopt});
  EXPECT_FALSE(first["metadata"]["annotations"].contains("baton.dev/failed-attempts"));
  auto replacement = BuildPod(tier, rollout::CreatePod{"relay-abc-1", "abc", -1, std::nullopt, 3});
  EXPECT_EQ(replacement["metadata"]["annotations"].value("baton.dev/failed-attempts", ""), "3");
}

}  // namespace
}  // namespace baton::controller
