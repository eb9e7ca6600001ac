// The reconciler shell with the real (pure) planner and recording fakes for
// every kind of I/O: what it writes, in which order, and what it refuses.
#include "controller/tier_reconciler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "api/contract.h"
#include "controller/revision_history.h"
#include "rollout/revision_hash.h"
#include "timestamp/rfc3339.h"

namespace baton::controller {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const auto kT0 = *timestamp::ParseRfc3339("2026-11-25T10:00:00Z");

struct Write {
  std::string verb;  // create, patch, delete, status, finalizer, apply
  std::string name;
  json body;
};

class RecordingWriter : public ClusterWriter {
 public:
  std::vector<Write> writes;
  bool stale_creates = false;
  std::string refuse_creates;  // non-empty: CreatePod refused with this message
  // "<plural> <name>" of objects that exist under another controller.
  std::set<std::string> foreign;
  int apply_attempts = 0;

  void CreatePod(const std::string&, const json& pod) override {
    if (stale_creates) throw StaleWrite("AlreadyExists");
    if (!refuse_creates.empty()) throw RefusedWrite(refuse_creates);
    writes.push_back({"create", pod["metadata"]["name"], pod});
  }
  void PatchPod(const std::string&, const std::string& name, const json& patch) override {
    writes.push_back({"patch", name, patch});
  }
  std::set<std::string> gone;  // pods whose DELETE is answered 404
  bool DeletePod(const std::string&, const std::string& name, const std::string& uid) override {
    if (gone.count(name)) return false;
    writes.push_back({"delete", name, uid});
    return true;
  }
  void PatchTierStatus(const api::Tier& tier, const json& status) override {
    writes.push_back({"status", tier.Name(), status});
  }
  void ApplyTierFinalizer(const api::Tier& tier, bool present) override {
    writes.push_back({"finalizer", tier.Name(), present});
  }
  void ApplyOwned(const std::string& plural, const std::string&, const json& obj) override {
    ++apply_attempts;
    const std::string name = obj["metadata"]["name"];
    if (foreign.count(plural + " " + name)) {
      throw ForeignObject(plural + " " + name + " exists and is controlled by nobody");
    }
    writes.push_back({"apply:" + plural, name, obj});
  }
  void DeleteOwned(const std::string& plural, const std::string&,
                   const std::string& name) override {
    writes.push_back({"delete:" + plural, name, nullptr});
  }
  std::vector<std::string> Verbs() const {
    std::vector<std::string> v;
    for (const auto& w : writes) v.push_back(w.verb + " " + w.name);
    return v;
  }
};

class FakeDrainClient : public drain::DrainClient {
 public:
  std::vector<std::pair<std::string, drain::DrainRequest>> starts;
  std::vector<std::string> tokens;  // bearer token of each start
  bool fail = false;
  std::chrono::system_clock::time_point answer_at = kT0;
  void Read(const drain::DrainEndpoint&, const drain::LongPoll&,
            std::function<void(drain::DrainReading)>) override {}
  drain::DrainReading Start(const drain::DrainEndpoint& ep, const drain::DrainRequest& r) override {
    starts.push_back({ep.host, r});
    tokens.push_back(ep.bearer_token);
    if (fail) return drain::DrainReading::Unknown("connection refused", kT0);
    drain::DrainReading ok;
    ok.known = true;
    ok.state = drain::DrainState::Draining;
    ok.instance_id = "inst";
    ok.sessions = 20;
    ok.read_at = answer_at;
    return ok;
  }
  drain::DrainReading Cancel(const drain::DrainEndpoint&) override { return {}; }
  void Forget(const drain::DrainEndpoint&) override {}
};

class FakeFollower : public drain::DrainFollower {
 public:
  std::map<std::string, drain::FollowSpec> tracked;
  std::map<std::string, drain::DrainReading> readings;
  void Track(const std::string& key, const drain::FollowSpec& spec) override {
    tracked[key] = spec;
  }
  void Untrack(const std::string& key) override { tracked.erase(key); }
  std::vector<std::string> poked;
  void Poke(const std::string& key) override { poked.push_back(key); }
  std::optional<drain::DrainReading> Latest(const std::string& key) const override {
    auto it = readings.find(key);
    if (it == readings.end()) return std::nullopt;
    return it->second;
  }
};

class RecordingEvents : public EventSink {
 public:
  std::vector<std::string> reasons;
  void Record(const api::Tier&, bool, std::string_view reason, const std::string&) override {
    reasons.emplace_back(reason);
  }
};

json Template(const std::string& version) {
  return {{"metadata", {{"labels", {{"app", "relay"}}}}},
          {"spec",
           {{"containers",
             {{{"name", "relay"}, {"image", "relay:" + version}, {"args", {"--port=7000"}}}}}}}};
}

class TierReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tier_ =
        json{{"apiVersion", "baton.dev/v1alpha1"},
             {"kind", "RelayTier"},
             {"metadata",
              {{"name", "relay"},
               {"namespace", "chat"},
               {"uid", "tier-uid"},
               {"generation", 2},
               {"finalizers", {std::string(api::kFinalizerDrain)}}}},
             {"spec",
              {{"replicas", 2},
               {"servingPort", 7000},
               {"template", Template("v2")},
               {"drain", {{"port", 8080}, {"sessionThreshold", 0}, {"sessionsPerSecond", 250}}}}}}
            .get<api::Tier>();
    old_rev_ = rollout::revisionHash(Template("v1"));
    new_rev_ = rollout::revisionHash(Template("v2"));
    now_ = kT0;
    TierReconciler::Deps deps;
    deps.get_tier = [this](const TierKey&) -> std::optional<api::Tier> {
      if (gone_) return std::nullopt;
      return tier_;
    };
    deps.pods_of = [this](const TierKey&) { return pods_; };
    deps.writer = &writer_;
    deps.drain_client = &client_;
    deps.follower = &follower_;
    deps.events = &events_;
    deps.now = [this] { return now_; };
    reconciler_ = std::make_unique<TierReconciler>(deps);
    deps_ = deps;
  }

  PodView Pod(const std::string& name, const std::string& rev, const std::string& ip,
              bool ready = true, const std::string& role = "serving") {
    PodView p;
    p.ns = "chat";
    p.name = name;
    p.uid = name + "-uid";
    p.labels = {{std::string(api::kLabelTier), "relay"},
                {std::string(api::kLabelKind), "RelayTier"},
                {std::string(api::kLabelRevision), rev},
                {std::string(api::kLabelRole), role}};
    p.controller_uid = "tier-uid";
    p.phase = "Running";
    p.ready = ready;
    p.ready_changed_at = kT0 - 1h;
    p.created_at = kT0 - 2h;
    p.ip = ip;
    return p;
  }

  void Reading(const std::string& pod, int64_t sessions, const std::string& instance = "inst",
               drain::DrainState state = drain::DrainState::Serving) {
    drain::DrainReading r;
    r.known = true;
    r.sessions = sessions;
    r.state = state;
    r.instance_id = instance;
    r.read_at = now_;
    follower_.readings["chat/" + pod] = r;
  }

  ReconcileResult Run() { return reconciler_->Reconcile({api::TierKind::Relay, "chat", "relay"}); }

  api::Tier tier_;
  std::vector<PodView> pods_;
  bool gone_ = false;
  std::string old_rev_, new_rev_;
  rollout::TimePoint now_;
  RecordingWriter writer_;
  FakeDrainClient client_;
  FakeFollower follower_;
  RecordingEvents events_;
  std::unique_ptr<TierReconciler> reconciler_;
  TierReconciler::Deps deps_;
};

