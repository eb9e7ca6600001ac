#include "api/tier_types.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace baton::api {
namespace {

using nlohmann::json;

// testdata/<kind>-defaulted-spec.json is what the real kube-apiserver stored
// for testdata/<kind>-minimal.json; tests/integration/crds checks that it
// still does. Comparing our decoder against it ties the C++ defaults to the
// CRD schema's defaults through the server itself.
json LoadTestdata(const std::string& name) {
  const auto path = std::filesystem::path(BATON_UNIT_TEST_DIR) / "testdata" / name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return json::parse(in);
}

class ServerDefaultsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ServerDefaultsTest, DecodingMinimalObjectGivesServerDefaults) {
  const std::string kind = GetParam();
  const Tier tier = LoadTestdata(kind + "-minimal.json").get<Tier>();
  const json server_spec = LoadTestdata(kind + "-defaulted-spec.json");
  EXPECT_EQ(SpecToJson(tier.spec, tier.kind), server_spec)
      << "C++ defaults differ from the CRD schema's for " << kind;
}

INSTANTIATE_TEST_SUITE_P(AllKinds, ServerDefaultsTest,
                         ::testing::Values("relaytier", "sessiontier", "businesstier"));

TEST(TierTypes, DefaultsMatchSchema) {
  const Tier tier = LoadTestdata("relaytier-minimal.json").get<Tier>();
  EXPECT_EQ(tier.kind, TierKind::Relay);
  EXPECT_EQ(tier.Name(), "minimal");
  EXPECT_EQ(tier.spec.replicas, 1);
  EXPECT_EQ(tier.spec.drain.port, 9090);
  EXPECT_EQ(tier.spec.drain.path, "/drain");
  EXPECT_EQ(tier.spec.drain.session_threshold, 0);
  EXPECT_EQ(tier.spec.drain.poll_interval_seconds, 5);
  EXPECT_EQ(tier.spec.drain.timeout_seconds, 3600);
  EXPECT_EQ(tier.spec.drain.on_timeout, OnTimeout::Pause);
  EXPECT_EQ(tier.spec.drain.sessions_per_second, 1000);
  EXPECT_EQ(tier.spec.drain.auth.type, DrainAuthType::None);
  EXPECT_EQ(tier.spec.rollout.max_surge, 1);
  EXPECT_EQ(tier.spec.rollout.max_unavailable, 0);
  EXPECT_EQ(tier.spec.rollout.max_concurrent_drains, 1);
  EXPECT_FALSE(tier.spec.rollout.paused);
  EXPECT_EQ(tier.spec.rollout.partition, 0);
  EXPECT_EQ(tier.spec.rollout.min_ready_seconds, 0);
  EXPECT_EQ(tier.spec.rollout.progress_deadline_seconds, 600);
  EXPECT_FALSE(tier.spec.rollout.restart_at);
  EXPECT_EQ(tier.spec.revision_history_limit, 10);
  EXPECT_FALSE(tier.spec.service);
  EXPECT_FALSE(tier.spec.pod_disruption_budget);
  EXPECT_FALSE(tier.spec.selector);
  EXPECT_FALSE(tier.status.phase);
  EXPECT_EQ(tier.spec.pod_template["spec"]["containers"][0]["image"], "relay:v1");
}

