// The two things issue 6 says the relay and load generator must show, run
// with the real binaries on loopback: a paced drain loses nothing, and a
// SIGTERM loses exactly what the relay says it held.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "child_process.h"
#include "relay_process.h"

namespace baton::examples::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RelayDrain, FiveThousandSessionsDrainAtPaceWithNothingLost) {
  constexpr long kSessions = 5000;
  constexpr double kPace = 1000;
  TempDir dir;
  RelayProcess old_relay("127.77.1.1", dir.path() + "/relay-a");
  ASSERT_TRUE(old_relay.started()) << old_relay.process().Stderr();
  dir.WriteAtomically("directory.json", DirectoryJson({{"relay-a", &old_relay}}));

  std::string report = dir.path() + "/report.json";
  ChildProcess loadgen(
      LOADGEN_BIN,
      {"--directory", dir.path() + "/directory.json", "--sessions", std::to_string(kSessions),
       "--rate", "2000", "--duration", "90", "--settle", "5", "--report", report},
      dir.path() + "/loadgen");
  ASSERT_EQ(old_relay.WaitForSessions(kSessions, /*exact=*/true, seconds(30)), kSessions)
      << loadgen.Stderr();
  ASSERT_TRUE(loadgen.WaitForLine("established", seconds(5)));

  // The surge pod comes up and the directory stops listing the old one, as
  // Baton publishes it once the drain starts.
  RelayProcess new_relay("127.77.1.2", dir.path() + "/relay-b");
  ASSERT_TRUE(new_relay.started()) << new_relay.process().Stderr();
  dir.WriteAtomically("directory.json", DirectoryJson({{"relay-b", &new_relay}}));
  std::this_thread::sleep_for(milliseconds(300));  // loadgen re-reads every 100 ms

  nlohmann::json start = {{"pace", kPace},
                          {"deadline", DrainDeadlineIn(seconds(60))},
                          {"successor", "relay-b"},
                          {"reason", "rollout to revision 2"}};
  auto began = std::chrono::steady_clock::now();
  DrainAnswer started = old_relay.Post("start", start.dump());
  ASSERT_EQ(started.status, 200);
  EXPECT_EQ(started.body["state"], "Draining");
  EXPECT_EQ(started.body["drain"]["successor"], "relay-b");

  long left = old_relay.WaitForSessions(0, /*exact=*/false, seconds(20));
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  ASSERT_EQ(left, 0);
  std::printf("drain of %ld sessions at %.0f/s took %.2f s\n", kSessions, kPace, took);
  // 5000 at 1000/s: about 5 s (the first 10 ms worth may go at once).
  EXPECT_GT(took, 4.5);
  EXPECT_LT(took, 7.0);
  DrainAnswer drained = old_relay.Get();
  EXPECT_EQ(drained.body["state"], "Drained");
  EXPECT_EQ(new_relay.WaitForSessions(kSessions, /*exact=*/true, seconds(10)), kSessions);

  // Keep traffic flowing across the new placement for a moment, then stop.
  std::this_thread::sleep_for(milliseconds(500));
  loadgen.Signal(SIGINT);
  auto code = loadgen.Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  std::printf("%s", loadgen.Stdout().c_str());
  EXPECT_EQ(*code, 0) << loadgen.Stdout() << loadgen.Stderr();

  nlohmann::json r = ReadReport(report);
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["established"], kSessions);
  EXPECT_EQ(r["sessionsLost"], 0);
  EXPECT_EQ(r["sessionsFailed"], 0);
  EXPECT_EQ(r["moves"], kSessions);
  EXPECT_EQ(r["movesCompleted"], kSessions);
  EXPECT_LE(r["maxReconnectsPer100ms"].get<double>(), 1.2 * kPace / 10);
  EXPECT_GT(r["messages"]["acked"].get<long>(), 5000);
  EXPECT_EQ(r["messages"]["lost"], 0);
  EXPECT_EQ(r["messages"]["duplicated"], 0);
  EXPECT_EQ(r["messages"]["unanswered"], 0);
  EXPECT_EQ(r["messages"]["unexpected"], 0);
  EXPECT_EQ(r["lossFree"], true);

  old_relay.process().Signal(SIGTERM);
  ASSERT_TRUE(old_relay.process().Wait(seconds(10)).has_value());
  EXPECT_TRUE(old_relay.process().WaitForLine("relay: SIGTERM with 0 sessions", seconds(1)));
}