TEST_F(TierReconcilerTest, AddsTheFinalizerBeforeAnythingElse) {
  tier_.metadata["finalizers"] = json::array();
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2")};
  Run();
  ASSERT_EQ(writer_.Verbs(), std::vector<std::string>{"finalizer relay"});
  EXPECT_EQ(writer_.writes[0].body, true);
}

TEST_F(TierReconcilerTest, SurgesANewPodWithBatonLabelsAndOwner) {
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2")};
  Reading("relay-a-0", 10);
  Reading("relay-a-1", 20);
  Run();
  ASSERT_FALSE(writer_.writes.empty());
  const Write& create = writer_.writes[0];
  ASSERT_EQ(create.verb, "create") << testing::PrintToString(writer_.Verbs());
  const json& meta = create.body["metadata"];
  EXPECT_EQ(meta["namespace"], "chat");
  EXPECT_EQ(meta["labels"][std::string(api::kLabelRevision)], new_rev_);
  EXPECT_EQ(meta["labels"][std::string(api::kLabelRole)], "serving");
  EXPECT_EQ(meta["labels"][std::string(api::kLabelTier)], "relay");
  EXPECT_EQ(meta["labels"]["app"], "relay");
  EXPECT_EQ(meta["ownerReferences"][0]["uid"], "tier-uid");
  EXPECT_EQ(meta["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(create.body["spec"]["containers"][0]["image"], "relay:v2");
  // Both old pods are followed (polled, not long-polled: they serve).
  ASSERT_EQ(follower_.tracked.size(), 2u);
  EXPECT_FALSE(follower_.tracked["chat/relay-a-0"].follow);
  EXPECT_EQ(follower_.tracked["chat/relay-a-0"].endpoint.port, 8080);
  // Status and the serving directory are written too.
  bool status = false, directory = false;
  for (const auto& w : writer_.writes) {
    if (w.verb == "status") {
      status = true;
      EXPECT_EQ(w.body["updateRevision"], new_rev_);
      EXPECT_EQ(w.body["observedGeneration"], 2);
    }
    if (w.verb == "apply:configmaps") {
      directory = true;
      auto dir = json::parse(w.body["data"]["directory.json"].get<std::string>());
      ASSERT_EQ(dir["endpoints"].size(), 2u);
      EXPECT_EQ(dir["endpoints"][0]["address"], "127.2.0.1");
      EXPECT_EQ(dir["endpoints"][0]["port"], 7000);
      EXPECT_EQ(dir["endpoints"][0]["sessions"], 10);
    }
  }
  EXPECT_TRUE(status);
  EXPECT_TRUE(directory);
}

// Issue 20: the directory follows the planner's drain queue. In a restart
// every pod has the update revision; only the queue tells that relay-a-0
// drains next and relay-a-1 after it, while the restarted pod stays.
TEST_F(TierReconcilerTest, TheDirectoryFollowsThePlannersDrainQueueInARestart) {
  const std::string restart_at = "2026-11-25T09:59:00Z";
  tier_.spec.rollout.restart_at = restart_at;
  pods_ = {Pod("relay-a-0", new_rev_, "127.2.0.1"), Pod("relay-a-1", new_rev_, "127.2.0.2"),
           Pod("relay-r-0", new_rev_, "127.2.0.3")};
  pods_[2].annotations[std::string(api::kAnnotationRestartedAt)] = restart_at;
  Reading("relay-a-0", 10);
  Reading("relay-a-1", 20);
  Reading("relay-r-0", 0);
  Run();
  std::optional<json> dir;
  for (const auto& w : writer_.writes) {
    if (w.verb == "apply:configmaps")
      dir = json::parse(w.body["data"]["directory.json"].get<std::string>());
  }
  ASSERT_TRUE(dir) << testing::PrintToString(writer_.Verbs());
  std::map<std::string, json> by_pod;
  for (const auto& e : (*dir)["endpoints"]) by_pod[e["pod"]] = e;
  ASSERT_EQ(by_pod.size(), 3u);
  EXPECT_EQ(by_pod["relay-a-0"].value("drainOrder", -1), 0);
  EXPECT_EQ(by_pod["relay-a-0"]["weight"], 0);
  EXPECT_EQ(by_pod["relay-a-1"].value("drainOrder", -1), 1);
  EXPECT_FALSE(by_pod["relay-r-0"].contains("drainOrder"));
  EXPECT_GT(by_pod["relay-r-0"]["weight"].get<std::int64_t>(), 0);
}

// A count becoming known changes where readers may send sessions (an
// unknown one is no room), so it is published at once, not at the slower
// pace of load hints.
TEST_F(TierReconcilerTest, ACountBecomingKnownIsPublishedAtOnce) {
  pods_ = {Pod("relay-a-0", new_rev_, "127.2.0.1"), Pod("relay-a-1", new_rev_, "127.2.0.2")};
  Reading("relay-a-0", 0);
  Run();
  auto directories = [this] {
    std::vector<json> out;
    for (const auto& w : writer_.writes) {
      if (w.verb == "apply:configmaps")
        out.push_back(json::parse(w.body["data"]["directory.json"].get<std::string>()));
    }
    return out;
  };
  ASSERT_EQ(directories().size(), 1u);
  EXPECT_FALSE(directories()[0]["endpoints"][1].contains("sessions"));
  now_ += 1s;
  Reading("relay-a-1", 0);
  Run();
  ASSERT_EQ(directories().size(), 2u);
  EXPECT_EQ(directories()[1]["endpoints"][1]["sessions"], 0);
}

TEST_F(TierReconcilerTest, DrainsTheOldPodWithFewestSessionsLabelFirst) {
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2"),
           Pod("relay-b-0", new_rev_, "127.2.0.3")};
  Reading("relay-a-0", 30);
  Reading("relay-a-1", 20);
  Reading("relay-b-0", 0);
  Run();
  auto verbs = writer_.Verbs();
  ASSERT_GE(verbs.size(), 1u);
  EXPECT_EQ(verbs[0], "patch relay-a-1") << testing::PrintToString(verbs);
  const json& patch = writer_.writes[0].body["metadata"];
  EXPECT_EQ(patch["uid"], "relay-a-1-uid");
  EXPECT_EQ(patch["labels"][std::string(api::kLabelRole)], "draining");
  EXPECT_EQ(patch["annotations"][std::string(api::kAnnotationDrainInstanceId)], "inst");
  EXPECT_EQ(patch["annotations"][std::string(api::kAnnotationDrainSessionsAtStart)], "20");
  ASSERT_EQ(client_.starts.size(), 1u);
  EXPECT_EQ(client_.starts[0].first, "127.2.0.2");
  EXPECT_EQ(client_.starts[0].second.pace, 250);
}

// Issue 18: a hostNetwork pod's IP is its node's; Baton's token goes there
// only when the tier opted in.
TEST_F(TierReconcilerTest, NoTokenToAHostNetworkPodUnlessTheTierOptedIn) {
  for (const bool opted_in : {false, true}) {
    SetUp();
    client_.starts.clear();
    client_.tokens.clear();
    tier_.spec.pod_template["spec"]["hostNetwork"] = true;
    tier_.spec.drain.auth.type = api::DrainAuthType::ServiceAccountToken;
    tier_.spec.drain.allow_host_network = opted_in;
    new_rev_ = rollout::revisionHash(tier_.spec.pod_template);
    deps_.drain_token = [](const api::Tier&) { return std::string("baton-token"); };
    reconciler_ = std::make_unique<TierReconciler>(deps_);
    pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2"),
             Pod("relay-b-0", new_rev_, "127.2.0.3")};
    Reading("relay-a-0", 30);
    Reading("relay-a-1", 20);
    Reading("relay-b-0", 0);
    Run();
    ASSERT_EQ(client_.tokens.size(), 1u) << "opted in: " << opted_in;
    EXPECT_EQ(client_.tokens[0], opted_in ? "baton-token" : "") << "opted in: " << opted_in;
  }
}

