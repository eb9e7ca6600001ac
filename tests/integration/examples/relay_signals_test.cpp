// The relay's signals for canary analysis (issue 23) with the real binaries
// on loopback: a bad version on purpose (--drop-message-share,
// --refuse-sessions-after-seconds, --exit-after-seconds), its verdict in the
// drain status, and GET /metrics.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "child_process.h"
#include "relay_process.h"

namespace baton::examples::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Metrics {
  int status = 0;
  std::string content_type;
  std::string body;
  std::map<std::string, double> values;  // unlabelled samples by name
};

Metrics ScrapeMetrics(const RelayProcess& relay) {
  httplib::Client client(relay.host(), relay.drain_port());
  client.set_read_timeout(5, 0);
  Metrics m;
  auto r = client.Get("/metrics");
  if (!r) return m;
  m.status = r->status;
  m.content_type = r->get_header_value("Content-Type");
  m.body = r->body;
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    m.values[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return m;
}

// A raw client connection: connect, optionally say HELLO, read what comes.
class RawClient {
 public:
  RawClient(const std::string& host, int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    timeval tv{3, 0};  // every read below is bounded
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawClient() { close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& line) {
    return send(fd_, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size());
  }
  // What the peer sent until it closed or 3 s passed; `closed` says which.
  std::string ReadSome(bool& closed) {
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  }

 private:
  int fd_;
  bool connected_ = false;
};

TEST(RelaySignals, AGoodRelayReportsAHealthyVerdictAndLosesNothing) {
  TempDir dir;
  RelayProcess relay("127.77.20.1", dir.path() + "/relay");
  ASSERT_TRUE(relay.started()) << relay.process().Stderr();
  DrainAnswer idle = relay.Get();
  ASSERT_EQ(idle.status, 200);
  EXPECT_EQ(idle.body["verdict"]["healthy"], true) << idle.body.dump();

  std::string report = dir.path() + "/report.json";
  ChildProcess loadgen(LOADGEN_BIN,
                       {"--targets", relay.session_address(), "--sessions", "100", "--rate", "500",
                        "--duration", "3", "--settle", "2", "--report", report},
                       dir.path() + "/loadgen");
  auto code = loadgen.Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << loadgen.Stdout() << loadgen.Stderr();
  nlohmann::json r = ReadReport(report);
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["messages"]["lost"], 0);

  DrainAnswer after = relay.Get();
  EXPECT_EQ(after.body["verdict"]["healthy"], true) << after.body.dump();
  Metrics m = ScrapeMetrics(relay);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.values["relay_messages_dropped_total"], 0);
  EXPECT_EQ(m.values["relay_sessions_refused_total"], 0);
  EXPECT_GT(m.values["relay_messages_relayed_total"], 500) << m.body;
}

TEST(RelaySignals, DroppedMessagesAreRealLossTheLoadgenSeesAndTheVerdictNames) {
  TempDir dir;
  RelayProcess relay("127.77.20.2", dir.path() + "/relay", {"--drop-message-share", "0.3"});
  ASSERT_TRUE(relay.started()) << relay.process().Stderr();
  std::string report = dir.path() + "/report.json";
  ChildProcess loadgen(LOADGEN_BIN,
                       {"--targets", relay.session_address(), "--sessions", "100", "--rate", "500",
                        "--duration", "4", "--settle", "2", "--report", report, "--allow-loss"},
                       dir.path() + "/loadgen");
  auto code = loadgen.Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << loadgen.Stdout() << loadgen.Stderr();
  nlohmann::json r = ReadReport(report);
  ASSERT_TRUE(r.is_object());
  Metrics m = ScrapeMetrics(relay);
  ASSERT_EQ(m.status, 200);
  double dropped = m.values["relay_messages_dropped_total"];
  double relayed = m.values["relay_messages_relayed_total"];
  ASSERT_GT(dropped + relayed, 1000) << m.body;
  // Exactly the messages the relay dropped were acknowledged and never arrived.
  EXPECT_EQ(r["messages"]["lost"].get<double>(), dropped) << r.dump();
  EXPECT_NEAR(dropped / (dropped + relayed), 0.3, 0.01);

  DrainAnswer read = relay.Get();
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.body["verdict"]["healthy"], false) << read.body.dump();
  std::string reason = read.body["verdict"]["reason"];
  std::smatch match;
  ASSERT_TRUE(std::regex_search(
      reason, match, std::regex(R"(^dropped ([0-9.]+)% of [0-9]+ messages in the last 10 s$)")))
      << reason;
  EXPECT_NEAR(std::stod(match[1]), 30, 1.5) << reason;
}

