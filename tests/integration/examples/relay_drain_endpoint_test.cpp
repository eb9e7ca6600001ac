// The drain contract (docs/drain-protocol.md) as the real relay serves it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "child_process.h"
#include "relay_process.h"

namespace baton::examples::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const char* kStart = R"({"pace": 10, "deadline": "2030-01-01T00:00:00Z", "reason": "test"})";

// True if a TCP connection to host:port is accepted.
bool Connects(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

TEST(RelayDrainEndpoint, ReadReportsProtocolInstanceVersionAndState) {
  TempDir dir;
  RelayProcess a("127.77.4.1", dir.path() + "/a", {"--version", "v7"});
  RelayProcess b("127.77.4.1", dir.path() + "/b");
  ASSERT_TRUE(a.started() && b.started());
  DrainAnswer read = a.Get();
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.body["protocol"], "baton.dev/drain/v1");
  EXPECT_EQ(read.body["version"], "v7");
  EXPECT_EQ(read.body["sessions"], 0);
  EXPECT_EQ(read.body["state"], "Serving");
  EXPECT_FALSE(read.body.contains("drain"));
  std::string id = read.body["instanceId"];
  EXPECT_EQ(id.size(), 32u);
  EXPECT_NE(id, b.Get().body["instanceId"]) << "every process start gets its own id";
}

// A connection whose client never said HELLO is not a session: a TCP
// readiness probe (kubelet's, the pod runner's) made a relay read one above
// what it held while the probe was connected (seen as 951 on a relay of 950
// by the steering e2e test, which allows no relay above what it held).
TEST(RelayDrainEndpoint, AConnectionWithoutHelloIsNotASession) {
  TempDir dir;
  RelayProcess relay("127.77.4.9", dir.path() + "/relay");
  ASSERT_TRUE(relay.started());
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(relay.session_port()));
  inet_pton(AF_INET, "127.77.4.9", &addr.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::this_thread::sleep_for(milliseconds(300));  // accepted by the session loop
  EXPECT_EQ(relay.Get().body["sessions"], 0);
  const std::string hello = "HELLO probe-user\n";
  ASSERT_EQ(send(fd, hello.data(), hello.size(), 0), static_cast<ssize_t>(hello.size()));
  EXPECT_EQ(relay.WaitForSessions(1, /*exact=*/true, seconds(5)), 1) << "after HELLO it is one";
  close(fd);
  EXPECT_EQ(relay.WaitForSessions(0, /*exact=*/true, seconds(5)), 0);
}

// A second process cannot take a drain port that is in use: with
// cpp-httplib's default SO_REUSEPORT it could, and the two would answer each
// other's drain calls (seen when two test runs' pod addresses overlapped).
TEST(RelayDrainEndpoint, ASecondProcessCannotShareTheDrainPort) {
  TempDir dir;
  RelayProcess first("127.77.4.7", dir.path() + "/first");
  ASSERT_TRUE(first.started());
  RelayProcess second("127.77.4.7", dir.path() + "/second",
                      {"--drain-port", std::to_string(first.drain_port())});
  EXPECT_FALSE(second.started()) << "both processes listen on the drain port";
}

TEST(RelayDrainEndpoint, LongPollWaitsForTheTimeoutWhenNothingChanges) {
  TempDir dir;
  RelayProcess relay("127.77.4.2", dir.path() + "/relay");
  ASSERT_TRUE(relay.started());
  auto t0 = std::chrono::steady_clock::now();
  DrainAnswer a = relay.Get("?waitMs=400&lastSessions=0");
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(a.status, 200);
  EXPECT_GE(took, 0.38);
  EXPECT_LT(took, 2.0);
  // Below the threshold already: answers at once.
  t0 = std::chrono::steady_clock::now();
  a = relay.Get("?waitMs=5000&lastSessions=0&threshold=0");
  took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(took, 1.0);
  EXPECT_EQ(relay.Get("?waitMs=abc").status, 400);
}

TEST(RelayDrainEndpoint, LongPollAnswersWhenTheStateChanges) {
  TempDir dir;
  RelayProcess relay("127.77.4.3", dir.path() + "/relay");
  ASSERT_TRUE(relay.started());
  auto t0 = std::chrono::steady_clock::now();
  std::thread starter([&] {
    std::this_thread::sleep_for(milliseconds(300));
    relay.Post("start", kStart);
  });
  DrainAnswer a = relay.Get("?waitMs=10000&lastSessions=0");
  starter.join();
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(a.body["state"], "Drained");
  EXPECT_LT(took, 3.0);
}

TEST(RelayDrainEndpoint, StartIsIdempotentUpdatesPaceAndRejectsBadBodies) {
  TempDir dir;
  RelayProcess relay("127.77.4.4", dir.path() + "/relay");
  ASSERT_TRUE(relay.started());
  EXPECT_EQ(relay.Post("start", "{").status, 400);
  EXPECT_EQ(relay.Post("start", R"({"pace": 0, "deadline": "2030-01-01T00:00:00Z"})").status, 400);
  EXPECT_EQ(relay.Post("start", R"({"pace": 5, "deadline": "tomorrow"})").status, 400);
  EXPECT_EQ(relay.Get().body["state"], "Serving") << "a 400 changes nothing";

  DrainAnswer first = relay.Post("start", kStart);
  ASSERT_EQ(first.status, 200);
  std::this_thread::sleep_for(milliseconds(1100));  // startedAt has 1 s resolution
  DrainAnswer again = relay.Post("start", kStart);
  EXPECT_EQ(again.body["drain"], first.body["drain"]);
  DrainAnswer faster =
      relay.Post("start", R"({"pace": 50, "deadline": "2030-01-01T00:00:00Z", "reason": "test"})");
  EXPECT_EQ(faster.body["drain"]["pace"], 50.0);
  EXPECT_EQ(faster.body["drain"]["startedAt"], first.body["drain"]["startedAt"]);
}