TEST(RelayDrain, SigtermCutsExactlyTheSessionsTheRelayReports) {
  constexpr long kSessions = 3000;
  TempDir dir;
  RelayProcess doomed("127.77.2.1", dir.path() + "/relay-a");
  RelayProcess survivor("127.77.2.2", dir.path() + "/relay-b");
  ASSERT_TRUE(doomed.started() && survivor.started());
  std::string report = dir.path() + "/report.json";
  ChildProcess loadgen(LOADGEN_BIN,
                       {"--targets", doomed.session_address() + "," + survivor.session_address(),
                        "--sessions", std::to_string(kSessions), "--rate", "1000", "--duration",
                        "60", "--settle", "3", "--report", report, "--allow-loss"},
                       dir.path() + "/loadgen");
  ASSERT_TRUE(loadgen.WaitForLine("established", seconds(30))) << loadgen.Stderr();
  long held = doomed.WaitForSessions(kSessions / 2, /*exact=*/true, seconds(5));
  ASSERT_EQ(held, kSessions / 2);

  doomed.process().Signal(SIGTERM);
  ASSERT_TRUE(doomed.process().Wait(seconds(10)).has_value());
  auto line = doomed.process().WaitForLine("relay: SIGTERM with", seconds(1));
  ASSERT_TRUE(line);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*line, m, std::regex(R"(SIGTERM with ([0-9]+) sessions)")));
  long logged = std::stol(m[1]);
  EXPECT_EQ(logged, held);

  // The cut clients come back on the survivor, as real ones would.
  EXPECT_EQ(survivor.WaitForSessions(kSessions, /*exact=*/true, seconds(15)), kSessions);
  loadgen.Signal(SIGINT);
  auto code = loadgen.Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  std::printf("relay logged: %s\n%s", line->c_str(), loadgen.Stdout().c_str());
  EXPECT_EQ(*code, 0) << "--allow-loss was given";
  nlohmann::json r = ReadReport(report);
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["sessionsLost"].get<long>(), logged);
  EXPECT_EQ(r["reconnectsAfterLoss"].get<long>(), logged);
  EXPECT_EQ(r["moves"], 0);
  EXPECT_EQ(r["lossFree"], false);
}

// Baton deletes a draining pod once it is at or below the tier's
// sessionThreshold; the relay then moves the few left at once instead of
// cutting them, so a threshold > 0 still loses nothing.
TEST(RelayDrain, SigtermWhileDrainingHandsOverTheRestAtOnce) {
  constexpr long kSessions = 400;
  constexpr long kThreshold = 50;
  TempDir dir;
  RelayProcess old_relay("127.77.4.1", dir.path() + "/relay-a");
  RelayProcess new_relay("127.77.4.2", dir.path() + "/relay-b");
  ASSERT_TRUE(old_relay.started() && new_relay.started());
  dir.WriteAtomically("directory.json", DirectoryJson({{"relay-a", &old_relay}}));
  std::string report = dir.path() + "/report.json";
  ChildProcess loadgen(
      LOADGEN_BIN,
      {"--directory", dir.path() + "/directory.json", "--sessions", std::to_string(kSessions),
       "--rate", "400", "--duration", "60", "--settle", "3", "--report", report},
      dir.path() + "/loadgen");
  ASSERT_EQ(old_relay.WaitForSessions(kSessions, /*exact=*/true, seconds(20)), kSessions);
  ASSERT_TRUE(loadgen.WaitForLine("established", seconds(5)));
  dir.WriteAtomically("directory.json", DirectoryJson({{"relay-b", &new_relay}}));
  std::this_thread::sleep_for(milliseconds(300));

  // A slow pace: the count takes seconds to reach the threshold.
  nlohmann::json start = {{"pace", 100}, {"deadline", DrainDeadlineIn(seconds(60))}};
  ASSERT_EQ(old_relay.Post("start", start.dump()).status, 200);
  long left = old_relay.WaitForSessions(kThreshold, /*exact=*/false, seconds(20));
  ASSERT_LE(left, kThreshold);
  ASSERT_GT(left, 0) << "the test needs sessions left at SIGTERM";

  old_relay.process().Signal(SIGTERM);
  ASSERT_TRUE(old_relay.process().Wait(seconds(10)).has_value());
  auto held_line = old_relay.process().WaitForLine("relay: SIGTERM with", seconds(1));
  auto handed_line = old_relay.process().WaitForLine("relay: handed over", seconds(1));
  ASSERT_TRUE(held_line && handed_line) << old_relay.process().Stdout();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*held_line, m, std::regex(R"(SIGTERM with ([0-9]+) sessions)")));
  long held = std::stol(m[1]);
  EXPECT_LE(held, kThreshold);
  EXPECT_NE(handed_line->find(", cut 0"), std::string::npos) << *handed_line;

  EXPECT_EQ(new_relay.WaitForSessions(kSessions, /*exact=*/true, seconds(10)), kSessions);
  loadgen.Signal(SIGINT);
  auto code = loadgen.Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  std::printf("%s\n%s\n%s", held_line->c_str(), handed_line->c_str(), loadgen.Stdout().c_str());
  EXPECT_EQ(*code, 0) << loadgen.Stdout();
  nlohmann::json r = ReadReport(report);
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["sessionsLost"], 0);
  EXPECT_EQ(r["messages"]["lost"], 0);
  EXPECT_EQ(r["messages"]["duplicated"], 0);
}

