// The REST client against the real control plane (scripts/cluster): every
// verb on built-in and custom resources, every typed error the apiserver can
// be made to return on demand, server-side apply conflicts, preconditions,
// and a ServiceAccount token confined by RBAC.
#include "kube/rest_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pplx/pplxtasks.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "kube/base64.h"
#include "kube/config.h"
#include "silent_listener.h"
#include "test_cluster.h"

namespace baton::kube {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

// A tiny CRD of this test's own: namespaced, status and scale subresources,
// a typed schema so the apiserver has something to reject.
const Resource kWidgets{"test.baton.dev", "v1", "widgets", true};
const Resource kDeployments = resources::kDeployments;
constexpr const char* kWidgetCrdName = "widgets.test.baton.dev";

json WidgetCrd() {
  return json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.test.baton.dev"},
    "spec": {
      "group": "test.baton.dev",
      "scope": "Namespaced",
      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
      "versions": [{
        "name": "v1", "served": true, "storage": true,
        "subresources": {
          "status": {},
          "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}
        },
        "schema": {"openAPIV3Schema": {
          "type": "object",
          "properties": {
            "spec": {"type": "object", "properties": {
              "replicas": {"type": "integer", "minimum": 0},
              "color": {"type": "string"},
              "sizes": {"type": "array", "items": {"type": "integer"}}
            }},
            "status": {"type": "object", "properties": {
              "replicas": {"type": "integer"},
              "phase": {"type": "string"}
            }}
          }
        }}
      }]
    }
  })");
}

std::string StringAt(const json& j, const json::json_pointer& p) {
  return j.contains(p) && j.at(p).is_string() ? j.at(p).get<std::string>() : std::string();
}