TEST(RelayDrainEndpoint, DrainStopsAcceptingAndCancelAcceptsAgain) {
  TempDir dir;
  RelayProcess relay("127.77.4.5", dir.path() + "/relay");
  RelayProcess other("127.77.4.6", dir.path() + "/other");
  ASSERT_TRUE(relay.started() && other.started());
  dir.WriteAtomically("directory.json", DirectoryJson({{"relay", &relay}, {"other", &other}}));
  std::string report = dir.path() + "/report.json";
  ChildProcess loadgen(LOADGEN_BIN,
                       {"--directory", dir.path() + "/directory.json", "--sessions", "200",
                        "--rate", "200", "--duration", "30", "--settle", "3", "--report", report},
                       dir.path() + "/loadgen");
  ASSERT_EQ(relay.WaitForSessions(100, true, seconds(10)), 100);
  ASSERT_EQ(relay.Post("start", kStart).status, 200);
  EXPECT_FALSE(Connects(relay.host(), relay.session_port()));
  std::this_thread::sleep_for(milliseconds(500));  // about 5 clients move at 10/s
  ASSERT_EQ(relay.Post("cancel", "").status, 200);
  DrainAnswer read = relay.Get();
  EXPECT_EQ(read.body["state"], "Serving");
  EXPECT_FALSE(read.body.contains("drain"));
  long kept = relay.WaitForSessions(0, false, milliseconds(300));
  EXPECT_GT(kept, 80);
  EXPECT_LT(kept, 100) << "some clients moved before the cancel";
  EXPECT_TRUE(Connects(relay.host(), relay.session_port()));
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(relay.Get().body["sessions"], kept) << "no more moves after the cancel";
  loadgen.Signal(SIGINT);
  auto code = loadgen.Wait(seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << loadgen.Stdout();
}

TEST(RelayDrainEndpoint, BearerTokenGuardsEveryCall) {
  TempDir dir;
  {
    std::ofstream token(dir.path() + "/token");
    token << "s3cret\n";
  }
  RelayProcess relay("127.77.4.7", dir.path() + "/relay", {},
                     {"--drain-token-file", dir.path() + "/token"});
  ASSERT_TRUE(relay.started());
  EXPECT_EQ(relay.Get().status, 401);
  EXPECT_EQ(relay.Get("", "wrong").status, 401);
  EXPECT_EQ(relay.Post("start", kStart, "wrong").status, 401);
  EXPECT_EQ(relay.Post("start", kStart).status, 401);
  DrainAnswer read = relay.Get("", "s3cret");
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.body["state"], "Serving") << "refused starts changed nothing";
  EXPECT_EQ(relay.Post("start", kStart, "s3cret").status, 200);
}

TEST(RelayDrainEndpoint, RelayRefusesToStartWithoutAWayToAuthenticateCallers) {
  // No token file, no TokenReview identity and no explicit opt-out: an
  // endpoint anyone could drain is not served by default (issue 18).
  TempDir dir;
  for (const std::vector<std::string>& auth :
       {std::vector<std::string>{},
        // The audience Baton sets in the environment is not a choice either.
        std::vector<std::string>{"--drain-audience", "baton.dev/drain/ns/RelayTier/relay"}}) {
    std::vector<std::string> args = {"--host", "127.77.4.9", "--max-sessions", "100"};
    args.insert(args.end(), auth.begin(), auth.end());
    ChildProcess relay(RELAY_BIN, args, dir.path() + "/relay");
    auto code = relay.Wait(seconds(10));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 2);
    EXPECT_NE(relay.Stderr().find("--drain-allow-unauthenticated"), std::string::npos)
        << relay.Stderr();
    EXPECT_EQ(relay.Stdout().find("relay: listening"), std::string::npos) << relay.Stdout();
  }
}

TEST(RelayDrainEndpoint, WithTheOptOutEveryCallerIsAccepted) {
  TempDir dir;
  RelayProcess relay("127.77.4.10", dir.path() + "/relay", {}, {"--drain-allow-unauthenticated"});
  ASSERT_TRUE(relay.started());
  EXPECT_EQ(relay.Get().status, 200);
  EXPECT_EQ(relay.Post("start", kStart).status, 200);
}

TEST(RelayDrainEndpoint, RelayRefusesToStartWithoutEnoughDescriptors) {
  TempDir dir;
  ChildProcess relay(
      RELAY_BIN,
      {"--host", "127.77.4.8", "--max-sessions", "100000000", "--drain-allow-unauthenticated"},
      dir.path() + "/relay");
  auto code = relay.Wait(seconds(10));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(relay.Stderr().find("RLIMIT_NOFILE"), std::string::npos) << relay.Stderr();
}

}  // namespace
}  // namespace baton::examples::testing
