// The informer against the real apiserver: after a churn of creates,
// updates and deletes (with dropped watches in between), its cache equals a
// fresh LIST; label selection, indexes and resync work on live data.
#include "kube/informer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "kube/rest_client.h"
#include "kube_watch_fixture.h"

namespace baton::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct SlimConfigMap {
  std::string name;
  std::string group;
  std::string value;
};

SlimConfigMap Project(const json& o) {
  const auto& m = o["metadata"];
  std::string group;
  if (m.contains("labels")) group = m["labels"].value("group", "");
  return {m.value("name", ""), group, o.value("/data/v"_json_pointer, std::string())};
}

class InformerTest : public baton::testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    client_ = testing::MakeClient();
  }
  void Create(const std::string& name, const std::string& group, const std::string& value,
              bool watched = true) {
    json labels = {{"group", group}};
    if (watched) labels["watched"] = "yes";
    client_->Create(resources::kConfigMaps, ns(),
                    {{"metadata", {{"name", name}, {"labels", labels}}}, {"data", {{"v", value}}}});
  }
  // name -> (resourceVersion, value) of a fresh LIST of what the informer selects.
  std::map<std::string, std::pair<std::string, std::string>> FreshList() {
    ListOptions options;
    options.label_selector = "watched=yes";
    auto list = client_->ListAll(resources::kConfigMaps, ns(), options);
    std::map<std::string, std::pair<std::string, std::string>> out;
    for (const auto& item : list["items"]) {
      out[item["metadata"]["name"]] = {ResourceVersionOf(item),
                                       item.value("/data/v"_json_pointer, std::string())};
    }
    return out;
  }
  std::map<std::string, std::pair<std::string, std::string>> Cached(
      Informer<SlimConfigMap>& informer) {
    std::map<std::string, std::pair<std::string, std::string>> out;
    for (const auto& key : informer.cache().Keys()) {
      auto obj = informer.cache().Get(key);
      if (obj) out[obj->name] = {informer.cache().ResourceVersion(key), obj->value};
    }
    return out;
  }
  std::unique_ptr<RestClient> client_;
};