// Runs `call`, which must throw ApiError; returns it (or fails the test).
template <typename Call>
ApiError ExpectApiError(Call call) {
  try {
    call();
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "expected an ApiError";
  return ApiError(0, Reason::Unknown, "", "no error");
}

class RecordingObserver : public RequestObserver {
 public:
  void OnRequest(const RequestRecord& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    records.push_back({std::string(r.method), std::string(r.resource), r.code, r.attempt});
  }
  struct Entry {
    std::string method, resource;
    int code;
    int attempt;
  };
  std::mutex mu_;
  std::vector<Entry> records;
};

ListOptions OnePerPage() {
  ListOptions o;
  o.limit = 1;
  return o;
}

class RestClientTest : public baton::testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    if (HasFatalFailure()) return;
    RestClientOptions options;
    options.observer = observer_;
    client_ = std::make_unique<RestClient>(LoadKubeconfig(cluster().kubeconfig()), options);
  }

  RestClient& client() { return *client_; }

  json ConfigMap(const std::string& name, json data = json::object(),
                 json labels = json::object()) {
    json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", name}}},
               {"data", data}};
    // No empty labels map: under server-side apply it would be an owned field.
    if (!labels.empty()) cm["metadata"]["labels"] = labels;
    return cm;
  }

  // Installs the widgets CRD (idempotent server-side apply) and waits until
  // it is Established.
  void EnsureWidgetCrd() {
    ApplyOptions apply;
    apply.field_manager = "baton-kube-test";
    apply.force = true;
    client().Apply(resources::kCustomResourceDefinitions, "", WidgetCrd(), apply);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      const json crd = client().Get(resources::kCustomResourceDefinitions, "", kWidgetCrdName);
      for (const auto& c : crd.value("/status/conditions"_json_pointer, json::array())) {
        if (c.value("type", "") == "Established" && c.value("status", "") == "True") {
          // Discovery can lag a moment behind Established; a list proves it serves.
          try {
            client().List(kWidgets, ns());
            return;
          } catch (const ApiError&) {
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "CRD " << kWidgetCrdName << " never became Established";
  }

  std::shared_ptr<RecordingObserver> observer_ = std::make_shared<RecordingObserver>();
  std::unique_ptr<RestClient> client_;
};

// ---------------------------------------------------------------- verbs

TEST_F(RestClientTest, ConfigMapEveryVerb) {
  // Create + Get
  json created = client().Create(resources::kConfigMaps, ns(),
                                 ConfigMap("cm1", {{"a", "1"}}, {{"app", "relay"}}));
  EXPECT_EQ(StringAt(created, "/metadata/namespace"_json_pointer), ns());
  const std::string uid = StringAt(created, "/metadata/uid"_json_pointer);
  ASSERT_FALSE(uid.empty());
  json got = client().Get(resources::kConfigMaps, ns(), "cm1");
  EXPECT_EQ(got["data"]["a"], "1");
  EXPECT_EQ(StringAt(got, "/metadata/uid"_json_pointer), uid);

  // List with label and field selectors
  client().Create(resources::kConfigMaps, ns(), ConfigMap("cm2", {}, {{"app", "session"}}));
  ListOptions by_label;
  by_label.label_selector = "app=relay";
  json list = client().List(resources::kConfigMaps, ns(), by_label);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "cm1");
  ListOptions by_field;
  by_field.field_selector = "metadata.name=cm2";
  list = client().List(resources::kConfigMaps, ns(), by_field);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "cm2");

  // Update (PUT) with the current resourceVersion
  got["data"]["a"] = "2";
  json updated = client().Update(resources::kConfigMaps, ns(), got);
  EXPECT_EQ(updated["data"]["a"], "2");
  EXPECT_NE(StringAt(updated, "/metadata/resourceVersion"_json_pointer),
            StringAt(got, "/metadata/resourceVersion"_json_pointer));

  // Patch: merge, JSON patch, strategic merge
  json patched = client().Patch(resources::kConfigMaps, ns(), "cm1", PatchType::Merge,
                                {{"data", {{"b", "merge"}}}});
  EXPECT_EQ(patched["data"]["b"], "merge");
  patched = client().Patch(resources::kConfigMaps, ns(), "cm1", PatchType::Json,
                           json::array({{{"op", "replace"}, {"path", "/data/a"}, {"value", "3"}},
                                        {{"op", "remove"}, {"path", "/data/b"}}}));
  EXPECT_EQ(patched["data"]["a"], "3");
  EXPECT_FALSE(patched["data"].contains("b"));
  patched = client().Patch(resources::kConfigMaps, ns(), "cm1", PatchType::StrategicMerge,
                           {{"metadata", {{"labels", {{"strategic", "yes"}}}}}});
  EXPECT_EQ(patched["metadata"]["labels"]["strategic"], "yes");
  EXPECT_EQ(patched["metadata"]["labels"]["app"], "relay");

  // Server-side apply creates and then updates
  ApplyOptions apply;
  apply.field_manager = "baton-test";
  json applied =
      client().Apply(resources::kConfigMaps, ns(), ConfigMap("cm3", {{"k", "v"}}), apply);
  EXPECT_EQ(applied["data"]["k"], "v");

  // Dry-run writes change nothing
  WriteOptions dry;
  dry.dry_run = true;
  client().Create(resources::kConfigMaps, ns(), ConfigMap("dry"), dry);
  EXPECT_TRUE(
      IsNotFound(ExpectApiError([&] { client().Get(resources::kConfigMaps, ns(), "dry"); })));

  // Delete, then it is gone
  DeleteOptions del;
  del.precondition_uid = uid;
  del.propagation_policy = PropagationPolicy::Background;
  client().Delete(resources::kConfigMaps, ns(), "cm1", del);
  EXPECT_TRUE(
      IsNotFound(ExpectApiError([&] { client().Get(resources::kConfigMaps, ns(), "cm1"); })));
}

TEST_F(RestClientTest, ListPaginationAndListAll) {
  for (int i = 0; i < 7; ++i) {
    client().Create(resources::kConfigMaps, ns(),
                    ConfigMap("page-" + std::to_string(i), {}, {{"set", "paged"}}));
  }
  ListOptions opts;
  opts.label_selector = "set=paged";
  opts.limit = 3;
  json first = client().List(resources::kConfigMaps, ns(), opts);
  EXPECT_EQ(first["items"].size(), 3u);
  const std::string cont = StringAt(first, "/metadata/continue"_json_pointer);
  ASSERT_FALSE(cont.empty());
  opts.continue_token = cont;
  json second = client().List(resources::kConfigMaps, ns(), opts);
  EXPECT_EQ(second["items"].size(), 3u);
  EXPECT_NE(second["items"][0]["metadata"]["name"], first["items"][0]["metadata"]["name"]);

  ListOptions all;
  all.label_selector = "set=paged";
  all.limit = 2;  // 4 pages
  const size_t gets_before = observer_->records.size();
  json merged = client().ListAll(resources::kConfigMaps, ns(), all);
  EXPECT_EQ(observer_->records.size() - gets_before, 4u);
  ASSERT_EQ(merged["items"].size(), 7u);
  std::set<std::string> names;
  for (const auto& item : merged["items"]) names.insert(item["metadata"]["name"]);
  EXPECT_EQ(names.size(), 7u);
  EXPECT_FALSE(StringAt(merged, "/metadata/resourceVersion"_json_pointer).empty());
  EXPECT_FALSE(merged["metadata"].contains("continue"));
  EXPECT_EQ(merged["kind"], "ConfigMapList");
}