Tier FullTier() {
  Tier tier;
  tier.kind = TierKind::Session;
  tier.metadata = {{"name", "sessions"},
                   {"namespace", "chat"},
                   {"uid", "0b1c"},
                   {"generation", 7},
                   {"finalizers", {"baton.dev/drain-pods"}}};
  tier.spec.replicas = 4;
  tier.spec.selector = LabelSelector{{{"app", "registry"}}};
  tier.spec.pod_template = {{"metadata", {{"labels", {{"app", "registry"}}}}},
                            {"spec", {{"containers", {{{"name", "r"}, {"image", "session:v2"}}}}}}};
  tier.spec.drain =
      DrainSpec{8081, "/v1/drain",        10,  2,
                900,  OnTimeout::Proceed, 250, DrainAuth{DrainAuthType::ServiceAccountToken}};
  tier.spec.rollout = RolloutSpec{2, 1, 3, true, 1, 5, 120, "2026-01-02T03:04:05Z", std::nullopt};
  tier.spec.revision_history_limit = 3;
  tier.spec.serving_port = 7000;
  tier.spec.service = ServiceSpec{"NodePort", {{"chat", 7000, 7001, "TCP"}, {"q", 53, {}, "UDP"}}};
  tier.spec.pod_disruption_budget = PodDisruptionBudgetSpec{std::nullopt, 1};
  tier.spec.allow_shard_count_change = true;
  tier.status.observed_generation = 7;
  tier.status.replicas = 5;
  tier.status.ready_replicas = 4;
  tier.status.updated_replicas = 2;
  tier.status.available_replicas = 3;
  tier.status.current_revision = "aaaa";
  tier.status.update_revision = "bbbb";
  tier.status.collision_count = 1;
  tier.status.selector = "baton.dev/kind=SessionTier,baton.dev/tier=sessions";
  tier.status.total_sessions = 123456789012;
  tier.status.unknown_session_pods = 1;
  tier.status.phase = Phase::Paused;
  tier.status.message = "draining sessions-2-bbbb: 12,345 sessions left, ETA 4m";
  tier.status.step_started_at = "2026-01-02T03:04:06Z";
  DrainingPod pod;
  pod.name = "sessions-2-aaaa";
  pod.successor = "sessions-2-bbbb";
  pod.started_at = "2026-01-02T03:04:07Z";
  pod.deadline = "2026-01-02T03:19:07Z";
  pod.sessions_at_start = 20000;
  pod.sessions_now = 12345;
  pod.sessions_per_second = 31.25;
  pod.eta_seconds = 240;
  pod.timed_out = true;
  DrainingPod bare;
  bare.name = "sessions-3-aaaa";
  tier.status.draining_pods = {pod, bare};
  tier.status.conditions = {
      {"Progressing", "True", "Draining", "draining", 7, "2026-01-02T03:04:07Z"},
      {"Paused", "True", "DrainTimedOut", "", 0, "2026-01-02T03:19:08Z"}};
  CanarySpec canary;
  canary.steps = {CanaryStep{2, std::nullopt, 60, false}, CanaryStep{0, 25, 0, true}};
  canary.analysis.workload_verdict = false;
  canary.analysis.prometheus = PrometheusCheck{"sum(x{revision=\"{{revision}}\"})", 0.5, 2.0, 15};
  tier.spec.rollout.canary = canary;
  tier.status.canary = CanaryStatus{
      "abc",
      1,
      2,
      1,
      "RolledBack",
      "2026-01-02T03:20:00Z",
      {CanarySignal{"PodHealth", "Passing", "1 healthy", ""},
       CanarySignal{"Prometheus", "Failing", "3", "query value 3 is above max 2"}},
      CanaryRollback{"abc", "Prometheus", "query value 3 is above max 2", "2026-01-02T03:21:00Z"}};
  return tier;
}

TEST(TierTypes, FullRoundTripKeepsEveryField) {
  const Tier tier = FullTier();
  const json encoded = tier;
  const Tier decoded = encoded.get<Tier>();
  EXPECT_EQ(decoded, tier);
  // And through text, as it travels to and from the API server.
  EXPECT_EQ(json::parse(encoded.dump()).get<Tier>(), tier);
  EXPECT_EQ(json(decoded), encoded);
}