// Issue 19: a serving pod deleted by hand is reported, once, with what it held.
TEST_F(TierReconcilerTest, AServingPodDeletedByHandIsReportedOnceAsSessionsCut) {
  pods_ = {Pod("relay-b-0", new_rev_, "127.2.0.1"), Pod("relay-b-1", new_rev_, "127.2.0.2")};
  Reading("relay-b-0", 120);
  Reading("relay-b-1", 80);
  Run();
  EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(), api::event::kSessionsCut),
            0);
  pods_[1].terminating = true;  // kubectl delete pod relay-b-1
  Run();
  Run();
  pods_.pop_back();  // and gone
  Run();
  EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(), api::event::kSessionsCut), 1)
      << testing::PrintToString(events_.reasons);
}

// The delete can complete between two passes (the CI run of
// test_pod_deleted_by_hand_is_replaced: the pod runner removed the pod before
// any pass saw it terminating, and nothing was reported).
TEST_F(TierReconcilerTest, AServingPodGoneBetweenTwoPassesIsReportedAsSessionsCut) {
  pods_ = {Pod("relay-b-0", new_rev_, "127.2.0.1"), Pod("relay-b-1", new_rev_, "127.2.0.2")};
  Reading("relay-b-0", 120);
  Reading("relay-b-1", 80);
  Run();
  pods_.pop_back();
  Run();
  EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(), api::event::kSessionsCut), 1)
      << testing::PrintToString(events_.reasons);
}