TEST_F(RestClientTest, PodVerbsIncludingStatusSubresource) {
  // The pod-runner annotation makes kwok leave this pod's status to us.
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", "p1"},
                {"labels", {{"app", "relay"}}},
                {"annotations", {{"harness.baton.dev/pod-runner", "true"}}}}},
              {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "relay:1"}}})}}}};
  json created = client().Create(resources::kPods, ns(), pod);
  EXPECT_EQ(created["spec"]["containers"][0]["image"], "relay:1");

  ListOptions sel;
  sel.field_selector = "metadata.name=p1";
  EXPECT_EQ(client().List(resources::kPods, ns(), sel)["items"].size(), 1u);
  // Across all namespaces too.
  sel.label_selector = "app=relay";
  EXPECT_GE(client().List(resources::kPods, "", sel)["items"].size(), 1u);

  json current = client().Get(resources::kPods, ns(), "p1");
  current["status"]["phase"] = "Running";
  current["status"]["conditions"] =
      json::array({{{"type", "Ready"}, {"status", "True"}},
                   {{"type", "baton.dev/Draining"}, {"status", "False"}}});
  json after = client().UpdateStatus(resources::kPods, ns(), current);
  EXPECT_EQ(after["status"]["phase"], "Running");

  // A status patch goes through the subresource.
  PatchOptions status_patch;
  status_patch.subresource = "status";
  json patched = client().Patch(resources::kPods, ns(), "p1", PatchType::Merge,
                                {{"status", {{"message", "draining 42 sessions"}}}}, status_patch);
  EXPECT_EQ(patched["status"]["message"], "draining 42 sessions");

  // Strategic merge on a built-in list keyed by name (containers).
  json sm = client().Patch(
      resources::kPods, ns(), "p1", PatchType::StrategicMerge,
      {{"spec", {{"containers", json::array({{{"name", "c"}, {"image", "relay:2"}}})}}}});
  EXPECT_EQ(sm["spec"]["containers"][0]["image"], "relay:2");

  DeleteOptions now;
  now.grace_period_seconds = 0;
  client().Delete(resources::kPods, ns(), "p1", now);
  EXPECT_TRUE(IsNotFound(ExpectApiError([&] { client().Get(resources::kPods, ns(), "p1"); })));
}

TEST_F(RestClientTest, DeploymentScaleSubresource) {
  json deploy = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "d1"},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "d1"}},
      "template": {"metadata": {"labels": {"app": "d1"}},
        "spec": {"containers": [{"name": "c", "image": "x"}]}}}})");
  client().Create(kDeployments, ns(), deploy);
  EXPECT_EQ(client().GetScale(kDeployments, ns(), "d1")["spec"]["replicas"], 1);
  // The deployment controller writes the object's status concurrently, so
  // the Scale's resourceVersion can go stale between GET and PUT: a real 409.
  // Re-read and retry, as client-go's RetryOnConflict does.
  json updated;
  int conflicts = 0;
  for (;;) {
    json scale = client().GetScale(kDeployments, ns(), "d1");
    EXPECT_EQ(scale["kind"], "Scale");
    scale["spec"]["replicas"] = 3;
    try {
      updated = client().UpdateScale(kDeployments, ns(), "d1", scale);
      break;
    } catch (const ApiError& e) {
      ASSERT_TRUE(IsConflict(e)) << e.what();
      ASSERT_LT(++conflicts, 10);
    }
  }
  EXPECT_EQ(updated["spec"]["replicas"], 3);
  EXPECT_EQ(client().Get(kDeployments, ns(), "d1")["spec"]["replicas"], 3);
}