TEST(TierTypes, EncodesApiFieldNames) {
  const json j = FullTier();
  EXPECT_EQ(j["apiVersion"], "baton.dev/v1alpha1");
  EXPECT_EQ(j["kind"], "SessionTier");
  EXPECT_EQ(j["spec"]["drain"]["auth"]["type"], "ServiceAccountToken");
  EXPECT_FALSE(j["spec"]["drain"]["auth"].contains("audience"));
  EXPECT_EQ(j["spec"]["drain"]["onTimeout"], "Proceed");
  EXPECT_EQ(j["spec"]["rollout"]["restartAt"], "2026-01-02T03:04:05Z");
  EXPECT_EQ(j["spec"]["service"]["ports"][1]["protocol"], "UDP");
  EXPECT_FALSE(j["spec"]["service"]["ports"][1].contains("targetPort"));
  EXPECT_EQ(j["spec"]["podDisruptionBudget"], json::parse(R"({"maxUnavailable": 1})"));
  EXPECT_EQ(j["spec"]["selector"]["matchLabels"]["app"], "registry");
  EXPECT_EQ(j["status"]["phase"], "Paused");
  EXPECT_EQ(j["status"]["totalSessions"], 123456789012);
  EXPECT_EQ(j["status"]["drainingPods"][0]["sessionsPerSecond"], 31.25);
  EXPECT_EQ(j["status"]["drainingPods"][1], json::parse(R"({"name": "sessions-3-aaaa"})"));
  EXPECT_EQ(j["status"]["conditions"][0]["observedGeneration"], 7);
  EXPECT_EQ(j["spec"]["rollout"]["canary"]["steps"][0]["replicas"], 2);
  EXPECT_EQ(j["spec"]["rollout"]["canary"]["steps"][1]["replicas"], "25%");
  EXPECT_EQ(j["status"]["canary"]["rollback"]["signal"], "Prometheus");
}

TEST(TierTypes, AllowShardCountChangeOnlyWrittenForSessionTier) {
  Tier tier = FullTier();
  tier.kind = TierKind::Relay;
  tier.spec.allow_shard_count_change = false;
  EXPECT_FALSE(json(tier)["spec"].contains("allowShardCountChange"));
  tier.kind = TierKind::Session;
  EXPECT_EQ(json(tier)["spec"]["allowShardCountChange"], false);
}

TEST(TierTypes, MetadataAccessors) {
  Tier tier = FullTier();
  EXPECT_EQ(tier.Namespace(), "chat");
  EXPECT_EQ(tier.Uid(), "0b1c");
  EXPECT_EQ(tier.Generation(), 7);
  EXPECT_FALSE(tier.Deleting());
  tier.metadata["deletionTimestamp"] = "2026-01-02T03:04:05Z";
  EXPECT_TRUE(tier.Deleting());
  // Null (which decoding accepts as "absent") reads as empty, never throws.
  tier.metadata["name"] = nullptr;
  EXPECT_EQ(tier.Name(), "");
  tier.metadata = nlohmann::json::array();
  EXPECT_EQ(tier.Uid(), "");
  EXPECT_EQ(tier.Generation(), 0);
  EXPECT_FALSE(tier.Deleting());
}

TEST(TierTypes, OrphanFinalizerMeansThePodsAreKept) {
  Tier tier = FullTier();
  EXPECT_FALSE(tier.OrphansPods());
  tier.metadata["finalizers"] = {"baton.dev/drain", "orphan"};
  EXPECT_TRUE(tier.OrphansPods());
  tier.metadata["finalizers"] = {"foregroundDeletion", "baton.dev/drain"};
  EXPECT_FALSE(tier.OrphansPods());
  tier.metadata["finalizers"] = "orphan";  // malformed: not a list
  EXPECT_FALSE(tier.OrphansPods());
}

TEST(TierTypes, FindCondition) {
  const Tier tier = FullTier();
  ASSERT_NE(tier.status.FindCondition("Paused"), nullptr);
  EXPECT_EQ(tier.status.FindCondition("Paused")->reason, "DrainTimedOut");
  EXPECT_EQ(tier.status.FindCondition("Stalled"), nullptr);
}