TEST_F(TierReconcilerTest, DeletesADrainedPodWithItsUid) {
  auto draining = Pod("relay-a-1", old_rev_, "127.2.0.2", true, "draining");
  draining.annotations[std::string(api::kAnnotationDrainStartedAt)] =
      timestamp::FormatRfc3339(kT0 - 1min);
  draining.annotations[std::string(api::kAnnotationDrainInstanceId)] = "inst";
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), draining,
           Pod("relay-b-0", new_rev_, "127.2.0.3")};
  Reading("relay-a-0", 30);
  Reading("relay-a-1", 0, "inst", drain::DrainState::Drained);
  Reading("relay-b-0", 0);
  Run();
  ASSERT_FALSE(writer_.writes.empty());
  EXPECT_EQ(writer_.writes[0].verb, "delete") << testing::PrintToString(writer_.Verbs());
  EXPECT_EQ(writer_.writes[0].name, "relay-a-1");
  EXPECT_EQ(writer_.writes[0].body, "relay-a-1-uid");
  EXPECT_EQ(follower_.tracked.count("chat/relay-a-1"), 0u) << "a deleted pod is not followed";
  // Its sessions went to the serving pods: their counts are read at once,
  // for the next drain's steering (they had been read at their last poll).
  EXPECT_EQ(follower_.poked, (std::vector<std::string>{"chat/relay-a-0", "chat/relay-b-0"}));
}

// Issue 25: a DELETE answered 404 is done: the pass goes on (no error, no
// retry), and no Event claims a delete Baton did not make.
TEST_F(TierReconcilerTest, ADeleteAnswered404IsDoneAndNotReported) {
  auto draining = Pod("relay-a-1", old_rev_, "127.2.0.2", true, "draining");
  draining.annotations[std::string(api::kAnnotationDrainStartedAt)] =
      timestamp::FormatRfc3339(kT0 - 1min);
  draining.annotations[std::string(api::kAnnotationDrainInstanceId)] = "inst";
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), draining,
           Pod("relay-b-0", new_rev_, "127.2.0.3")};
  Reading("relay-a-0", 30);
  Reading("relay-a-1", 0, "inst", drain::DrainState::Drained);
  Reading("relay-b-0", 0);
  writer_.gone = {"relay-a-1"};
  const auto result = Run();
  EXPECT_FALSE(result.error);
  for (const auto& reason : {api::event::kPodDeleted, api::event::kDrainCompleted}) {
    EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(), std::string(reason)), 0)
        << testing::PrintToString(events_.reasons);
  }
  const auto verbs = writer_.Verbs();
  EXPECT_NE(std::find(verbs.begin(), verbs.end(), "status relay"), verbs.end())
      << "the pass went on to the status: " << testing::PrintToString(verbs);
}

TEST_F(TierReconcilerTest, ADrainedCountFromANewInstanceDeletesNothing) {
  auto draining = Pod("relay-a-1", old_rev_, "127.2.0.2", true, "draining");
  draining.annotations[std::string(api::kAnnotationDrainStartedAt)] =
      timestamp::FormatRfc3339(kT0 - 1min);
  draining.annotations[std::string(api::kAnnotationDrainInstanceId)] = "inst";
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), draining,
           Pod("relay-b-0", new_rev_, "127.2.0.3")};
  Reading("relay-a-0", 30);
  Reading("relay-a-1", 0, "restarted", drain::DrainState::Serving);
  Reading("relay-b-0", 0);
  Run();
  for (const auto& w : writer_.writes) EXPECT_NE(w.verb, "delete") << w.name;
}

TEST_F(TierReconcilerTest, UnreadablePodIsNeverDeletedOrChosen) {
  auto draining = Pod("relay-a-1", old_rev_, "127.2.0.2", true, "draining");
  draining.annotations[std::string(api::kAnnotationDrainStartedAt)] =
      timestamp::FormatRfc3339(kT0 - 1min);
  draining.annotations[std::string(api::kAnnotationDrainInstanceId)] = "inst";
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), draining,
           Pod("relay-b-0", new_rev_, "127.2.0.3")};
  follower_.readings["chat/relay-a-1"] = drain::DrainReading::Unknown("refused", kT0);
  Reading("relay-a-0", 30);
  Reading("relay-b-0", 0);
  Run();
  for (const auto& w : writer_.writes) EXPECT_NE(w.verb, "delete") << w.name;
}

// Issue 25: every pod that could drain next unreadable. Before, the tier
// said Progressing forever; past progressDeadlineSeconds it is Stalled now.
TEST_F(TierReconcilerTest, EveryCandidateUnreadablePastTheDeadlineStallsTheTier) {
  tier_.spec.rollout.progress_deadline_seconds = 600;
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2"),
           Pod("relay-b-0", new_rev_, "127.2.0.3")};
  follower_.readings["chat/relay-a-0"] = drain::DrainReading::Unknown("401", kT0);
  follower_.readings["chat/relay-a-1"] = drain::DrainReading::Unknown("refused", kT0);
  Reading("relay-b-0", 0);
  auto stalled = [this]() -> json {
    json last;
    for (const auto& w : writer_.writes) {
      if (w.verb == "status") last = w.body;
    }
    for (const auto& c : last.value("conditions", json::array())) {
      if (c["type"] == "Stalled") return c;
    }
    return nullptr;
  };
  const auto first = Run();
  EXPECT_EQ(stalled()["status"], "False");
  ASSERT_TRUE(first.requeue_at.has_value());
  EXPECT_LE(*first.requeue_at, kT0 + 600s) << "woken when the deadline passes";
  now_ = kT0 + 599s;
  Run();
  EXPECT_EQ(stalled()["status"], "False");
  now_ = kT0 + 600s;
  Run();
  const json condition = stalled();
  EXPECT_EQ(condition["status"], "True") << condition.dump();
  EXPECT_EQ(condition["reason"], "SessionCountsUnknown");
  for (const auto& w : writer_.writes) EXPECT_NE(w.verb, "delete") << w.name;
  // A count comes back: the rollout goes on and the condition clears.
  Reading("relay-a-0", 30);
  now_ += 1s;
  Run();
  EXPECT_EQ(stalled()["status"], "False");
}

