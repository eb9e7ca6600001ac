// The reflector's safety nets (issue 24), against the real control plane:
//   - the periodic comparison lists at exactly the cache's resourceVersion:
//     it finds and repairs an event the cache never applied, and finds
//     nothing while writes go on beside a cache that missed nothing;
//   - a watch that delivers nothing for idle_timeout is cut and resumed;
//   - BlockedFor() grows while a request hangs (a listener on loopback that
//     never answers: tests/support/silent_listener.h) and is zero between
//     requests.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "kube/object_cache.h"
#include "kube/reflector.h"
#include "kube/rest_client.h"
#include "kube_watch_fixture.h"
#include "silent_listener.h"

namespace baton::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string StepOf(const json& o) {
  return o.value("/data/step"_json_pointer, std::string());
}

// An ObjectCache that loses the watch events it is told to: a stand-in for
// whatever made a real cache miss one (the comparison cannot tell why).
class LossyCache final : public ReflectorSink {
 public:
  ReflectorSink& inner() { return cache_; }
  ObjectCache<std::string>& cache() { return cache_; }
  std::atomic<int> drop_next{0};

  void ReplaceBegin() override { cache_.ReplaceBegin(); }
  void ReplacePage(std::vector<json>&& items) override { cache_.ReplacePage(std::move(items)); }
  std::size_t ReplaceEnd(const std::string& rv) override { return cache_.ReplaceEnd(rv); }
  void Apply(WatchEvent&& event) override {
    if (drop_next > 0) {
      --drop_next;
      return;
    }
    cache_.Apply(std::move(event));
  }

 private:
  ObjectCache<std::string> cache_{StepOf};
};

class ReflectorSafetyNetsTest : public baton::testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    client_ = testing::MakeClient();
  }
  // Declared after the reflector it runs, the thread stops before it goes.
  static std::jthread Run(Reflector& reflector) {
    return std::jthread([&reflector](std::stop_token stop) { reflector.Run(stop); });
  }
  void Put(const std::string& name, const std::string& step) {
    json cm = {{"metadata", {{"name", name}, {"labels", {{"baton-test", "nets"}}}}},
               {"data", {{"step", step}}}};
    try {
      client_->Create(resources::kConfigMaps, ns(), cm);
    } catch (const ApiError&) {
      client_->Patch(resources::kConfigMaps, ns(), name, PatchType::Merge,
                     {{"data", {{"step", step}}}});
    }
  }
  std::string Cached(ObjectCache<std::string>& cache, const std::string& name) {
    auto p = cache.Get(ns(), name);
    return p ? *p : "<absent>";
  }

  std::unique_ptr<RestClient> client_;
};

TEST_F(ReflectorSafetyNetsTest, TheComparisonFindsAndRepairsAMissedEvent) {
  Put("a", "1");
  LossyCache sink;
  std::atomic<std::size_t> compared{0}, found{0};
  ReflectorOptions options;
  options.label_selector = "baton-test=nets";
  options.relist_period = 2s;
  options.watch_timeout = 1s;  // watches end every 1-2 s: the comparison runs between two
  options.on_relist_compared = [&](std::size_t n) {
    found += n;
    ++compared;
  };
  Reflector reflector(*client_, resources::kConfigMaps, ns(), options, sink);
  auto running = Run(reflector);
  ASSERT_TRUE(testing::WaitUntil(30s, [&] { return Cached(sink.cache(), "a") == "1"; }));

  sink.drop_next = 1;
  Put("a", "2");  // the cache never applies this change
  ASSERT_TRUE(testing::WaitUntil(10s, [&] { return sink.drop_next == 0; }));
  EXPECT_EQ(Cached(sink.cache(), "a"), "1") << "the event was not lost after all";

  ASSERT_TRUE(testing::WaitUntil(30s, [&] { return found >= 1; }))
      << "no comparison found the missed change (" << compared << " comparisons)";
  EXPECT_EQ(found.load(), 1u);
  EXPECT_EQ(Cached(sink.cache(), "a"), "2") << "the comparison did not repair the cache";
  EXPECT_EQ(reflector.stats().relist_differences.load(), 1u);
}

TEST_F(ReflectorSafetyNetsTest, NothingMissedNothingFoundWhileWritesGoOn) {
  LossyCache sink;
  std::atomic<std::size_t> compared{0}, found{0};
  ReflectorOptions options;
  options.label_selector = "baton-test=nets";
  options.relist_period = 1s;
  options.watch_timeout = 1s;
  options.on_relist_compared = [&](std::size_t n) {
    found += n;
    ++compared;
  };
  Reflector reflector(*client_, resources::kConfigMaps, ns(), options, sink);
  auto running = Run(reflector);
  // Writes all along: a list at the cache's own version must still match it.
  for (int i = 0; i < 200 && compared < 4; ++i) {
    Put("cm-" + std::to_string(i % 20), std::to_string(i));
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(testing::WaitUntil(30s, [&] { return compared >= 4; }));
  EXPECT_EQ(found.load(), 0u) << "a cache that missed nothing was reported different";
}

TEST_F(ReflectorSafetyNetsTest, AWatchQuietForTheIdleTimeoutIsCutAndResumed) {
  LossyCache sink;
  ReflectorOptions options;
  options.label_selector = "baton-test=nets";
  options.watch_timeout = 120s;  // the server would keep it open for minutes
  options.idle_timeout = 2s;
  Reflector reflector(*client_, resources::kConfigMaps, ns(), options, sink);
  auto running = Run(reflector);
  ASSERT_TRUE(testing::WaitUntil(60s, [&] { return reflector.stats().watches >= 3; }))
      << "watches: " << reflector.stats().watches;
  EXPECT_EQ(reflector.stats().lists.load(), 1u) << "a cut watch resumes; it does not list";
  // And the resumed watch still delivers.
  Put("late", "x");
  EXPECT_TRUE(testing::WaitUntil(30s, [&] { return Cached(sink.cache(), "late") == "x"; }));
}

TEST(ReflectorBlockedForTest, GrowsWhileARequestHangsAndIsZeroBetweenRequests) {
  baton::testing::SilentListener silent;
  ClientConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(silent.port());
  config.source = "test";
  RestClientOptions client_options;
  client_options.request_timeout = 3s;
  RestClient client(config, client_options);
  LossyCache sink;
  ReflectorOptions options;
  options.min_backoff = 2s;
  options.max_backoff = 2s;
  Reflector reflector(client, resources::kConfigMaps, "default", options, sink);
  EXPECT_EQ(reflector.BlockedFor(std::chrono::steady_clock::now()).count(), 0);
  std::jthread run([&](std::stop_token stop) { reflector.Run(stop); });
  std::this_thread::sleep_for(2s);
  const auto blocked = reflector.BlockedFor(std::chrono::steady_clock::now());
  EXPECT_GE(blocked, 1500ms) << "the hanging list is not seen as blocked";
  EXPECT_LT(blocked, 3500ms);
  // After the 3 s request deadline the reflector waits out its 2 s backoff:
  // between requests, not blocked.
  ASSERT_TRUE(testing::WaitUntil(
      5s, [&] { return reflector.BlockedFor(std::chrono::steady_clock::now()).count() == 0; }));
  EXPECT_GE(reflector.stats().errors.load(), 1u);
}

}  // namespace
}  // namespace baton::kube