TEST_F(RestClientTest, CustomResourceEveryVerb) {
  EnsureWidgetCrd();
  if (HasFatalFailure()) return;
  json w = {{"apiVersion", "test.baton.dev/v1"},
            {"kind", "Widget"},
            {"metadata", {{"name", "w1"}, {"labels", {{"shape", "round"}}}}},
            {"spec", {{"replicas", 2}, {"color", "red"}}}};
  json created = client().Create(kWidgets, ns(), w);
  EXPECT_EQ(created["spec"]["color"], "red");
  client().Create(kWidgets, ns(),
                  {{"apiVersion", "test.baton.dev/v1"},
                   {"kind", "Widget"},
                   {"metadata", {{"name", "w2"}, {"labels", {{"shape", "square"}}}}}});

  EXPECT_EQ(client().Get(kWidgets, ns(), "w1")["spec"]["replicas"], 2);
  ListOptions round;
  round.label_selector = "shape=round";
  json list = client().List(kWidgets, ns(), round);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["kind"], "WidgetList");
  EXPECT_EQ(client().ListAll(kWidgets, ns(), OnePerPage())["items"].size(), 2u);

  json current = client().Get(kWidgets, ns(), "w1");
  current["spec"]["color"] = "blue";
  json updated = client().Update(kWidgets, ns(), current);
  EXPECT_EQ(updated["spec"]["color"], "blue");

  // Status subresource: the main endpoint ignores status, /status sets it.
  updated["status"] = {{"replicas", 2}, {"phase", "Ready"}};
  json with_status = client().UpdateStatus(kWidgets, ns(), updated);
  EXPECT_EQ(with_status["status"]["phase"], "Ready");
  with_status["status"]["phase"] = "Ignored";
  with_status["spec"]["color"] = "green";
  json main_put = client().Update(kWidgets, ns(), with_status);
  EXPECT_EQ(main_put["status"]["phase"], "Ready");
  EXPECT_EQ(main_put["spec"]["color"], "green");

  // Merge and JSON patch; strategic merge does not exist for custom resources.
  json merged =
      client().Patch(kWidgets, ns(), "w1", PatchType::Merge, {{"spec", {{"sizes", {1, 2}}}}});
  EXPECT_EQ(merged["spec"]["sizes"], json({1, 2}));
  json jp = client().Patch(kWidgets, ns(), "w1", PatchType::Json,
                           json::array({{{"op", "add"}, {"path", "/spec/sizes/-"}, {"value", 3}}}));
  EXPECT_EQ(jp["spec"]["sizes"], json({1, 2, 3}));
  ApiError sm = ExpectApiError([&] {
    client().Patch(kWidgets, ns(), "w1", PatchType::StrategicMerge, {{"spec", {{"color", "x"}}}});
  });
  EXPECT_EQ(sm.code(), 415);  // UnsupportedMediaType

  // Scale subresource
  json scale = client().GetScale(kWidgets, ns(), "w1");
  EXPECT_EQ(scale["spec"]["replicas"], 2);
  EXPECT_EQ(scale["status"]["replicas"], 2);
  scale["spec"]["replicas"] = 5;
  client().UpdateScale(kWidgets, ns(), "w1", scale);
  EXPECT_EQ(client().Get(kWidgets, ns(), "w1")["spec"]["replicas"], 5);

  // Server-side apply on a custom resource
  ApplyOptions apply;
  apply.field_manager = "widget-applier";
  apply.force = true;
  json applied = client().Apply(kWidgets, ns(),
                                {{"apiVersion", "test.baton.dev/v1"},
                                 {"kind", "Widget"},
                                 {"metadata", {{"name", "w3"}}},
                                 {"spec", {{"color", "teal"}}}},
                                apply);
  EXPECT_EQ(applied["spec"]["color"], "teal");

  client().Delete(kWidgets, ns(), "w1");
  EXPECT_TRUE(IsNotFound(ExpectApiError([&] { client().Get(kWidgets, ns(), "w1"); })));
}

// ---------------------------------------------------------------- errors

TEST_F(RestClientTest, TypedErrorsFromTheApiserver) {
  // NotFound
  ApiError nf = ExpectApiError([&] { client().Get(resources::kConfigMaps, ns(), "absent"); });
  EXPECT_TRUE(IsNotFound(nf));
  EXPECT_EQ(nf.code(), 404);
  EXPECT_EQ(nf.name(), "absent");

  // AlreadyExists
  client().Create(resources::kConfigMaps, ns(), ConfigMap("dup"));
  ApiError ae =
      ExpectApiError([&] { client().Create(resources::kConfigMaps, ns(), ConfigMap("dup")); });
  EXPECT_TRUE(IsAlreadyExists(ae));
  EXPECT_FALSE(IsConflict(ae));

  // Invalid, with the field of each cause
  json bad = ConfigMap("Bad_Name", {}, {{"a/b/c", "x"}});
  ApiError inv = ExpectApiError([&] { client().Create(resources::kConfigMaps, ns(), bad); });
  EXPECT_TRUE(IsInvalid(inv));
  EXPECT_EQ(inv.code(), 422);
  std::vector<std::string> fields;
  for (const auto& c : inv.causes()) fields.push_back(c.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("metadata.name", "metadata.labels"));

  // BadRequest: a selector that does not parse
  ListOptions broken;
  broken.label_selector = "a in (";
  EXPECT_TRUE(
      IsBadRequest(ExpectApiError([&] { client().List(resources::kConfigMaps, ns(), broken); })));

  // MethodNotAllowed: POST to a named object, through the raw escape hatch
  HttpRequest post;
  post.method = "POST";
  post.path = ResourcePath(resources::kConfigMaps, ns(), "dup");
  post.body = "{}";
  EXPECT_TRUE(IsMethodNotAllowed(ExpectApiError([&] { client().Request(post); })));
}