TEST_F(TierReconcilerTest, FailedDrainRequestStopsThePassAndIsRecorded) {
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2"),
           Pod("relay-b-0", new_rev_, "127.2.0.3")};
  Reading("relay-a-0", 30);
  Reading("relay-a-1", 20);
  Reading("relay-b-0", 0);
  client_.fail = true;
  auto result = Run();
  EXPECT_TRUE(result.error);
  EXPECT_NE(std::find(events_.reasons.begin(), events_.reasons.end(),
                      std::string(api::event::kDrainRequestFailed)),
            events_.reasons.end());
  // The pod was labelled draining first (crash-safe record), nothing deleted.
  EXPECT_EQ(writer_.writes[0].verb, "patch");
  for (const auto& w : writer_.writes) EXPECT_NE(w.verb, "delete");
}

// Issue 25: an Event describes a write that happened. The pod was labelled
// draining, but the drain request got no answer: no DrainStarted.
TEST_F(TierReconcilerTest, NoDrainStartedEventWhenTheRequestFails) {
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2"),
           Pod("relay-b-0", new_rev_, "127.2.0.3")};
  Reading("relay-a-0", 30);
  Reading("relay-a-1", 20);
  Reading("relay-b-0", 0);
  client_.fail = true;
  Run();
  EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(),
                       std::string(api::event::kDrainStarted)),
            0)
      << testing::PrintToString(events_.reasons);
  client_.fail = false;
  now_ += 1min;  // past the MarkDraining expectation: plan again
  Run();
  EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(),
                       std::string(api::event::kDrainStarted)),
            1)
      << testing::PrintToString(events_.reasons);
}

// Issue 25: a create the API server refused is not reported as PodCreated.
TEST_F(TierReconcilerTest, NoPodCreatedEventForARefusedCreate) {
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2")};
  Reading("relay-a-0", 30);
  Reading("relay-a-1", 20);
  writer_.stale_creates = true;
  Run();
  EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(),
                       std::string(api::event::kPodCreated)),
            0)
      << testing::PrintToString(events_.reasons);
}

// Issue 25: admission refuses the create (here a ResourceQuota's words).
// Before, the pass threw, no status was written and nothing told a person
// why the rollout did not move.
TEST_F(TierReconcilerTest, ARefusedCreateStallsTheTierWithTheServersMessage) {
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2")};
  Reading("relay-a-0", 30);
  Reading("relay-a-1", 20);
  writer_.refuse_creates =
      "pods \"relay-x\" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, "
      "limited: pods=2";
  auto lastStatus = [this]() -> json {
    for (auto it = writer_.writes.rbegin(); it != writer_.writes.rend(); ++it) {
      if (it->verb == "status") return it->body;
    }
    return nullptr;
  };
  auto stalled = [](const json& status) -> json {
    for (const auto& c : status.value("conditions", json::array())) {
      if (c["type"] == "Stalled") return c;
    }
    return nullptr;
  };
  EXPECT_TRUE(Run().error);
  json status = lastStatus();
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["phase"], "Degraded");
  EXPECT_EQ(status["observedGeneration"], 2);
  json condition = stalled(status);
  ASSERT_TRUE(condition.is_object()) << status.dump();
  EXPECT_EQ(condition["status"], "True");
  EXPECT_EQ(condition["reason"], "FailedCreate");
  EXPECT_EQ(condition["observedGeneration"], 2);
  EXPECT_NE(condition["message"].get<std::string>().find("exceeded quota: pods"), std::string::npos)
      << condition.dump();
  // No PodCreated; one FailedCreate however often the create is retried.
  now_ += 5s;
  Run();
  EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(),
                       std::string(api::event::kPodCreated)),
            0);
  EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(),
                       std::string(api::event::kFailedCreate)),
            1)
      << testing::PrintToString(events_.reasons);
  // The quota is raised: the create succeeds and the tier is no longer stalled.
  writer_.refuse_creates.clear();
  now_ += 5s;
  Run();
  EXPECT_EQ(stalled(lastStatus())["status"], "False") << lastStatus().dump();
}

TEST_F(TierReconcilerTest, NumbersOnlyStatusChangesAreThrottled) {
  tier_.spec.pod_template = Template("v1");  // nothing to roll
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2")};
  Reading("relay-a-0", 10);
  Reading("relay-a-1", 20);
  Run();
  auto count = [&](const std::string& verb) {
    return std::count_if(writer_.writes.begin(), writer_.writes.end(),
                         [&](const Write& w) { return w.verb == verb; });
  };
  ASSERT_EQ(count("status"), 1);
  Reading("relay-a-0", 11);  // only a count moved
  now_ += 500ms;
  auto result = Run();
  EXPECT_EQ(count("status"), 1) << "a numbers-only change within the interval is held back";
  ASSERT_TRUE(result.requeue_at.has_value());
  EXPECT_LE(*result.requeue_at, kT0 + 2s);
  now_ += 2s;
  Run();
  EXPECT_EQ(count("status"), 2);
}

TEST_F(TierReconcilerTest, AppliesTheServiceOnceAndAgainOnlyWhenItChanges) {
  tier_.spec.pod_template = Template("v1");
  tier_.spec.service = api::ServiceSpec{"ClusterIP", {api::ServicePort{"chat", 7000, {}, "TCP"}}};
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2")};
  auto services = [&] {
    return std::count_if(writer_.writes.begin(), writer_.writes.end(),
                         [](const Write& w) { return w.verb == "apply:services"; });
  };
  Run();
  EXPECT_EQ(services(), 1);
  now_ += 5s;
  Run();
  EXPECT_EQ(services(), 1) << "unchanged: no write";
  tier_.spec.service->ports[0].port = 7001;
  Run();
  EXPECT_EQ(services(), 2);
}

