#include "controller/canary_observation.h"

#include <gtest/gtest.h>

#include "api/contract.h"
#include "controller/revision_history.h"
#include "controller/status_json.h"
#include "timestamp/rfc3339.h"

namespace baton::controller {
namespace {

using nlohmann::json;

const auto kT0 = *timestamp::ParseRfc3339("2026-11-25T10:00:00Z");

TEST(CanaryObservation, PolicyFromTheSpec) {
  api::CanarySpec spec;
  spec.steps = {api::CanaryStep{2, std::nullopt, 30, false}, api::CanaryStep{0, 50, 0, true}};
  spec.analysis.prometheus = api::PrometheusCheck{"q", std::nullopt, 0.01, 15};
  const auto policy = CanaryPolicyOf(spec);
  ASSERT_EQ(policy.steps.size(), 2u);
  EXPECT_EQ(policy.steps[0].replicas, 2);
  EXPECT_EQ(policy.steps[0].bake, rollout::Seconds(30));
  EXPECT_EQ(policy.steps[1].percent, 50);
  EXPECT_TRUE(policy.steps[1].wait_for_promote);
  ASSERT_TRUE(policy.prometheus);
  EXPECT_EQ(policy.prometheus->max, 0.01);
  EXPECT_EQ(policy.prometheus->interval, rollout::Seconds(15));
}

TEST(CanaryObservation, TheRecordRoundTripsThroughStatus) {
  rollout::CanaryView view;
  view.record.revision = "abc";
  view.record.step = 1;
  view.record.state = rollout::CanaryState::RolledBack;
  view.record.bake_ends_at = kT0;
  view.record.signals = {{"PodHealth", rollout::SignalStatus::Passing, "1 healthy", ""},
                         {"Prometheus", rollout::SignalStatus::Failing, "0.2", "above max"}};
  view.record.rollback = rollout::CanaryRollbackRecord{"abc", "Prometheus", "0.2", kT0};
  view.steps = 2;
  view.step_replicas = 2;
  const api::CanaryStatus status = CanaryStatusOf(view);
  EXPECT_EQ(status.state, "RolledBack");
  EXPECT_EQ(status.signals[1].status, "Failing");
  // Through JSON as the API server would hand it back.
  api::TierStatus tier_status;
  tier_status.canary = status;
  const auto back = json(tier_status).get<api::TierStatus>();
  const auto record = CanaryRecordOf(back.canary);
  ASSERT_TRUE(record);
  EXPECT_EQ(*record, view.record);
}

TEST(CanaryObservation, AWorkloadsLongReasonIsCutToTheSchemasBoundOnACharacter) {
  rollout::CanaryView view;
  view.record.revision = "abc";
  std::string reason(1021, 'x');
  reason += "\xC3\xA9\xC3\xA9\xC3\xA9";  // "ééé" at bytes 1021..1026
  view.record.signals = {{"WorkloadVerdict", rollout::SignalStatus::Failing, "unhealthy", reason}};
  const api::CanaryStatus status = CanaryStatusOf(view);
  const std::string& cut = status.signals[0].message;
  // Byte 1024 is inside the second é: the cut falls before it.
  EXPECT_EQ(cut, std::string(1021, 'x') + "\xC3\xA9");
  EXPECT_NO_THROW(json(cut).dump());
}

TEST(CanaryObservation, NoRecordWithoutStatusCanary) {
  EXPECT_FALSE(CanaryRecordOf(std::nullopt));
  EXPECT_FALSE(CanaryRecordOf(api::CanaryStatus{}));
}

TEST(CanaryObservation, RequestsFromTheTiersAnnotations) {
  api::Tier tier;
  tier.metadata = {{"annotations",
                    {{std::string(api::kAnnotationPromote), "abc/1"},
                     {std::string(api::kAnnotationAbort), "abc"},
                     {"other", "x"}}}};
  const auto requests = CanaryRequestsOf(tier);
  EXPECT_EQ(requests.promote, "abc/1");
  EXPECT_EQ(requests.abort, "abc");
  EXPECT_EQ(CanaryRequestsOf(api::Tier{}).promote, "");
}

TEST(CanaryObservation, TheStableTemplateComesFromTheTiersOwnRevision) {
  api::Tier tier;
  tier.metadata = {{"name", "relay"}, {"namespace", "chat"}, {"uid", "tier-uid"}};
  tier.spec.pod_template = {
      {"spec", {{"containers", {{{"name", "relay"}, {"image", "relay:v1"}}}}}}};
  json mine = BuildControllerRevision(tier, "h1", 1);
  json foreign = mine;
  foreign["metadata"]["ownerReferences"][0]["uid"] = "other-uid";
  foreign["data"]["spec"]["template"]["spec"]["containers"][0]["image"] = "evil:v1";
  EXPECT_EQ(StoredTemplate({foreign, mine}, "tier-uid", "h1"), tier.spec.pod_template);
  EXPECT_FALSE(StoredTemplate({foreign}, "tier-uid", "h1"));
  EXPECT_FALSE(StoredTemplate({mine}, "tier-uid", "h2"));
}

TEST(StatusPatchTest, NestedFieldsNoLongerReportedAreNulled) {
  json previous = {{"canary", {{"state", "Baking"}, {"bakeEndsAt", "t"}, {"step", 0}}},
                   {"phase", "Progressing"}};
  json next = {{"canary", {{"state", "Scaling"}, {"step", 1}}}, {"phase", "Progressing"}};
  const json patch = StatusPatch(previous, next);
  EXPECT_TRUE(patch["canary"]["bakeEndsAt"].is_null()) << patch.dump();
  EXPECT_EQ(patch["canary"]["step"], 1);
  EXPECT_TRUE(StatusPatch(next, json::object())["canary"].is_null());
}

}  // namespace
}  // namespace baton::controller
