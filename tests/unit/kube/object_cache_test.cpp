#include "kube/object_cache.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace baton::kube {
namespace {

using nlohmann::json;

struct Slim {
  std::string name;
  std::string phase;
  int seq = 0;
};

Slim Project(const json& o) {
  return {o["metadata"].value("name", ""), o.value("/status/phase"_json_pointer, std::string()),
          std::stoi(o.value("/data/seq"_json_pointer, std::string("0")))};
}

json Obj(const std::string& ns, const std::string& name, const std::string& rv, int seq,
         json labels = json::object(), json owners = json::array()) {
  return {{"metadata",
           {{"namespace", ns},
            {"name", name},
            {"resourceVersion", rv},
            {"labels", labels},
            {"ownerReferences", owners}}},
          {"data", {{"seq", std::to_string(seq)}}}};
}

struct Recorder {
  std::vector<std::string> log;
  ObjectCache<Slim>::Handlers Handlers() {
    return {[this](const Slim& s) { log.push_back("add " + s.name + " " + std::to_string(s.seq)); },
            [this](const Slim& a, const Slim& b) {
              log.push_back("update " + a.name + " " + std::to_string(a.seq) + "->" +
                            std::to_string(b.seq));
            },
            [this](const Slim& s) { log.push_back("delete " + s.name); }};
  }
};

TEST(ObjectKey, NamespacedAndClusterScoped) {
  EXPECT_EQ(ObjectKey(Obj("ns", "a", "1", 0)), "ns/a");
  EXPECT_EQ(ObjectKey(json{{"metadata", {{"name", "node-1"}}}}), "node-1");
  EXPECT_EQ(ObjectKey(json{{"metadata", json::object()}}), "");
}

TEST(ObjectCache, WatchEventsAddUpdateDelete) {
  ObjectCache<Slim> cache(Project);
  Recorder rec;
  cache.AddHandlers(rec.Handlers());
  cache.Apply({WatchEventType::Added, Obj("ns", "a", "1", 1)});
  cache.Apply({WatchEventType::Modified, Obj("ns", "a", "2", 2)});
  cache.Apply({WatchEventType::Added, Obj("ns", "b", "3", 7)});
  cache.Apply({WatchEventType::Deleted, Obj("ns", "a", "4", 2)});
  cache.Apply({WatchEventType::Deleted, Obj("ns", "zz", "5", 2)});  // unknown: ignored
  EXPECT_EQ(rec.log, (std::vector<std::string>{"add a 1", "update a 1->2", "add b 7", "delete a"}));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get("ns", "b")->seq, 7);
  EXPECT_EQ(cache.Get("ns/a"), nullptr);
  EXPECT_EQ(cache.ResourceVersion("ns/b"), "3");
}

TEST(ObjectCache, ReplaceDiffsAgainstTheCache) {
  ObjectCache<Slim> cache(Project);
  Recorder rec;
  cache.AddHandlers(rec.Handlers());
  EXPECT_FALSE(cache.synced());
  std::vector<json> first{Obj("ns", "a", "1", 1), Obj("ns", "b", "2", 1), Obj("ns", "c", "3", 1)};
  cache.Replace(std::move(first), "3");
  EXPECT_TRUE(cache.synced());
  rec.log.clear();
  // a unchanged (same RV: no event), b updated, c gone, d new.
  std::vector<json> second{Obj("ns", "a", "1", 1), Obj("ns", "b", "5", 2), Obj("ns", "d", "6", 1)};
  cache.Replace(std::move(second), "6");
  EXPECT_EQ(rec.log, (std::vector<std::string>{"delete c", "update b 1->2", "add d 1"}));
  EXPECT_EQ(cache.size(), 3u);
}