// Issue 18: a Service (or directory ConfigMap) named like the tier that
// another controller, or nobody, controls is never adopted or overwritten;
// the tier says so in an Event (once) and a condition (while it lasts), and
// the rest of the pass goes on.
TEST_F(TierReconcilerTest, AForeignOwnedObjectIsLeftAloneAndReported) {
  tier_.spec.pod_template = Template("v1");
  tier_.spec.service = api::ServiceSpec{"ClusterIP", {api::ServicePort{"chat", 7000, {}, "TCP"}}};
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2")};
  Reading("relay-a-0", 10);
  Reading("relay-a-1", 10);
  writer_.foreign = {"services relay", "configmaps relay-serving"};
  auto result = Run();
  EXPECT_FALSE(result.error);
  const auto conflicts = std::count(events_.reasons.begin(), events_.reasons.end(),
                                    std::string(api::event::kOwnedObjectConflict));
  EXPECT_EQ(conflicts, 2) << "one Event per foreign object";
  ASSERT_TRUE(result.requeue_at) << "looks again later";

  // Within the retry period: no new look (a GET per pass would be a request
  // per session change), no second Event; the status names both objects.
  const int attempts = writer_.apply_attempts;
  now_ += 5s;
  Run();
  EXPECT_EQ(writer_.apply_attempts, attempts);
  EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(),
                       std::string(api::event::kOwnedObjectConflict)),
            2);
  auto last_status = [&] {
    const Write* last = nullptr;
    for (const auto& w : writer_.writes) {
      if (w.verb == "status") last = &w;
    }
    return last ? last->body : json();
  };
  bool reported = false;
  for (const auto& c : last_status().value("conditions", json::array())) {
    if (c["type"] == "OwnedObjectConflict") {
      reported =
          c["status"] == "True" && c["reason"] == "NotControlledByTier" &&
          c["message"].get<std::string>().find("services relay") != std::string::npos &&
          c["message"].get<std::string>().find("configmaps relay-serving") != std::string::npos;
    }
  }
  EXPECT_TRUE(reported) << last_status().dump();

  // The team deletes its objects: Baton creates its own, the condition goes.
  writer_.foreign.clear();
  now_ += 31s;
  Run();
  now_ += 3s;
  Run();
  const auto verbs = writer_.Verbs();
  EXPECT_NE(std::find(verbs.begin(), verbs.end(), "apply:services relay"), verbs.end());
  EXPECT_NE(std::find(verbs.begin(), verbs.end(), "apply:configmaps relay-serving"), verbs.end());
  for (const auto& c : last_status().value("conditions", json::array())) {
    EXPECT_NE(c["type"], "OwnedObjectConflict") << last_status().dump();
  }
}

// The cache may not show this process's own status write for a while: the
// transition Event must not be recorded again on every pass meanwhile.
TEST_F(TierReconcilerTest, RolloutCompletedIsRecordedOnceWhileTheCacheLagsBehindTheStatusWrite) {
  // The cached tier still shows the last drain in progress.
  tier_.status.conditions = {api::Condition{"Progressing", "True", "Draining", "draining relay-a-1",
                                            2, "2026-01-01T00:00:00Z"}};
  tier_.status.current_revision = old_rev_;
  tier_.status.update_revision = new_rev_;
  pods_ = {Pod("relay-b-0", new_rev_, "127.2.0.1"), Pod("relay-b-1", new_rev_, "127.2.0.2")};
  Reading("relay-b-0", 10);
  Reading("relay-b-1", 10);
  const auto completed = [&] {
    return std::count(events_.reasons.begin(), events_.reasons.end(),
                      std::string(api::event::kRolloutCompleted));
  };
  Run();
  ASSERT_EQ(completed(), 1);
  // tier_ (the cache) still has the old status: no second Event.
  for (int i = 0; i < 3; ++i) {
    now_ += 1s;
    Run();
  }
  EXPECT_EQ(completed(), 1) << testing::PrintToString(events_.reasons)
                            << testing::PrintToString(writer_.Verbs());
}

TEST_F(TierReconcilerTest, StatusPatchClearsFieldsNoLongerReported) {
  // The tier's status still lists a drain that has finished (written by an
  // earlier pass or process): a merge patch must null it, not leave it.
  tier_.spec.pod_template = Template("v1");
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2")};
  api::DrainingPod gone;
  gone.name = "relay-gone";
  tier_.status.draining_pods = {gone};
  tier_.status.step_started_at = "2026-11-25T09:00:00Z";
  Reading("relay-a-0", 1);
  Reading("relay-a-1", 2);
  Run();
  const Write* status = nullptr;
  for (const auto& w : writer_.writes) {
    if (w.verb == "status") status = &w;
  }
  ASSERT_NE(status, nullptr);
  EXPECT_TRUE(status->body.contains("drainingPods"));
  EXPECT_TRUE(status->body["drainingPods"].is_null()) << status->body.dump();
  EXPECT_TRUE(status->body["stepStartedAt"].is_null()) << status->body.dump();
  EXPECT_EQ(status->body["phase"], "Healthy");
}

TEST_F(TierReconcilerTest, GoneTierStopsFollowingItsPods) {
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1")};
  tier_.spec.replicas = 1;
  tier_.spec.pod_template = Template("v1");
  Run();
  ASSERT_EQ(follower_.tracked.size(), 1u);
  gone_ = true;
  Run();
  EXPECT_TRUE(follower_.tracked.empty());
}

TEST(TierKeyTest, RoundTrips) {
  TierKey k{api::TierKind::Session, "ns1", "registry"};
  EXPECT_EQ(k.String(), "SessionTier/ns1/registry");
  auto parsed = TierKey::Parse(k.String());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->String(), k.String());
  EXPECT_FALSE(TierKey::Parse("Pod/ns/x"));
  EXPECT_FALSE(TierKey::Parse("RelayTier/only-ns"));
}

}  // namespace
}  // namespace baton::controller

