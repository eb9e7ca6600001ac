// analysis::PrometheusQuery against the real Prometheus server scraping real
// relays on loopback: the relay's counters come back as one number, and every
// other answer (no series, several, a bad query, no server, a silent one) is
// unknown with its reason.
#include "analysis/prometheus_query.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "child_process.h"
#include "prometheus_process.h"
#include "relay_process.h"
#include "silent_listener.h"

namespace baton::analysis::testing {
namespace {

using examples::testing::ChildProcess;
using examples::testing::RelayProcess;
using examples::testing::TempDir;
using std::chrono::seconds;

// Asks until the answer is known (Prometheus needs a few scrapes), bounded.
MetricSample QueryUntilKnown(PrometheusQuery& q, const std::string& promql, seconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  MetricSample s = q.Query(promql);
  while (!s.known && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    s = q.Query(promql);
  }
  return s;
}

TEST(PrometheusQueryIntegration, ReadsTheRelaysCountersThroughARealPrometheus) {
  TempDir dir;
  RelayProcess good("127.77.21.1", dir.path() + "/good");
  RelayProcess bad("127.77.21.2", dir.path() + "/bad", {"--drop-message-share", "0.3"});
  ASSERT_TRUE(good.started() && bad.started());
  PrometheusProcess prometheus(dir.path(),
                               {{{good.host() + ":" + std::to_string(good.drain_port())}, "1"},
                                {{bad.host() + ":" + std::to_string(bad.drain_port())}, "2"}});
  ASSERT_EQ(prometheus.error(), "");
  ChildProcess loadgen(
      LOADGEN_BIN,
      {"--targets", good.session_address() + "," + bad.session_address(), "--sessions", "100",
       "--rate", "400", "--duration", "60", "--settle", "1", "--allow-loss"},
      dir.path() + "/loadgen");
  ASSERT_TRUE(loadgen.WaitForLine("established", seconds(30))) << loadgen.Stderr();

  PrometheusQuery q({prometheus.base_url()});
  MetricSample relayed =
      QueryUntilKnown(q, R"(relay_messages_relayed_total{revision="1"})", seconds(30));
  ASSERT_TRUE(relayed.known) << relayed.error;
  EXPECT_GT(relayed.value, 0);

  // The canary's drop share, as a bake would ask it; rate() needs two
  // scrapes of a counter that moved.
  const std::string share = R"(sum(rate(relay_messages_dropped_total{revision="2"}[10s])) / )"
                            R"((sum(rate(relay_messages_relayed_total{revision="2"}[10s])) + )"
                            R"(sum(rate(relay_messages_dropped_total{revision="2"}[10s]))))";
  MetricSample dropped = QueryUntilKnown(q, share, seconds(30));
  ASSERT_TRUE(dropped.known) << dropped.error;
  EXPECT_NEAR(dropped.value, 0.3, 0.05);
  MetricSample stable = QueryUntilKnown(
      q, R"(sum(rate(relay_messages_dropped_total{revision="1"}[10s])))", seconds(10));
  ASSERT_TRUE(stable.known) << stable.error;
  EXPECT_EQ(stable.value, 0);

  MetricSample none = q.Query(R"(relay_messages_relayed_total{revision="none"})");
  EXPECT_FALSE(none.known);
  EXPECT_EQ(none.error, "no series");
  MetricSample two = q.Query("relay_messages_relayed_total");
  EXPECT_FALSE(two.known);
  EXPECT_EQ(two.error, "2 series, want 1");
  MetricSample scalar = q.Query("scalar(sum(relay_sessions))");
  ASSERT_TRUE(scalar.known) << scalar.error;
  EXPECT_EQ(scalar.value, 100);
  MetricSample malformed = q.Query("sum(");
  EXPECT_FALSE(malformed.known);
  EXPECT_EQ(malformed.error.rfind("HTTP 400: bad_data: ", 0), 0u) << malformed.error;
  loadgen.Signal(SIGINT);
  EXPECT_TRUE(loadgen.Wait(seconds(30)).has_value());
}

TEST(PrometheusQueryIntegration, NoServerOrASilentOneIsUnknownWithinTheTimeout) {
  int closed_port = 0;
  {
    baton::testing::SilentListener gone;  // bound, then closed: nothing listens
    closed_port = gone.port();
  }
  PrometheusQuery refused({"http://127.0.0.1:" + std::to_string(closed_port)});
  MetricSample r = refused.Query("up");
  EXPECT_FALSE(r.known);
  EXPECT_EQ(r.error.rfind("connect: ", 0), 0u) << r.error;

  baton::testing::SilentListener silent;
  PrometheusQuery hanging(
      {"http://127.0.0.1:" + std::to_string(silent.port()), std::chrono::milliseconds(500)});
  auto began = std::chrono::steady_clock::now();
  MetricSample h = hanging.Query("up");
  auto took = std::chrono::steady_clock::now() - began;
  EXPECT_FALSE(h.known);
  EXPECT_FALSE(h.error.empty());
  EXPECT_LT(took, seconds(3)) << "bounded by the 500 ms timeout";
}

}  // namespace
}  // namespace baton::analysis::testing