TEST(TierTypes, NullMeansDefault) {
  json j = LoadTestdata("relaytier-minimal.json");
  j["spec"]["replicas"] = nullptr;
  j["spec"]["drain"]["path"] = nullptr;
  const Tier tier = j.get<Tier>();
  EXPECT_EQ(tier.spec.replicas, 1);
  EXPECT_EQ(tier.spec.drain.path, "/drain");
}

TEST(TierTypes, StatusReadFromServerShape) {
  const json status = json::parse(R"({
    "observedGeneration": 3, "replicas": 5, "readyReplicas": 4, "phase": "Progressing",
    "drainingPods": [{"name": "relay-x-1", "sessionsAtStart": 900, "sessionsPerSecond": 12}],
    "conditions": [{"type": "Available", "status": "True", "reason": "MinimumPodsAvailable",
                    "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}]})");
  const TierStatus decoded = status.get<TierStatus>();
  EXPECT_EQ(decoded.phase, Phase::Progressing);
  ASSERT_EQ(decoded.draining_pods.size(), 1u);
  EXPECT_EQ(decoded.draining_pods[0].sessions_per_second, 12.0);  // an integer is a number too
  EXPECT_FALSE(decoded.draining_pods[0].sessions_now);            // unknown stays unknown
  EXPECT_EQ(decoded.conditions.at(0).reason, "MinimumPodsAvailable");
}

struct BadInput {
  std::string name;
  std::string json_pointer;  // where to put the bad value
  json value;
  std::string error;  // expected start of DecodeError::what()
};

class DecodeErrorTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(DecodeErrorTest, NamesTheField) {
  const BadInput& input = GetParam();
  json j = LoadTestdata("relaytier-minimal.json");
  j[json::json_pointer(input.json_pointer)] = input.value;
  try {
    (void)j.get<Tier>();
    FAIL() << "decoded without error";
  } catch (const DecodeError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(input.error, 0), 0u) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fields, DecodeErrorTest,
    ::testing::Values(
        BadInput{"PortString", "/spec/drain/port", "9090", "spec.drain.port: expected an integer"},
        BadInput{"PortFloat", "/spec/drain/port", 90.5, "spec.drain.port: expected an integer"},
        BadInput{"ReplicasOverflow", "/spec/replicas", 4294967296LL,
                 "spec.replicas: integer out of int32 range"},
        BadInput{"ThresholdHuge", "/spec/drain/sessionThreshold", 18446744073709551615ULL,
                 "spec.drain.sessionThreshold: integer out of range"},
        BadInput{"OnTimeoutUnknown", "/spec/drain/onTimeout", "Abort",
                 "spec.drain.onTimeout: \"Abort\" is not one of Pause, Proceed"},
        BadInput{"AuthTypeUnknown", "/spec/drain/auth/type", "Basic",
                 "spec.drain.auth.type: \"Basic\" is not one of"},
        BadInput{"PausedString", "/spec/rollout/paused", "true",
                 "spec.rollout.paused: expected a boolean"},
        BadInput{"DrainNotObject", "/spec/drain", json::array(), "spec.drain: expected an object"},
        BadInput{"PortsNotArray", "/spec/service", json{{"ports", 5}},
                 "spec.service.ports: expected an array"},
        BadInput{"PortItem", "/spec/service", json{{"ports", {{{"name", 1}}}}},
                 "spec.service.ports[0].name: expected a string"},
        BadInput{"SelectorValue", "/spec/selector", json{{"matchLabels", {{"a", 1}}}},
                 "spec.selector.matchLabels.a: expected a string"},
        BadInput{"PhaseUnknown", "/status/phase", "Sleeping",
                 "status.phase: \"Sleeping\" is not one of"},
        BadInput{"ConditionNotObject", "/status/conditions", json::array({1}),
                 "status.conditions[0]: expected an object"},
        BadInput{"NameNotString", "/metadata/name", 5, "metadata.name: expected a string"},
        BadInput{"GenerationString", "/metadata/generation", "3",
                 "metadata.generation: expected an integer"},
        BadInput{"CanaryPercentOver", "/spec/rollout/canary",
                 json{{"steps", {{{"replicas", "101%"}}}}},
                 "spec.rollout.canary.steps[0].replicas: expected a count or 1%..100%"},
        BadInput{"CanaryPercentText", "/spec/rollout/canary",
                 json{{"steps", {{{"replicas", "half"}}}}},
                 "spec.rollout.canary.steps[0].replicas: expected a count or 1%..100%"},
        BadInput{"CanaryMaxString", "/spec/rollout/canary",
                 json{{"steps", json::array()}, {"analysis", {{"prometheus", {{"max", "1"}}}}}},
                 "spec.rollout.canary.analysis.prometheus.max: expected a number"},
        BadInput{"WrongKind", "/kind", "Deployment", "kind: \"Deployment\" is not a Baton tier"},
        BadInput{"WrongVersion", "/apiVersion", "baton.dev/v1",
                 "apiVersion: \"baton.dev/v1\" is not baton.dev/v1alpha1"}),
    [](const ::testing::TestParamInfo<BadInput>& param) { return param.param.name; });

TEST(TierTypes, MissingSpecIsAnError) {
  json j = LoadTestdata("relaytier-minimal.json");
  j.erase("spec");
  EXPECT_THROW((void)j.get<Tier>(), DecodeError);
}

TEST(TierTypes, KindNames) {
  EXPECT_EQ(ParseTierKind("BusinessTier"), TierKind::Business);
  EXPECT_EQ(ParseTierKind("businesstier"), std::nullopt);
  EXPECT_EQ(NamesOf(TierKind::Session).plural, "sessiontiers");
  EXPECT_FALSE(NamesOf(TierKind::Session).has_scale);
  EXPECT_TRUE(NamesOf(TierKind::Relay).has_scale);
  EXPECT_EQ(ToString(Phase::Degraded), "Degraded");
  EXPECT_EQ(ToString(OnTimeout::Proceed), "Proceed");
  EXPECT_EQ(ToString(DrainAuthType::ServiceAccountToken), "ServiceAccountToken");
}

TEST(TierTypes, EffectiveServingPort) {
  TierSpec spec;
  EXPECT_EQ(spec.EffectiveServingPort(), std::nullopt);
  spec.service = ServiceSpec{"ClusterIP", {{"chat", 80, 7000, "TCP"}, {"q", 90, {}, "TCP"}}};
  EXPECT_EQ(spec.EffectiveServingPort(), 7000);
  spec.serving_port = 7100;
  EXPECT_EQ(spec.EffectiveServingPort(), 7100);
  EXPECT_EQ(json(spec)["servingPort"], 7100);
}

TEST(TierTypes, EffectiveTargetPort) {
  EXPECT_EQ((ServicePort{"a", 80, std::nullopt, "TCP"}.EffectiveTargetPort()), 80);
  EXPECT_EQ((ServicePort{"a", 80, 8080, "TCP"}.EffectiveTargetPort()), 8080);
}

// The audience of Baton's drain tokens is derived, never read from the
// tier: one tier cannot name the API server's audience or another tier's.
TEST(TierTypes, TheDrainAudienceIsDerivedFromTheTierItself) {
  Tier tier = FullTier();
  EXPECT_EQ(DrainAudienceOf(tier),
            "baton.dev/drain/" + tier.Namespace() + "/SessionTier/" + tier.Name());
  json j = tier;
  j["spec"]["drain"]["auth"]["audience"] = "https://kubernetes.default.svc.cluster.local";
  EXPECT_EQ(DrainAudienceOf(j.get<Tier>()), DrainAudienceOf(tier))
      << "an audience written into the tier must not reach the token";
}

}  // namespace
}  // namespace baton::api