TEST_F(RestClientTest, InvalidCustomResourceNamesTheSchemaField) {
  EnsureWidgetCrd();
  if (HasFatalFailure()) return;
  json w = {{"apiVersion", "test.baton.dev/v1"},
            {"kind", "Widget"},
            {"metadata", {{"name", "bad"}}},
            {"spec", {{"replicas", -1}, {"color", 7}}}};
  ApiError e = ExpectApiError([&] { client().Create(kWidgets, ns(), w); });
  EXPECT_TRUE(IsInvalid(e));
  std::vector<std::string> fields;
  for (const auto& c : e.causes()) fields.push_back(c.field);
  // The schema's type and minimum checks; the scale subresource's
  // specReplicasPath adds its own ".spec.replicas" cause on top.
  EXPECT_THAT(fields, ::testing::IsSupersetOf({"spec.replicas", "spec.color"}));
}

TEST_F(RestClientTest, UpdateWithStaleResourceVersionIsConflict) {
  json v1 = client().Create(resources::kConfigMaps, ns(), ConfigMap("cas", {{"n", "1"}}));
  json v2 = v1;
  v2["data"]["n"] = "2";
  client().Update(resources::kConfigMaps, ns(), v2);  // moves resourceVersion on
  v1["data"]["n"] = "stale";
  ApiError e = ExpectApiError([&] { client().Update(resources::kConfigMaps, ns(), v1); });
  EXPECT_TRUE(IsConflict(e));
  EXPECT_THAT(e.message(), HasSubstr("the object has been modified"));
  EXPECT_EQ(client().Get(resources::kConfigMaps, ns(), "cas")["data"]["n"], "2");
}

TEST_F(RestClientTest, DeleteRefusedByStaleUidPrecondition) {
  json first = client().Create(resources::kConfigMaps, ns(), ConfigMap("succ"));
  const std::string old_uid = StringAt(first, "/metadata/uid"_json_pointer);
  client().Delete(resources::kConfigMaps, ns(), "succ");
  // A successor with the same name: the old uid must not delete it.
  json second = client().Create(resources::kConfigMaps, ns(), ConfigMap("succ"));
  DeleteOptions guarded;
  guarded.precondition_uid = old_uid;
  ApiError e =
      ExpectApiError([&] { client().Delete(resources::kConfigMaps, ns(), "succ", guarded); });
  EXPECT_TRUE(IsConflict(e));
  EXPECT_THAT(e.message(), HasSubstr("UID in the precondition"));
  EXPECT_EQ(
      StringAt(client().Get(resources::kConfigMaps, ns(), "succ"), "/metadata/uid"_json_pointer),
      StringAt(second, "/metadata/uid"_json_pointer));
  // And a stale resourceVersion precondition likewise.
  DeleteOptions rv;
  rv.precondition_resource_version = StringAt(first, "/metadata/resourceVersion"_json_pointer);
  EXPECT_TRUE(IsConflict(
      ExpectApiError([&] { client().Delete(resources::kConfigMaps, ns(), "succ", rv); })));
  // The right uid deletes.
  guarded.precondition_uid = StringAt(second, "/metadata/uid"_json_pointer);
  client().Delete(resources::kConfigMaps, ns(), "succ", guarded);
  EXPECT_TRUE(
      IsNotFound(ExpectApiError([&] { client().Get(resources::kConfigMaps, ns(), "succ"); })));
}

TEST_F(RestClientTest, ServerSideApplyConflictThenForce) {
  ApplyOptions alpha;
  alpha.field_manager = "alpha";
  client().Apply(resources::kConfigMaps, ns(), ConfigMap("owned", {{"k", "a"}}), alpha);

  ApplyOptions beta;
  beta.field_manager = "beta";
  ApiError e = ExpectApiError([&] {
    client().Apply(resources::kConfigMaps, ns(), ConfigMap("owned", {{"k", "b"}}), beta);
  });
  EXPECT_TRUE(IsConflict(e));
  ASSERT_EQ(e.causes().size(), 1u);
  EXPECT_EQ(e.causes()[0].reason, "FieldManagerConflict");
  EXPECT_EQ(e.causes()[0].field, ".data.k");
  EXPECT_THAT(e.causes()[0].message, HasSubstr("alpha"));
  EXPECT_EQ(client().Get(resources::kConfigMaps, ns(), "owned")["data"]["k"], "a");

  beta.force = true;
  json forced =
      client().Apply(resources::kConfigMaps, ns(), ConfigMap("owned", {{"k", "b"}}), beta);
  EXPECT_EQ(forced["data"]["k"], "b");
  std::string owner;
  for (const auto& mf : forced["metadata"]["managedFields"]) {
    if (mf.contains("fieldsV1") && mf["fieldsV1"].dump().find("f:k") != std::string::npos) {
      owner = mf["manager"];
    }
  }
  EXPECT_EQ(owner, "beta");
}