namespace baton::controller {
namespace {

TEST_F(TierReconcilerTest, DoesNotPlanAgainUntilTheCacheShowsItsOwnWrite) {
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2"),
           Pod("relay-b-0", new_rev_, "127.2.0.3")};
  Reading("relay-a-0", 30);
  Reading("relay-a-1", 20);
  Reading("relay-b-0", 0);
  client_.answer_at = now_ + 1ms;  // answered after the monitor's last read
  Run();
  ASSERT_EQ(client_.starts.size(), 1u);
  auto writes = writer_.writes.size();
  // The watch lags: the cache still shows relay-a-1 serving. Planning on it
  // would start a second drain (of relay-a-0); the reconciler must wait.
  now_ += 50ms;
  auto result = Run();
  EXPECT_EQ(client_.starts.size(), 1u);
  EXPECT_EQ(writer_.writes.size(), writes) << testing::PrintToString(writer_.Verbs());
  ASSERT_TRUE(result.requeue_at.has_value());
  // Once the cache shows the label, planning resumes; the monitor has not
  // read the pod since (its reading says Serving, older than the start's
  // answer), so the answer stands and the drain is not asked for again.
  pods_[1].labels[std::string(api::kLabelRole)] = "draining";
  pods_[1].annotations[std::string(api::kAnnotationDrainStartedAt)] = timestamp::FormatRfc3339(kT0);
  pods_[1].annotations[std::string(api::kAnnotationDrainInstanceId)] = "inst";
  now_ += 50ms;
  Run();
  EXPECT_EQ(client_.starts.size(), 1u);
}

TEST_F(TierReconcilerTest, ANewerMonitorReadingReplacesTheStartAnswer) {
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2"),
           Pod("relay-b-0", new_rev_, "127.2.0.3")};
  Reading("relay-a-0", 30);
  Reading("relay-a-1", 20);
  Reading("relay-b-0", 0);
  client_.answer_at = now_ + 1ms;
  Run();
  ASSERT_EQ(client_.starts.size(), 1u);
  pods_[1].labels[std::string(api::kLabelRole)] = "draining";
  pods_[1].annotations[std::string(api::kAnnotationDrainStartedAt)] = timestamp::FormatRfc3339(kT0);
  pods_[1].annotations[std::string(api::kAnnotationDrainInstanceId)] = "inst";
  // The monitor reads later that the pod serves again (it restarted its
  // drain state): that newer reading wins, and the drain is asked again.
  now_ += 50ms;
  Reading("relay-a-1", 20);
  Run();
  EXPECT_EQ(client_.starts.size(), 2u);
}

TEST_F(TierReconcilerTest, RecordsTheUpdateTemplateAsTheNextControllerRevisionOnce) {
  int lists = 0;
  json stored = {{"metadata",
                  {{"name", "relay-" + old_rev_},
                   {"labels", {{std::string(api::kLabelRevision), old_rev_}}},
                   // As BuildControllerRevision writes it: the tier controls it.
                   {"ownerReferences", {{{"uid", "tier-uid"}, {"controller", true}}}}}},
                 {"revision", 4}};
  // Another tier's revision (same labels, other owner) does not count.
  json foreign = stored;
  foreign["metadata"]["ownerReferences"][0]["uid"] = "other-uid";
  foreign["revision"] = 9;
  deps_.list_revisions = [&](const TierKey&) {
    ++lists;
    return std::vector<json>{stored, foreign};
  };
  reconciler_ = std::make_unique<TierReconciler>(deps_);
  pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-a-1", old_rev_, "127.2.0.2")};
  Reading("relay-a-0", 10);
  Reading("relay-a-1", 20);
  Run();
  Run();
  std::vector<Write> applied;
  for (const auto& w : writer_.writes) {
    if (w.verb == "apply:controllerrevisions") applied.push_back(w);
  }
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].name, "relay-" + new_rev_);
  EXPECT_EQ(applied[0].body["revision"], 5);
  EXPECT_EQ(applied[0].body["data"]["spec"]["template"], Template("v2"));
  EXPECT_EQ(lists, 1);  // nothing changed between the passes: no second LIST
}

// --- canary (docs/canary.md) -------------------------------------------------------------

class CanaryReconcilerTest : public TierReconcilerTest {
 protected:
  // Two relays rolling v1 -> v2 with one canary step of 1 pod, baked 60 s;
  // the canary pod (relay-b-0) is up, so the step is reached.
  void SetUpCanary() {
    api::CanarySpec canary;
    canary.steps.push_back(api::CanaryStep{1, std::nullopt, 60, false});
    tier_.spec.rollout.canary = canary;
    tier_.status.current_revision = old_rev_;
    tier_.status.update_revision = new_rev_;
    pods_ = {Pod("relay-a-0", old_rev_, "127.2.0.1"), Pod("relay-b-0", new_rev_, "127.2.0.2")};
    Reading("relay-a-0", 10);
    Reading("relay-b-0", 10);
  }
  std::vector<Write> WritesOf(const std::string& verb) const {
    std::vector<Write> out;
    for (const auto& w : writer_.writes) {
      if (w.verb == verb) out.push_back(w);
    }
    return out;
  }
};

