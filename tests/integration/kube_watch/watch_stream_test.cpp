// One watch request against the real apiserver: events as they happen,
// resume strictly after a resourceVersion, the server's timeout ending a
// quiet watch cleanly, cancellation mid-response, and 410 for a version
// that is too old.
#include "kube/watch_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "kube/api_error.h"
#include "kube_watch_fixture.h"

namespace baton::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::MakeClient;

class WatchStreamTest : public baton::testing::ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    client_ = MakeClient();
  }
  json CreateConfigMap(const std::string& name, const std::string& value) {
    return client_->Create(resources::kConfigMaps, ns(),
                           {{"metadata", {{"name", name}}}, {"data", {{"v", value}}}});
  }
  std::unique_ptr<RestClient> client_;
};

TEST_F(WatchStreamTest, ResumesStrictlyAfterTheGivenResourceVersion) {
  auto first = CreateConfigMap("a", "1");
  CreateConfigMap("b", "1");
  CreateConfigMap("c", "1");
  WatchOptions options;
  options.resource_version = ResourceVersionOf(first);
  options.timeout = 5s;
  WatchStream stream(*client_, resources::kConfigMaps, ns(), options);
  std::vector<std::string> seen;
  std::thread canceller;
  stream.Run([&](WatchEvent&& e) {
    if (e.type == WatchEventType::Bookmark) return;
    seen.push_back(std::string(WatchEventTypeName(e.type)) + " " +
                   e.object["metadata"]["name"].get<std::string>());
    if (seen.size() == 2) canceller = std::thread([&] { stream.Cancel(); });
  });
  if (canceller.joinable()) canceller.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED b", "ADDED c"}));
}

TEST_F(WatchStreamTest, CancelClosesTheWatchMidResponse) {
  WatchOptions options;
  options.timeout = 60s;
  WatchStream stream(*client_, resources::kConfigMaps, ns(), options);
  std::atomic<int> events{0};
  auto run =
      std::async(std::launch::async, [&] { return stream.Run([&](WatchEvent&&) { ++events; }); });
  // The response is streaming (an event arrives), then the watch is cancelled.
  CreateConfigMap("x", "1");
  ASSERT_TRUE(testing::WaitUntil(10s, [&] { return events.load() >= 1; }));
  const auto t0 = std::chrono::steady_clock::now();
  stream.Cancel();
  ASSERT_EQ(run.wait_for(5s), std::future_status::ready) << "Cancel did not close the watch";
  EXPECT_EQ(run.get(), WatchEnd::Cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST_F(WatchStreamTest, CancelBeforeRunReturnsAtOnce) {
  WatchStream stream(*client_, resources::kConfigMaps, ns(), {});
  stream.Cancel();
  EXPECT_EQ(stream.Run([](WatchEvent&&) {}), WatchEnd::Cancelled);
}

TEST_F(WatchStreamTest, AQuietWatchIsEndedByTheServerNotCutByTheClient) {
  // Nothing happens in this namespace; the server ends the watch after its
  // timeoutSeconds and the client's read timeout (timeout + 30 s) does not
  // fire first.
  auto list = client_->List(resources::kConfigMaps, ns());
  WatchOptions options;
  options.resource_version = ResourceVersionOf(list);
  options.timeout = 3s;
  options.allow_bookmarks = false;
  WatchStream stream(*client_, resources::kConfigMaps, ns(), options);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(stream.Run([](WatchEvent&&) {}), WatchEnd::ServerClosed);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 2500ms);
  EXPECT_LT(took, 15s);
}

TEST_F(WatchStreamTest, AReadTimeoutShorterThanTheQuietPeriodIsATransportError) {
  auto list = client_->List(resources::kConfigMaps, ns());
  WatchOptions options;
  options.resource_version = ResourceVersionOf(list);
  options.timeout = 30s;
  options.allow_bookmarks = false;
  options.read_timeout = 1500ms;  // deliberately wrong: shows why the default is longer
  WatchStream stream(*client_, resources::kConfigMaps, ns(), options);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(stream.Run([](WatchEvent&&) {}), TransportError);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

TEST_F(WatchStreamTest, ATooOldResourceVersionIsGone) {
  // Version 1 is long gone from the watch cache (or etcd, without it).
  WatchOptions options;
  options.resource_version = "1";
  options.timeout = 10s;
  WatchStream stream(*client_, resources::kConfigMaps, ns(), options);
  try {
    stream.Run([](WatchEvent&&) {});
    FAIL() << "watch from resourceVersion 1 was accepted";
  } catch (const ApiError& e) {
    EXPECT_TRUE(IsGone(e)) << e.code() << " " << e.status_reason() << " " << e.message();
  }
}

TEST_F(WatchStreamTest, AnUnknownResourceIsAnApiError) {
  WatchStream stream(*client_, Resource{"baton.dev", "v9", "nothings", true}, ns(), {});
  try {
    stream.Run([](WatchEvent&&) {});
    FAIL() << "watch of an unknown resource succeeded";
  } catch (const ApiError& e) {
    EXPECT_TRUE(IsNotFound(e)) << e.what();
  }
}

}  // namespace
}  // namespace baton::kube