TEST_F(RestClientTest, EvictionBlockedByDisruptionBudgetIsTooManyRequests) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "guarded"}, {"labels", {{"app", "guarded"}}}}},
              {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "x"}}})}}}};
  client().Create(resources::kPods, ns(), pod);
  client().Create(resources::kPodDisruptionBudgets, ns(), json::parse(R"({
      "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pdb"},
      "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "guarded"}}}})"));
  // Until the disruption controller has observed the budget the apiserver
  // answers 429 *with* Retry-After (which the client would rightly retry);
  // wait for it so this test sees the final, definite refusal.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    json pdb = client().Get(resources::kPodDisruptionBudgets, ns(), "pdb");
    if (pdb["status"].value("observedGeneration", 0) >= pdb["metadata"].value("generation", 1)) {
      break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "PDB never observed";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const json eviction = {{"apiVersion", "policy/v1"},
                         {"kind", "Eviction"},
                         {"metadata", {{"name", "guarded"}, {"namespace", ns()}}}};
  // Whatever the disruption controller has computed so far, a budget of
  // minAvailable=1 over one pod never allows this eviction.
  ApiError e = ExpectApiError(
      [&] { client().CreateSubresource(resources::kPods, ns(), "guarded", "eviction", eviction); });
  EXPECT_TRUE(IsTooManyRequests(e));
  EXPECT_EQ(e.code(), 429);
  // No Retry-After was sent, so no retry was made (one POST attempt only).
  int eviction_posts = 0;
  for (const auto& r : observer_->records) {
    if (r.method == "POST" && r.code == 429) ++eviction_posts;
  }
  EXPECT_EQ(eviction_posts, 1);
  EXPECT_NO_THROW(client().Get(resources::kPods, ns(), "guarded"));
}