TEST_F(InformerTest, CacheEqualsAFreshListAfterChurn) {
  // Some objects exist before the informer starts (initial paginated list:
  // page size 7 forces several pages).
  for (int i = 0; i < 40; ++i) Create("pre-" + std::to_string(i), "g" + std::to_string(i % 3), "0");
  for (int i = 0; i < 10; ++i) Create("other-" + std::to_string(i), "g0", "0", /*watched=*/false);

  InformerOptions options;
  options.label_selector = "watched=yes";
  options.page_size = 7;
  options.watch_timeout = 4s;
  auto informer_client = testing::MakeClient();
  Informer<SlimConfigMap> informer(*informer_client, resources::kConfigMaps, ns(), Project,
                                   options);
  informer.cache().AddIndex("group", IndexByLabel("group"));
  informer.cache().AddIndex("namespace", IndexByNamespace());
  std::atomic<int> adds{0}, updates{0}, deletes{0};
  informer.cache().AddHandlers({[&](const SlimConfigMap&) { ++adds; },
                                [&](const SlimConfigMap&, const SlimConfigMap&) { ++updates; },
                                [&](const SlimConfigMap&) { ++deletes; }});
  EXPECT_FALSE(informer.HasSynced());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(30s));
  EXPECT_EQ(informer.cache().size(), 40u);
  EXPECT_EQ(adds.load(), 40);

  // Churn: random creates, updates, deletes and relabels (in and out of
  // the selector), with a dropped watch now and then.
  std::mt19937 rng(1234);
  std::set<std::string> live;
  for (int i = 0; i < 40; ++i) live.insert("pre-" + std::to_string(i));
  int next = 0;
  for (int step = 0; step < 400; ++step) {
    const int op = static_cast<int>(rng() % 10);
    if (op < 3 || live.empty()) {
      const std::string name = "new-" + std::to_string(next++);
      Create(name, "g" + std::to_string(rng() % 3), std::to_string(step));
      live.insert(name);
      continue;
    }
    auto it = live.begin();
    std::advance(it, static_cast<long>(rng() % live.size()));
    const std::string name = *it;
    if (op < 7) {
      client_->Patch(resources::kConfigMaps, ns(), name, PatchType::Merge,
                     {{"data", {{"v", std::to_string(step)}}},
                      {"metadata", {{"labels", {{"group", "g" + std::to_string(rng() % 3)}}}}}});
    } else if (op < 9) {
      client_->Delete(resources::kConfigMaps, ns(), name);
      live.erase(name);
    } else {
      // Leaves the selector: to the informer this is a delete.
      client_->Patch(resources::kConfigMaps, ns(), name, PatchType::Merge,
                     {{"metadata", {{"labels", {{"watched", "no"}}}}}});
      live.erase(name);
    }
    if (step % 97 == 0) informer.reflector().InterruptWatch();
  }

  auto want = FreshList();
  EXPECT_EQ(want.size(), live.size());
  std::map<std::string, std::pair<std::string, std::string>> got;
  const bool equal = testing::WaitUntil(30s, [&] {
    got = Cached(informer);
    return got == want;
  });
  EXPECT_TRUE(equal) << "cache has " << got.size() << " objects, the LIST " << want.size();
  for (const auto& [name, v] : want) {
    auto it = got.find(name);
    if (it == got.end()) {
      ADD_FAILURE() << "missing from the cache: " << name;
    } else if (it->second != v) {
      ADD_FAILURE() << name << ": cache rv " << it->second.first << ", LIST rv " << v.first;
    }
  }
  for (const auto& [name, v] : got) {
    if (!want.count(name)) ADD_FAILURE() << "in the cache but not in the LIST: " << name;
  }

  // Indexes agree with the cached objects.
  std::size_t indexed = 0;
  for (const char* g : {"g0", "g1", "g2"}) {
    for (const auto& obj : informer.cache().ByIndex("group", g)) {
      EXPECT_EQ(obj->group, g) << obj->name;
      ++indexed;
    }
  }
  EXPECT_EQ(indexed, informer.cache().size());
  EXPECT_EQ(informer.cache().ByIndex("namespace", ns()).size(), informer.cache().size());
  // Handler counts add up to the cache's content.
  EXPECT_EQ(adds.load() - deletes.load(), static_cast<int>(informer.cache().size()));
  EXPECT_GT(updates.load(), 0);
  EXPECT_EQ(informer.reflector().stats().lists.load(), 1u);
}

TEST_F(InformerTest, PeriodicResyncRedeliversCachedObjects) {
  for (int i = 0; i < 3; ++i) Create("r-" + std::to_string(i), "g", "0");
  InformerOptions options;
  options.label_selector = "watched=yes";
  options.resync_period = 300ms;
  auto informer_client = testing::MakeClient();
  Informer<SlimConfigMap> informer(*informer_client, resources::kConfigMaps, ns(), Project,
                                   options);
  std::mutex mu;
  std::map<std::string, int> same_object_updates;
  informer.cache().AddHandlers({nullptr,
                                [&](const SlimConfigMap& a, const SlimConfigMap& b) {
                                  std::lock_guard lock(mu);
                                  if (&a == &b) ++same_object_updates[a.name];
                                },
                                nullptr});
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(30s));
  EXPECT_TRUE(testing::WaitUntil(5s, [&] {
    std::lock_guard lock(mu);
    return same_object_updates.size() == 3 && same_object_updates["r-0"] >= 2;
  }));
  informer.Stop();
}

TEST_F(InformerTest, StopClosesTheWatchPromptly) {
  InformerOptions options;
  options.watch_timeout = 300s;
  auto informer_client = testing::MakeClient();
  Informer<SlimConfigMap> informer(*informer_client, resources::kConfigMaps, ns(), Project,
                                   options);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(30s));
  ASSERT_TRUE(testing::WaitUntil(5s, [&] { return informer.reflector().stats().watches >= 1; }));
  std::this_thread::sleep_for(200ms);
  const auto t0 = std::chrono::steady_clock::now();
  informer.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

}  // namespace
}  // namespace baton::kube
