#include "controller/pod_builder.h"

#include <gtest/gtest.h>

#include "api/contract.h"

namespace baton::controller {
namespace {

using nlohmann::json;

api::Tier TierWithTemplateAnnotations(json annotations) {
  json spec = {{"replicas", 2},
               {"template",
                {{"metadata", {{"labels", {{"app", "relay"}}}, {"annotations", annotations}}},
                 {"spec", {{"containers", {{{"name", "r"}, {"image", "relay:v1"}}}}}}}},
               {"drain", {{"port", 9090}}}};
  return json{{"apiVersion", "baton.dev/v1alpha1"},
              {"kind", "RelayTier"},
              {"metadata", {{"name", "relay"}, {"namespace", "chat"}, {"uid", "u1"}}},
              {"spec", spec}}
      .get<api::Tier>();
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

}  // namespace
}  // namespace baton::controller