TEST_F(RestClientTest, ExpiredContinueTokenIsGoneAndListAllRecovers) {
  for (int i = 0; i < 3; ++i) {
    client().Create(resources::kConfigMaps, ns(), ConfigMap("exp-" + std::to_string(i)));
  }
  ListOptions page;
  page.limit = 1;
  json first = client().List(resources::kConfigMaps, ns(), page);
  page.continue_token = StringAt(first, "/metadata/continue"_json_pointer);
  ASSERT_FALSE(page.continue_token.empty());
  // Move the revision past the token's snapshot, then compact etcd to it.
  client().Create(resources::kConfigMaps, ns(), ConfigMap("exp-bump"));
  auto r = baton::testing::RunCommand({cluster().repo_root() + "/scripts/cluster", "compact"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ApiError e = ExpectApiError([&] { client().List(resources::kConfigMaps, ns(), page); });
  EXPECT_TRUE(IsGone(e));
  EXPECT_EQ(e.status_reason(), "Expired");

  // ListAll: compact between its first and second page (from the observer,
  // which runs on this thread after each attempt). It must fall back to one
  // unpaginated list and still return every object.
  class CompactAfterFirstPage : public RequestObserver {
   public:
    CompactAfterFirstPage(baton::testing::TestCluster& c, std::string n) : cluster_(c), ns_(n) {}
    void OnRequest(const RequestRecord& r) override {
      codes.push_back(r.code);
      if (done_ || r.method != "GET" || r.code != 200) return;
      done_ = true;
      cluster_.KubectlOrFail({"create", "configmap", "exp-during", "-n", ns_});
      auto res = baton::testing::RunCommand({cluster_.repo_root() + "/scripts/cluster", "compact"});
      EXPECT_EQ(res.exit_code, 0) << res.err;
    }
    std::vector<int> codes;

   private:
    baton::testing::TestCluster& cluster_;
    std::string ns_;
    bool done_ = false;
  };
  auto compacting = std::make_shared<CompactAfterFirstPage>(cluster(), ns());
  RestClientOptions opts;
  opts.observer = compacting;
  RestClient pager(LoadKubeconfig(cluster().kubeconfig()), opts);
  json all = pager.ListAll(resources::kConfigMaps, ns(), OnePerPage());
  // 200 (page 1), 410 (page 2, token expired), 200 (full relist).
  EXPECT_EQ(compacting->codes, (std::vector<int>{200, 410, 200}));
  std::set<std::string> names;
  for (const auto& item : all["items"]) names.insert(item["metadata"]["name"]);
  for (const char* want : {"exp-0", "exp-1", "exp-2", "exp-bump", "exp-during"}) {
    EXPECT_TRUE(names.count(want)) << want;
  }
}

// ---------------------------------------------------- ServiceAccount + RBAC

TEST_F(RestClientTest, ServiceAccountTokenWorksWhereRbacAllowsAndIsForbiddenElsewhere) {
  client().Create(
      resources::kServiceAccounts, ns(),
      {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "reader"}}}});
  const Resource roles{"rbac.authorization.k8s.io", "v1", "roles", true};
  const Resource bindings{"rbac.authorization.k8s.io", "v1", "rolebindings", true};
  client().Create(roles, ns(), json::parse(R"({
      "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
      "metadata": {"name": "cm-reader"},
      "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]})"));
  client().Create(
      bindings, ns(),
      {{"apiVersion", "rbac.authorization.k8s.io/v1"},
       {"kind", "RoleBinding"},
       {"metadata", {{"name", "reader"}}},
       {"roleRef",
        {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", "cm-reader"}}},
       {"subjects",
        json::array({{{"kind", "ServiceAccount"}, {"name", "reader"}, {"namespace", ns()}}})}});
  client().Create(resources::kConfigMaps, ns(), ConfigMap("visible", {{"x", "1"}}));

  // A TokenRequest-issued token, as `kubectl create token` makes it.
  std::string token = cluster().KubectlOrFail({"create", "token", "reader", "-n", ns()});
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
  ASSERT_FALSE(token.empty());

  // A token-only kubeconfig: server and CA from the admin one, no client cert.
  const ClientConfig admin = LoadKubeconfig(cluster().kubeconfig());
  const fs::path dir = fs::temp_directory_path() / ("sa-kubeconfig-" + ns());
  fs::create_directories(dir);
  std::ofstream(dir / "config")
      << "apiVersion: v1\nkind: Config\ncurrent-context: sa\n"
      << "clusters:\n- name: local\n  cluster:\n    server: " << admin.server
      << "\n    certificate-authority-data: " << EncodeBase64(admin.ca_pem) << "\n"
      << "users:\n- name: reader\n  user:\n    token: " << token << "\n"
      << "contexts:\n- name: sa\n  context: {cluster: local, user: reader, "
      << "namespace: " << ns() << "}\n";
  const ClientConfig sa_config = LoadKubeconfig(dir / "config");
  EXPECT_TRUE(sa_config.client_cert_pem.empty());
  RestClient sa(sa_config);

  // Allowed: get and list configmaps in its namespace.
  EXPECT_EQ(sa.Get(resources::kConfigMaps, ns(), "visible")["data"]["x"], "1");
  EXPECT_GE(sa.List(resources::kConfigMaps, ns())["items"].size(), 1u);

  // Refused, typed: other verbs, other resources, other namespaces.
  ApiError create =
      ExpectApiError([&] { sa.Create(resources::kConfigMaps, ns(), ConfigMap("nope")); });
  EXPECT_TRUE(IsForbidden(create));
  EXPECT_EQ(create.code(), 403);
  EXPECT_THAT(create.message(), HasSubstr("system:serviceaccount:" + ns() + ":reader"));
  EXPECT_TRUE(IsForbidden(ExpectApiError([&] { sa.List(resources::kPods, ns()); })));
  EXPECT_TRUE(IsForbidden(ExpectApiError([&] { sa.List(resources::kConfigMaps, "default"); })));
  EXPECT_TRUE(IsForbidden(ExpectApiError([&] { sa.List(resources::kNamespaces, ""); })));

  // tokenFile: a bad token is Unauthorized; rotating the file fixes the same client.
  std::ofstream(dir / "token") << "not-a-token\n";
  ClientConfig rotating = sa_config;
  rotating.bearer_token.clear();
  rotating.bearer_token_file = dir / "token";
  RestClient rotated(rotating);
  ApiError unauth = ExpectApiError([&] { rotated.Get(resources::kConfigMaps, ns(), "visible"); });
  EXPECT_TRUE(IsUnauthorized(unauth));
  EXPECT_EQ(unauth.code(), 401);
  std::ofstream(dir / "token") << token << "\n";
  EXPECT_EQ(rotated.Get(resources::kConfigMaps, ns(), "visible")["data"]["x"], "1");
  fs::remove_all(dir);
}

// ---------------------------------------------------------- TLS, transport

TEST_F(RestClientTest, TlsVerificationIsOn) {
  ClientConfig wrong_ca = LoadKubeconfig(cluster().kubeconfig());
  // Trust a different CA (the client cert is not a CA of the server's chain).
  wrong_ca.ca_pem = wrong_ca.client_cert_pem;
  RestClient untrusting(wrong_ca);
  const auto start = std::chrono::steady_clock::now();
  try {
    untrusting.Get(resources::kNamespaces, "", "default");
    FAIL() << "a server certificate from an untrusted CA was accepted";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::Tls);
    EXPECT_THAT(e.what(), HasSubstr("handshake"));
  }
  // Not retried: a certificate problem does not go away with backoff.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));

  // Right CA, wrong name: host name verification must refuse it too.
  ClientConfig wrong_name = LoadKubeconfig(cluster().kubeconfig());
  wrong_name.tls_server_name = "not-the-apiserver.invalid";
  RestClient misnamed(wrong_name);
  try {
    misnamed.Get(resources::kNamespaces, "", "default");
    FAIL() << "a certificate for another name was accepted";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::Tls);
  }

  // And the real configuration works.
  EXPECT_EQ(client().Get(resources::kNamespaces, "", ns())["metadata"]["name"], ns());
}