// Issue 20: a draining relay never hands a session to a full relay. What no
// relay has room for stays on it, counted, so Baton (which deletes a pod only
// at or below the threshold) holds the drain instead of cutting them.
TEST(RelayDrain, NeverHandsASessionToAFullRelayAndKeepsWhatHasNoRoom) {
  constexpr long kSessions = 300;
  constexpr long kRoom = 100;
  TempDir dir;
  RelayProcess old_relay("127.77.5.1", dir.path() + "/relay-a",
                         {"--directory", dir.path() + "/relay-directory.json"});
  RelayProcess new_relay("127.77.5.2", dir.path() + "/relay-b");
  ASSERT_TRUE(old_relay.started() && new_relay.started());
  // The check-in side (the load generator's file) only ever lists what serves.
  dir.WriteAtomically("directory.json", DirectoryJson({{"relay-a", &old_relay}}));
  std::string report = dir.path() + "/report.json";
  ChildProcess loadgen(
      LOADGEN_BIN,
      {"--directory", dir.path() + "/directory.json", "--sessions", std::to_string(kSessions),
       "--rate", "300", "--duration", "60", "--settle", "3", "--report", report},
      dir.path() + "/loadgen");
  ASSERT_EQ(old_relay.WaitForSessions(kSessions, /*exact=*/true, seconds(20)), kSessions);
  ASSERT_TRUE(loadgen.WaitForLine("established", seconds(5)));
  dir.WriteAtomically("directory.json", DirectoryJson({{"relay-b", &new_relay}}));

  // What the draining relay reads: relay-b reports 900 of a 1,000 capacity.
  auto relay_directory = [&](long sessions, long capacity) {
    nlohmann::json d = nlohmann::json::parse(DirectoryJson({{"relay-b", &new_relay}}));
    d["endpoints"][0]["sessions"] = sessions;
    d["endpoints"][0]["capacity"] = capacity;
    d["endpoints"][0]["weight"] = 1;
    dir.WriteAtomically("relay-directory.json", d.dump());
  };
  relay_directory(900, 900 + kRoom);
  std::this_thread::sleep_for(milliseconds(300));

  nlohmann::json start = {{"pace", 1000}, {"deadline", DrainDeadlineIn(seconds(60))}};
  ASSERT_EQ(old_relay.Post("start", start.dump()).status, 200);
  // Exactly the room moves; the rest stays and keeps counting.
  EXPECT_EQ(new_relay.WaitForSessions(kRoom, /*exact=*/true, seconds(10)), kRoom);
  ASSERT_TRUE(old_relay.process().WaitForLine("relay: holding", seconds(5)))
      << old_relay.process().Stdout();
  std::this_thread::sleep_for(milliseconds(1500));  // 1,500 sessions' worth of pace
  DrainAnswer held = old_relay.Get();
  EXPECT_EQ(held.body["sessions"], kSessions - kRoom);
  EXPECT_EQ(held.body["state"], "Draining");
  EXPECT_EQ(new_relay.Get().body["sessions"], kRoom);

  // A new directory version with room: the rest moves.
  relay_directory(kRoom, 1000);
  EXPECT_EQ(old_relay.WaitForSessions(0, /*exact=*/true, seconds(10)), 0);
  EXPECT_EQ(new_relay.WaitForSessions(kSessions, /*exact=*/true, seconds(10)), kSessions);

  loadgen.Signal(SIGINT);
  auto code = loadgen.Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << loadgen.Stdout();
  nlohmann::json r = ReadReport(report);
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["sessionsLost"], 0);
  EXPECT_EQ(r["moves"], kSessions);
  EXPECT_EQ(r["messages"]["lost"], 0);
}

TEST(RelayDrain, LoadgenExitsNonZeroOnLossWithoutAllowLoss) {
  TempDir dir;
  RelayProcess relay("127.77.3.1", dir.path() + "/relay");
  ASSERT_TRUE(relay.started());
  ChildProcess loadgen(LOADGEN_BIN,
                       {"--targets", relay.session_address(), "--sessions", "50", "--rate", "100",
                        "--duration", "30", "--settle", "1"},
                       dir.path() + "/loadgen");
  ASSERT_TRUE(loadgen.WaitForLine("established", seconds(10)));
  relay.process().Signal(SIGTERM);
  ASSERT_TRUE(relay.process().Wait(seconds(10)).has_value());
  loadgen.Signal(SIGINT);
  auto code = loadgen.Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1) << loadgen.Stdout();
  EXPECT_NE(loadgen.Stdout().find("lost=50 "), std::string::npos) << loadgen.Stdout();
}

}  // namespace
}  // namespace baton::examples::testing
