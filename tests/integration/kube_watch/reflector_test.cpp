// 1,000 ConfigMap changes seen through a reflector-fed cache exactly once
// and in order, while the watch is broken in every way the issue names:
//   - dropped connections (resumed from the last resourceVersion, WITHOUT a
//     new LIST: counted in the apiserver's audit log),
//   - a 410 Gone after etcd compaction (relisted),
//   - a kube-apiserver restart.
// The last two disturb the cluster, so they run only on a cluster of one's
// own: BATON_CLUSTER_FAULTS=1 (and BATON_WATCH_CACHE=false for the 410).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kube/informer.h"
#include "kube/rest_client.h"
#include "kube_watch_fixture.h"

namespace baton::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct SlimConfigMap {
  std::string name;
  std::string step;  // data.step: which change produced this version
};

SlimConfigMap Project(const json& o) {
  return {o["metadata"].value("name", ""), o.value("/data/step"_json_pointer, std::string())};
}

std::string Name(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "cm-%04d", i);
  return buf;
}

class ReflectorTest : public baton::testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    // A user agent of this test alone: the audit log is shared.
    agent_ = "baton-kube-watch-test/" + ns();
    client_ = testing::MakeClient(agent_);
    writer_ = testing::MakeClient();
  }

  // Starts an informer whose handlers append "<type> <name> <step>" to log_.
  void StartInformer(std::chrono::seconds watch_timeout = 300s) {
    InformerOptions options;
    options.watch_timeout = watch_timeout;
    // The namespace also holds kube-root-ca.crt (published by the
    // controller manager): select only this test's objects.
    options.label_selector = "baton-test=watch";
    options.before_watch = [this] { gate_.Pass(); };
    informer_ = std::make_unique<Informer<SlimConfigMap>>(*client_, resources::kConfigMaps, ns(),
                                                          Project, options);
    informer_->cache().AddHandlers(
        {[this](const SlimConfigMap& c) { Log("add " + c.name + " " + c.step); },
         [this](const SlimConfigMap&, const SlimConfigMap& c) {
           Log("update " + c.name + " " + c.step);
         },
         [this](const SlimConfigMap& c) { Log("delete " + c.name); }});
    informer_->Start();
    ASSERT_TRUE(informer_->WaitForSync(30s));
  }

  void Log(std::string line) {
    std::lock_guard lock(mutex_);
    log_.push_back(std::move(line));
  }

  // The changes; each appends what the watcher must report.
  void Create(int i, const std::string& step) {
    writer_->Create(resources::kConfigMaps, ns(),
                    {{"metadata", {{"name", Name(i)}, {"labels", {{"baton-test", "watch"}}}}},
                     {"data", {{"step", step}}}});
    expected_.push_back("add " + Name(i) + " " + step);
  }
  void Update(int i, const std::string& step) {
    writer_->Patch(resources::kConfigMaps, ns(), Name(i), PatchType::Merge,
                   {{"data", {{"step", step}}}});
    expected_.push_back("update " + Name(i) + " " + step);
  }
  void Delete(int i) {
    writer_->Delete(resources::kConfigMaps, ns(), Name(i));
    expected_.push_back("delete " + Name(i));
  }

  // Waits until the watcher has reported everything expected so far, then
  // checks it reported exactly that: nothing missing, nothing twice, in order.
  void ExpectCaughtUp(const std::string& phase) {
    const bool caught_up = testing::WaitUntil(45s, [&] {
      std::lock_guard lock(mutex_);
      return log_.size() >= expected_.size();
    });
    std::this_thread::sleep_for(300ms);  // a duplicate would arrive now
    std::lock_guard lock(mutex_);
    ASSERT_TRUE(caught_up) << phase << ": saw " << log_.size() << " of " << expected_.size();
    ASSERT_EQ(log_.size(), expected_.size()) << phase;
    for (std::size_t i = 0; i < expected_.size(); ++i) {
      ASSERT_EQ(log_[i], expected_[i]) << phase << ": change #" << i;
    }
  }

  // Breaks the current watch and holds the reflector before its next one.
  void DropAndHold() {
    gate_.Close();
    informer_->reflector().InterruptWatch();
    ASSERT_TRUE(testing::WaitUntil(10s, [&] { return gate_.HasWaiter(); }));
  }

  void TearDown() override {
    gate_.Open();
    if (informer_) informer_->Stop();
    ClusterTest::TearDown();
  }

  std::string agent_;
  std::unique_ptr<RestClient> client_;
  std::unique_ptr<RestClient> writer_;
  testing::Gate gate_;
  std::unique_ptr<Informer<SlimConfigMap>> informer_;
  std::mutex mutex_;
  std::vector<std::string> log_;
  std::vector<std::string> expected_;
};