// Connects succeed (backlog), no answer ever comes.
using baton::testing::SilentListener;

TEST(RestClientTransportTest, RequestTimeoutAndConnectFailed) {
  SilentListener silent;
  ClientConfig cfg;
  cfg.server = "http://127.0.0.1:" + std::to_string(silent.port());
  RestClientOptions opts;
  opts.request_timeout = std::chrono::milliseconds(500);
  RestClient slow(cfg, opts);
  const auto start = std::chrono::steady_clock::now();
  try {
    slow.Get(resources::kNamespaces, "", "default");
    FAIL() << "no timeout";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::Timeout);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));

  // Nothing listens on a closed port: refused, retried (bounded), then thrown.
  int closed_port = 0;
  {
    SilentListener tmp;
    closed_port = tmp.port();
  }
  cfg.server = "http://127.0.0.1:" + std::to_string(closed_port);
  auto observer = std::make_shared<RecordingObserver>();
  opts.observer = observer;
  opts.retry.max_retries = 2;
  opts.retry.initial_backoff = std::chrono::milliseconds(10);
  RestClient refused(cfg, opts);
  try {
    refused.Get(resources::kNamespaces, "", "default");
    FAIL() << "connected to a closed port";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::ConnectFailed);
  }
  ASSERT_EQ(observer->records.size(), 3u);  // first try + 2 retries
  EXPECT_EQ(observer->records[2].attempt, 2);
  EXPECT_EQ(observer->records[2].code, 0);
}

// -------------------------------------------------------------- threading

TEST_F(RestClientTest, RefusesToBlockInsideTheCpprestPool) {
  client().Create(resources::kConfigMaps, ns(), ConfigMap("pool"));
  // pplx runs this lambda on cpprestsdk's pool: blocking there could deadlock.
  const std::string outcome = pplx::create_task([this] {
                                try {
                                  client().Get(resources::kConfigMaps, ns(), "pool");
                                  return std::string("returned");
                                } catch (const std::logic_error& e) {
                                  return std::string(e.what());
                                }
                              }).get();
  EXPECT_THAT(outcome, HasSubstr("thread-pool thread"));
  EXPECT_FALSE(RestClient::OnCpprestPoolThread());
}

TEST_F(RestClientTest, OneClientSharedByManyThreads) {
  for (int i = 0; i < 4; ++i) {
    client().Create(resources::kConfigMaps, ns(), ConfigMap("shared-" + std::to_string(i)));
  }
  // More threads than cpprestsdk's pool has: synchronous calls from our own
  // threads must all complete.
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        json cm =
            client().Get(resources::kConfigMaps, ns(), "shared-" + std::to_string((t + i) % 4));
        if (cm["metadata"]["namespace"] == ns()) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 160);
}

TEST_F(RestClientTest, ObserverSeesVerbResourceAndCode) {
  observer_->records.clear();
  ExpectApiError([&] { client().Get(resources::kConfigMaps, ns(), "nothing"); });
  client().Create(resources::kConfigMaps, ns(), ConfigMap("seen"));
  ASSERT_EQ(observer_->records.size(), 2u);
  EXPECT_EQ(observer_->records[0].method, "GET");
  EXPECT_EQ(observer_->records[0].resource, "configmaps");
  EXPECT_EQ(observer_->records[0].code, 404);
  EXPECT_EQ(observer_->records[1].method, "POST");
  EXPECT_EQ(observer_->records[1].code, 201);
}

}  // namespace
}  // namespace baton::kube