TEST(ObjectCache, PagedReplaceAndARestartedListDiscardsTheStagedPages) {
  ObjectCache<Slim> cache(Project);
  Recorder rec;
  cache.AddHandlers(rec.Handlers());
  cache.Replace({Obj("ns", "a", "1", 1)}, "1");
  rec.log.clear();
  cache.ReplaceBegin();
  cache.ReplacePage({Obj("ns", "stale", "9", 9)});
  // The list failed half-way and started over: "stale" must not count.
  cache.ReplaceBegin();
  cache.ReplacePage({Obj("ns", "a", "1", 1), Obj("ns", "b", "2", 2)});
  EXPECT_EQ(cache.size(), 1u) << "nothing applies before ReplaceEnd";
  cache.ReplacePage({Obj("ns", "c", "3", 3), Obj("ns", "b", "2", 2)});  // b twice: once
  cache.ReplaceEnd("3");
  EXPECT_EQ(rec.log, (std::vector<std::string>{"add b 2", "add c 3"}));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Get("ns/stale"), nullptr);
}

TEST(ObjectCache, IndexesFollowChanges) {
  ObjectCache<Slim> cache(Project);
  cache.AddIndex("namespace", IndexByNamespace());
  cache.AddIndex("owner", IndexByOwnerUid());
  cache.AddIndex("tier", IndexByLabel("baton.dev/tier"));
  const json owner1 = json::array({{{"uid", "u1"}, {"kind", "RelayTier"}}});
  const json owner2 = json::array({{{"uid", "u2"}}, {{"uid", "u1"}}});
  cache.Apply(
      {WatchEventType::Added, Obj("n1", "a", "1", 0, {{"baton.dev/tier", "relay"}}, owner1)});
  cache.Apply(
      {WatchEventType::Added, Obj("n1", "b", "2", 0, {{"baton.dev/tier", "chat"}}, owner2)});
  cache.Apply({WatchEventType::Added, Obj("n2", "c", "3", 0)});
  EXPECT_EQ(cache.ByIndex("namespace", "n1").size(), 2u);
  EXPECT_EQ(cache.ByIndex("owner", "u1").size(), 2u);
  EXPECT_EQ(cache.ByIndex("owner", "u2").size(), 1u);
  EXPECT_EQ(cache.KeysByIndex("tier", "relay"), std::vector<std::string>{"n1/a"});
  // a moves tier and loses its owner.
  cache.Apply({WatchEventType::Modified, Obj("n1", "a", "4", 0, {{"baton.dev/tier", "chat"}})});
  EXPECT_TRUE(cache.ByIndex("tier", "relay").empty());
  EXPECT_EQ(cache.ByIndex("tier", "chat").size(), 2u);
  EXPECT_EQ(cache.KeysByIndex("owner", "u1"), std::vector<std::string>{"n1/b"});
  cache.Apply({WatchEventType::Deleted, Obj("n1", "b", "5", 0)});
  EXPECT_TRUE(cache.ByIndex("owner", "u1").empty());
  EXPECT_THROW(cache.ByIndex("nope", "x"), std::invalid_argument);
}

TEST(ObjectCache, AMalformedObjectIsLeftOutAndTheRestIsCached) {
  ObjectCache<Slim> cache(Project);
  json bad = Obj("ns", "bad", "1", 0);
  bad["data"]["seq"] = "not-a-number";
  cache.Replace({Obj("ns", "a", "1", 1), bad}, "2");
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get("ns/bad"), nullptr);
}

TEST(ObjectCache, ResyncRedeliversEveryObjectAsAnUpdate) {
  ObjectCache<Slim> cache(Project);
  Recorder rec;
  cache.AddHandlers(rec.Handlers());
  cache.Replace({Obj("ns", "a", "1", 1), Obj("ns", "b", "2", 2)}, "2");
  rec.log.clear();
  cache.Resync();
  std::sort(rec.log.begin(), rec.log.end());
  EXPECT_EQ(rec.log, (std::vector<std::string>{"update a 1->1", "update b 2->2"}));
}

TEST(ObjectCache, HandlersMayReadTheCache) {
  ObjectCache<Slim> cache(Project);
  std::size_t seen = 0;
  cache.AddHandlers({[&](const Slim&) { seen = cache.size(); }, nullptr, nullptr});
  cache.Apply({WatchEventType::Added, Obj("ns", "a", "1", 1)});
  EXPECT_EQ(seen, 1u);
}

}  // namespace
}  // namespace baton::kube