TEST_F(ReflectorTest, ThousandChangesExactlyOnceInOrderAcrossDroppedConnections) {
  // A short server timeout adds clean server-side ends to the client drops.
  StartInformer(5s);
  int change = 0;
  // 1. 250 creates while watching.
  for (int i = 0; i < 250; ++i) Create(i, std::to_string(change++));
  ExpectCaughtUp("creates");
  // 2. connection dropped; 250 updates happen while no watch is open.
  DropAndHold();
  for (int i = 0; i < 250; ++i) Update(i, std::to_string(change++));
  gate_.Open();
  ExpectCaughtUp("updates during a dropped connection");
  // 3. 250 more updates with drops at random points in between.
  std::mt19937 rng(7);
  for (int i = 0; i < 250; ++i) {
    Update(i, std::to_string(change++));
    if (rng() % 50 == 0) informer_->reflector().InterruptWatch();
  }
  ExpectCaughtUp("updates with random drops");
  // 4. 250 deletes, half of them while disconnected.
  for (int i = 0; i < 125; ++i) Delete(i);
  DropAndHold();
  for (int i = 125; i < 250; ++i) Delete(i);
  gate_.Open();
  ExpectCaughtUp("deletes");
  EXPECT_EQ(change + 250, 1000);
  EXPECT_EQ(expected_.size(), 1000u);

  const auto& stats = informer_->reflector().stats();
  EXPECT_EQ(stats.lists.load(), 1u) << "a dropped watch must resume, not relist";
  EXPECT_EQ(stats.gone.load(), 0u);
  EXPECT_GE(stats.watches.load(), 4u);
  // The apiserver saw it the same way: one LIST, several WATCHes.
  int lists = 0, watches = 0;
  testing::WaitUntil(15s, [&] {
    lists = testing::CountAuditedRequests(agent_, "list", "configmaps", ns());
    watches = testing::CountAuditedRequests(agent_, "watch", "configmaps", ns());
    return watches >= static_cast<int>(stats.watches.load()) - 1;
  });
  EXPECT_EQ(lists, 1) << "audit log: LISTs of " << agent_;
  EXPECT_GE(watches, 4) << "audit log: WATCHes of " << agent_;
  std::printf("reflector: %llu watches, %llu list(s); audit log: %d watches, %d list(s)\n",
              static_cast<unsigned long long>(stats.watches.load()),
              static_cast<unsigned long long>(stats.lists.load()), watches, lists);
}

TEST_F(ReflectorTest, ThousandChangesExactlyOnceInOrderAcrossGoneAndApiserverRestart) {
  if (!testing::FaultsAllowed()) {
    GTEST_SKIP() << "restarts kube-apiserver and compacts etcd: set BATON_CLUSTER_FAULTS=1 on a "
                    "cluster of your own (BATON_CLUSTER_DIR=... BATON_WATCH_CACHE=false "
                    "scripts/cluster up)";
  }
  if (!testing::WatchCacheDisabled()) {
    GTEST_SKIP() << "a real 410 after compaction needs kube-apiserver --watch-cache=false "
                    "(BATON_WATCH_CACHE=false scripts/cluster up)";
  }
  // scripts/cluster restart-apiserver reads the setting from the
  // environment again: keep the watch cache off across the restarts.
  setenv("BATON_WATCH_CACHE", "false", 1);
  StartInformer();
  int change = 0;
  // 1. 250 creates while watching.
  for (int i = 0; i < 250; ++i) Create(i, std::to_string(change++));
  ExpectCaughtUp("creates");
  // 2. dropped; 250 creates; etcd compacted past the reflector's version:
  // the resumed watch gets 410 Gone, the reflector relists, and the cache's
  // diff reports the 250 new objects, each once, in name (= creation) order.
  DropAndHold();
  for (int i = 250; i < 500; ++i) Create(i, std::to_string(change++));
  testing::ClusterScript({"compact"});
  gate_.Open();
  ExpectCaughtUp("creates across a 410");
  EXPECT_GE(informer_->reflector().stats().gone.load(), 1u);
  EXPECT_EQ(informer_->reflector().stats().lists.load(), 2u);
  // 3. kube-apiserver restarts while the watch is down; 250 updates after.
  DropAndHold();
  testing::ClusterScript({"restart-apiserver"});
  // The writer's pooled connections died with the apiserver, and the REST
  // client does not retry a PATCH whose connection failed: start afresh.
  writer_ = testing::MakeClient();
  for (int i = 0; i < 250; ++i) Update(i, std::to_string(change++));
  gate_.Open();
  ExpectCaughtUp("updates across an apiserver restart");
  // 4. and a restart under an open watch; 250 deletes after it.
  testing::ClusterScript({"restart-apiserver"});
  writer_ = testing::MakeClient();
  for (int i = 250; i < 500; ++i) Delete(i);
  ExpectCaughtUp("deletes after a restart under an open watch");
  EXPECT_EQ(expected_.size(), 1000u);
  const auto& stats = informer_->reflector().stats();
  std::printf("reflector: %llu watches, %llu lists, %llu gone, %llu errors\n",
              static_cast<unsigned long long>(stats.watches.load()),
              static_cast<unsigned long long>(stats.lists.load()),
              static_cast<unsigned long long>(stats.gone.load()),
              static_cast<unsigned long long>(stats.errors.load()));
}

}  // namespace
}  // namespace baton::kube
