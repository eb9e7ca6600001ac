#include "load_report.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

LoadReport Clean() {
  SequenceLedger ledger;
  auto seq = ledger.NextSend("a");
  ledger.OnAck("a", seq);
  ledger.OnDelivered("a", seq);
  ReconnectStats reconnects;
  reconnects.Record(std::chrono::milliseconds(5), std::chrono::microseconds(1500));
  LoadReport r = BuildLoadReport(10, reconnects, ledger);
  r.established = 10;
  r.moves = 1;
  return r;
}

TEST(LoadReport, CleanRunIsLossFree) {
  LoadReport r = Clean();
  EXPECT_TRUE(r.LossFree());
  EXPECT_EQ(r.moves_completed, 1u);
  EXPECT_EQ(r.max_reconnects_per_100ms, 1u);
  EXPECT_DOUBLE_EQ(r.reconnect_p99_ms, 1.5);
  auto j = r.ToJson();
  EXPECT_EQ(j["lossFree"], true);
  EXPECT_EQ(j["messages"]["acked"], 1);
  EXPECT_EQ(j["reconnectP50Ms"], 1.5);
  EXPECT_TRUE(j["sessionsPerRelay"].empty());
  r.sessions_per_relay = {{"127.0.0.1:7000", 6}, {"127.0.0.2:7000", 4}};
  EXPECT_EQ(r.ToJson()["sessionsPerRelay"]["127.0.0.2:7000"], 4);
  EXPECT_NE(r.Summary().find(" OK"), std::string::npos);
}

TEST(LoadReport, AnyLossBreaksIt) {
  auto check = [](void (*spoil)(LoadReport&)) {
    LoadReport r = Clean();
    spoil(r);
    EXPECT_FALSE(r.LossFree());
    EXPECT_EQ(r.ToJson()["lossFree"], false);
    EXPECT_NE(r.Summary().find("LOSS"), std::string::npos);
  };
  check([](LoadReport& r) { r.sessions_lost = 1; });
  check([](LoadReport& r) { r.sessions_failed = 1; });
  check([](LoadReport& r) { r.established = 9; });
  check([](LoadReport& r) { r.messages.lost = 1; });
  check([](LoadReport& r) { r.messages.duplicated = 1; });
  check([](LoadReport& r) { r.messages.unanswered = 1; });
  check([](LoadReport& r) { r.messages.unexpected = 1; });
}

TEST(LoadReport, RoundTripsThroughJsonWithItsSamples) {
  LoadReport r = Clean();
  r.started_unix_us = 1765135801000000;
  r.sessions_per_relay = {{"127.0.0.1:7000", 10}};
  r.directory_sightings.push_back({"2026-12-07T19:30:01.250000Z", 1, 2, {"relay-a"}});
  auto back = LoadReportFromJson(nlohmann::json::parse(r.ToJson().dump()));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->ToJson(), r.ToJson());
}

TEST(LoadReport, RefusesAReportWithoutItsSamples) {
  auto j = Clean().ToJson();
  j.erase("reconnectSamplesUs");
  EXPECT_FALSE(LoadReportFromJson(j));
  j = Clean().ToJson();
  j["messages"].erase("lost");
  EXPECT_FALSE(LoadReportFromJson(j));
  j = Clean().ToJson();
  j["sessionsLost"] = -1;
  EXPECT_FALSE(LoadReportFromJson(j));
}

TEST(LoadReport, MergedReportsAddUpAndAlignTheirReconnects) {
  using std::chrono::milliseconds;
  LoadReport a = Clean();  // one reconnect at 5 ms, 1.5 ms long
  a.started_unix_us = 1000000;
  a.seconds = 10;
  a.sessions_per_relay = {{"r1", 6}, {"r2", 4}};
  LoadReport b = Clean();
  b.started_unix_us = 1050000;  // 50 ms later
  b.seconds = 10;
  b.sessions_lost = 1;
  b.sessions_per_relay = {{"r2", 5}, {"r3", 5}};
  b.reconnects = ReconnectStats();
  for (int i = 0; i < 99; ++i) b.reconnects.Record(milliseconds(i), std::chrono::microseconds(900));
  b.directory_sightings.push_back({"t", 1, 2, {}});

  LoadReport m = MergeLoadReports({a, b});
  EXPECT_EQ(m.sessions, 20u);
  EXPECT_EQ(m.established, 20u);
  EXPECT_EQ(m.sessions_lost, 1u);
  EXPECT_EQ(m.moves, 2u);
  EXPECT_EQ(m.messages.acked, 2u);
  EXPECT_EQ(m.sessions_per_relay,
            (std::map<std::string, std::uint64_t>{{"r1", 6}, {"r2", 9}, {"r3", 5}}));
  EXPECT_EQ(m.started_unix_us, 1000000);
  EXPECT_DOUBLE_EQ(m.seconds, 10.05);
  EXPECT_EQ(m.moves_completed, 100u);
  // b's reconnects began 50..148 ms after a's start: 50 of them, and a's,
  // fall in [0, 100 ms).
  EXPECT_EQ(m.max_reconnects_per_100ms, 51u);
  EXPECT_EQ(m.max_reconnects_per_second, 100u);
  EXPECT_DOUBLE_EQ(m.reconnect_p50_ms, 0.9);
  EXPECT_DOUBLE_EQ(m.reconnect_p99_ms, 0.9);
  EXPECT_DOUBLE_EQ(m.reconnect_p50_ms, MergeLoadReports({b, a}).reconnect_p50_ms);
  EXPECT_EQ(m.directory_sightings.size(), 1u);
  EXPECT_FALSE(m.LossFree());
  EXPECT_TRUE(MergeLoadReports({a, a}).LossFree());
}

}  // namespace
}  // namespace baton::examples
