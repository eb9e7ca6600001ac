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

}  // namespace
}  // namespace baton::examples