TEST_F(CanaryReconcilerTest, AReachedStepBakesAndKeepsTheOldPod) {
  SetUpCanary();
  Run();
  EXPECT_TRUE(WritesOf("create").empty()) << testing::PrintToString(writer_.Verbs());
  EXPECT_TRUE(WritesOf("patch").empty()) << testing::PrintToString(writer_.Verbs());
  const auto statuses = WritesOf("status");
  ASSERT_FALSE(statuses.empty());
  const json& status = statuses.back().body;
  EXPECT_EQ(status["canary"]["state"], "Baking") << status.dump();
  EXPECT_EQ(status["canary"]["bakeEndsAt"], timestamp::FormatRfc3339(kT0 + 60s));
  EXPECT_EQ(status["currentRevision"], old_rev_);
  EXPECT_EQ(status["phase"], "Progressing");
  // The bake reads the pods' verdicts at the poll interval: no rest on
  // the next pass either (a tier at rest backs its reads off to 30-60 s).
  now_ += 1s;
  Run();
  EXPECT_FALSE(follower_.tracked.at("chat/relay-b-0").may_rest);
}

// The step's passing is on record before the pod it allows is created: a
// restarted operator resumes at the next step, never back at this one.
TEST_F(CanaryReconcilerTest, APassedStepIsWrittenToStatusBeforeAnyPodMoves) {
  SetUpCanary();
  tier_.status.canary = api::CanaryStatus{
      new_rev_, 0, 1, 1, "Baking", timestamp::FormatRfc3339(kT0 - 1s), {}, std::nullopt};
  auto result = Run();
  EXPECT_TRUE(WritesOf("create").empty()) << testing::PrintToString(writer_.Verbs());
  ASSERT_FALSE(WritesOf("status").empty());
  const json status = WritesOf("status").back().body;
  EXPECT_EQ(status["canary"]["step"], 1) << status.dump();
  EXPECT_EQ(status["canary"]["state"], "Complete");
  // The last step passed, but relay-a-0 is still to roll: not complete.
  EXPECT_EQ(status["currentRevision"], old_rev_);
  EXPECT_EQ(status["phase"], "Progressing");
  EXPECT_EQ(std::count(events_.reasons.begin(), events_.reasons.end(),
                       std::string(api::event::kRolloutCompleted)),
            0);
  EXPECT_NE(std::find(events_.reasons.begin(), events_.reasons.end(),
                      std::string(api::event::kCanaryStepPassed)),
            events_.reasons.end());
  ASSERT_TRUE(result.requeue_at);
  EXPECT_LE(*result.requeue_at, kT0 + 1s);
  // Next pass: the rest of the tier rolls (a surge pod for relay-a-0).
  now_ += 1s;
  Run();
  ASSERT_EQ(WritesOf("create").size(), 1u) << testing::PrintToString(writer_.Verbs());
  EXPECT_EQ(WritesOf("create")[0].body["metadata"]["labels"][std::string(api::kLabelRevision)],
            new_rev_);
}

TEST_F(CanaryReconcilerTest, AnUnhealthyVerdictRollsBackToTheStableTemplate) {
  SetUpCanary();
  api::Tier v1 = tier_;
  v1.spec.pod_template = Template("v1");
  json stored = BuildControllerRevision(v1, old_rev_, 1);
  deps_.list_revisions = [&](const TierKey&) { return std::vector<json>{stored}; };
  reconciler_ = std::make_unique<TierReconciler>(deps_);
  drain::DrainReading bad = follower_.readings["chat/relay-b-0"];
  bad.verdict = api::WorkloadVerdict{false, "dropped 31% of messages in the last 10 s"};
  follower_.readings["chat/relay-b-0"] = bad;

  Run();  // decides the rollback and writes it, nothing else
  EXPECT_TRUE(WritesOf("create").empty()) << testing::PrintToString(writer_.Verbs());
  const json status = WritesOf("status").back().body;
  EXPECT_EQ(status["phase"], "Degraded") << status.dump();
  EXPECT_EQ(status["canary"]["rollback"]["revision"], new_rev_);
  EXPECT_EQ(status["canary"]["rollback"]["signal"], "WorkloadVerdict");
  EXPECT_NE(std::find(events_.reasons.begin(), events_.reasons.end(),
                      std::string(api::event::kCanaryRolledBack)),
            events_.reasons.end());

  now_ += 1s;
  Run();  // rolls back: a v1 pod to take the canary's place
  ASSERT_EQ(WritesOf("create").size(), 1u) << testing::PrintToString(writer_.Verbs());
  const json pod = WritesOf("create")[0].body;
  EXPECT_EQ(pod["metadata"]["labels"][std::string(api::kLabelRevision)], old_rev_);
  EXPECT_EQ(pod["spec"]["containers"][0]["image"], "relay:v1");
  const json after = WritesOf("status").back().body;
  EXPECT_EQ(after["updateRevision"], old_rev_) << after.dump();
  EXPECT_EQ(after["phase"], "Degraded");
}

TEST_F(CanaryReconcilerTest, WithoutTheStableTemplateARolledBackTierRollsNowhere) {
  SetUpCanary();
  deps_.list_revisions = [&](const TierKey&) { return std::vector<json>{}; };
  reconciler_ = std::make_unique<TierReconciler>(deps_);
  tier_.status.canary =
      api::CanaryStatus{new_rev_,
                        0,
                        1,
                        1,
                        "RolledBack",
                        std::nullopt,
                        {},
                        api::CanaryRollback{new_rev_, "Abort", "aborted", "2026-11-25T09:59:00Z"}};
  Run();
  EXPECT_TRUE(WritesOf("create").empty()) << testing::PrintToString(writer_.Verbs());
  EXPECT_TRUE(WritesOf("patch").empty()) << testing::PrintToString(writer_.Verbs());
  const json status = WritesOf("status").back().body;
  EXPECT_NE(status["message"].get<std::string>().find("is not in any ControllerRevision"),
            std::string::npos)
      << status.dump();
  for (const auto& c : status["conditions"]) {
    if (c["type"] == "Paused") {
      EXPECT_EQ(c["status"], "False") << c.dump();
    }
  }
}

}  // namespace
}  // namespace baton::controller