TEST(RelaySignals, AVerdictThresholdAboveTheDropShareStaysHealthy) {
  TempDir dir;
  RelayProcess relay("127.77.20.3", dir.path() + "/relay",
                     {"--drop-message-share", "0.05", "--verdict-max-drop-share", "0.5"});
  ASSERT_TRUE(relay.started()) << relay.process().Stderr();
  ChildProcess loadgen(LOADGEN_BIN,
                       {"--targets", relay.session_address(), "--sessions", "50", "--rate", "300",
                        "--duration", "2", "--settle", "1", "--allow-loss"},
                       dir.path() + "/loadgen");
  ASSERT_TRUE(loadgen.Wait(seconds(30)).has_value());
  DrainAnswer read = relay.Get();
  EXPECT_EQ(read.body["verdict"]["healthy"], true) << read.body.dump();
  EXPECT_GT(ScrapeMetrics(relay).values["relay_messages_dropped_total"], 0);
}

TEST(RelaySignals, RefusesNewSessionsAfterTheDelayAndSaysSo) {
  TempDir dir;
  RelayProcess relay("127.77.20.4", dir.path() + "/relay",
                     {"--refuse-sessions-after-seconds", "1"});
  ASSERT_TRUE(relay.started()) << relay.process().Stderr();
  RawClient early(relay.host(), relay.session_port());
  ASSERT_TRUE(early.connected());
  ASSERT_TRUE(early.Send("HELLO early\n"));
  bool closed = false;
  EXPECT_NE(early.ReadSome(closed).find("WELCOME"), std::string::npos);
  EXPECT_EQ(relay.Get().body["verdict"]["healthy"], true);

  ASSERT_TRUE(relay.process().WaitForLine("relay: refusing new sessions", seconds(5)));
  DrainAnswer refusing = relay.Get();
  EXPECT_EQ(refusing.body["verdict"]["healthy"], false) << refusing.body.dump();
  RawClient late(relay.host(), relay.session_port());
  ASSERT_TRUE(late.connected()) << "accepted, then closed";
  std::string got = late.ReadSome(closed);
  EXPECT_TRUE(closed) << "got: " << got;
  EXPECT_EQ(got, "");
  // The session from before stays; the refused one was never a session.
  EXPECT_EQ(relay.Get().body["sessions"], 1);
  for (int i = 0; i < 50 && ScrapeMetrics(relay).values["relay_sessions_refused_total"] < 1; ++i)
    std::this_thread::sleep_for(milliseconds(20));
  Metrics m = ScrapeMetrics(relay);
  EXPECT_EQ(m.values["relay_sessions_refused_total"], 1) << m.body;
  EXPECT_EQ(m.values["relay_sessions"], 1) << m.body;
  std::string reason = relay.Get().body["verdict"]["reason"];
  EXPECT_NE(reason.find("refused 1 sessions"), std::string::npos) << reason;
}

TEST(RelaySignals, ExitsWithCodeOneAfterTheDelay) {
  TempDir dir;
  auto began = std::chrono::steady_clock::now();
  RelayProcess relay("127.77.20.5", dir.path() + "/relay", {"--exit-after-seconds", "2"});
  ASSERT_TRUE(relay.started()) << relay.process().Stderr();
  RawClient client(relay.host(), relay.session_port());
  ASSERT_TRUE(client.Send("HELLO doomed\n"));
  auto code = relay.process().Wait(seconds(10));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_GE(std::chrono::steady_clock::now() - began, milliseconds(2000));
  EXPECT_TRUE(relay.process().WaitForLine(
      "relay: exiting with code 1 (--exit-after-seconds) with 1 sessions", seconds(1)))
      << relay.process().Stdout();
}

TEST(RelaySignals, MetricsNeedNoTokenWhileTheDrainEndpointDoes) {
  TempDir dir;
  dir.WriteAtomically("token", "s3cret\n");
  RelayProcess relay("127.77.20.6", dir.path() + "/relay", {},
                     {"--drain-token-file", dir.path() + "/token"});
  ASSERT_TRUE(relay.started()) << relay.process().Stderr();
  EXPECT_EQ(relay.Get().status, 401);
  EXPECT_EQ(relay.Get("", "s3cret").body["verdict"]["healthy"], true);
  Metrics m = ScrapeMetrics(relay);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
  for (const char* name : {"relay_sessions", "relay_messages_relayed_total",
                           "relay_messages_dropped_total", "relay_sessions_refused_total"}) {
    EXPECT_EQ(m.values.count(name), 1u) << name << "\n" << m.body;
    EXPECT_NE(m.body.find(std::string("# TYPE ") + name), std::string::npos) << name;
  }
  EXPECT_LT(m.body.size(), 4096u) << "bounded: four samples";
}

}  // namespace
}  // namespace baton::examples::testing
