// The session registry's drain (issue 7): a shard hands its entries to the
// successor named in the drain request while lookups go on, with the real
// session and loadgen binaries on loopback.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "child_process.h"
#include "workload_process.h"

namespace baton::examples::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

WorkloadProcess Shard(const std::string& host, int shard, int shards, const std::string& log) {
  return WorkloadProcess(SESSION_BIN, "session", "registry", host, log,
                         {"--shard", std::to_string(shard), "--shards", std::to_string(shards)});
}

std::string Directory(const std::vector<std::pair<std::string, const WorkloadProcess*>>& pods) {
  return WorkloadDirectoryJson("sessions", pods);
}

nlohmann::json StartBody(double pace, const WorkloadProcess& successor) {
  return {{"pace", pace},
          {"deadline", DrainDeadlineIn(seconds(60))},
          {"successor", successor.serve_address()},
          {"reason", "rollout to revision 2"}};
}

// Runs the loadgen's registry mode against the directory; the caller stops it.
std::unique_ptr<ChildProcess> RegistryLoad(const TempDir& dir, long users_per_shard,
                                           const std::string& report) {
  return std::make_unique<ChildProcess>(
      LOADGEN_BIN,
      std::vector<std::string>{"registry", "--directory", dir.path() + "/directory.json",
                               "--users-per-shard", std::to_string(users_per_shard), "--rate",
                               "3000", "--write-fraction", "0.1", "--duration", "50", "--report",
                               report},
      dir.path() + "/loadgen");
}

TEST(SessionHandover, FiftyThousandEntriesMoveToTheSuccessorWithNoFailedLookup) {
  constexpr long kEntries = 50000;
  constexpr double kPace = 25000;
  TempDir dir;
  WorkloadProcess old_shard = Shard("127.77.10.1", 0, 2, dir.path() + "/s0-old");
  WorkloadProcess other = Shard("127.77.10.2", 1, 2, dir.path() + "/s1");
  ASSERT_TRUE(old_shard.started() && other.started()) << old_shard.process().Stderr();
  dir.WriteAtomically("directory.json", Directory({{"s0-old", &old_shard}, {"s1", &other}}));

  std::string report = dir.path() + "/report.json";
  auto loadgen = RegistryLoad(dir, kEntries, report);
  ASSERT_TRUE(loadgen->WaitForLine("registered", seconds(30))) << loadgen->Stderr();
  ASSERT_EQ(old_shard.Get().body["sessions"], kEntries) << "a shard holding 50,000 entries";

  // The successor of shard 0 comes up (Ready: listed beside the old pod).
  WorkloadProcess successor = Shard("127.77.10.3", 0, 2, dir.path() + "/s0-new");
  ASSERT_TRUE(successor.started()) << successor.process().Stderr();
  dir.WriteAtomically("directory.json",
                      Directory({{"s0-old", &old_shard}, {"s1", &other}, {"s0-new", &successor}}));
  std::this_thread::sleep_for(milliseconds(500));

  auto began = std::chrono::steady_clock::now();
  DrainAnswer started = old_shard.Post("start", StartBody(kPace, successor).dump());
  ASSERT_EQ(started.status, 200);
  EXPECT_EQ(started.body["state"], "Draining");
  EXPECT_EQ(started.body["drain"]["successor"], successor.serve_address());
  // Clients now find the successor in the directory, mid-handover.
  dir.WriteAtomically("directory.json", Directory({{"s0-new", &successor}, {"s1", &other}}));

  long left = old_shard.WaitForSessions(0, /*exact=*/false, seconds(20));
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  ASSERT_EQ(left, 0);
  std::printf("handover of %ld entries at %.0f/s took %.2f s\n", kEntries, kPace, took);
  // 50,000 at 25,000/s: about 2 s (1% of a second's worth may go at once).
  EXPECT_GT(took, 1.8);
  EXPECT_LT(took, 6.0);
  EXPECT_EQ(old_shard.Get().body["state"], "Drained");
  EXPECT_EQ(successor.Get().body["sessions"], kEntries) << "every entry arrived exactly once";

  // Lookups and writes keep going through the old pod (forwarding) and the
  // new one; then the old pod is deleted, as Baton does at 0.
  std::this_thread::sleep_for(seconds(1));
  old_shard.process().Signal(SIGTERM);
  ASSERT_EQ(old_shard.process().Wait(seconds(10)), 0);
  EXPECT_NE(old_shard.process().Stdout().find("handed over 0 entries at SIGTERM, left 0"),
            std::string::npos)
      << old_shard.process().Stdout();
  std::this_thread::sleep_for(seconds(1));

  loadgen->Signal(SIGINT);
  auto code = loadgen->Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  nlohmann::json r = ReadReport(report);
  std::printf("%s\n", loadgen->Stdout().c_str());
  EXPECT_EQ(*code, 0) << loadgen->Stdout() << loadgen->Stderr();
  EXPECT_EQ(r["setup"], 2 * kEntries);
  EXPECT_EQ(r["readsFailed"], 0);
  EXPECT_EQ(r["wrong"], 0);
  EXPECT_EQ(r["writesFailed"], 0);
  // The old pod knew its successor before the directory changed: the
  // registry itself answered every lookup, no client fallback needed.
  EXPECT_EQ(r["fallbacks"], 0);
  EXPECT_GT(r["reads"].get<long>(), 5000) << "lookups ran throughout the move";
}

TEST(SessionHandover, ClientsThatSwitchBeforeTheDrainStartsFallBackToThePreviousPod) {
  // Baton drops the old pod from the directory before it sends the drain
  // request: for that moment the successor does not know its predecessor.
  constexpr long kEntries = 5000;
  TempDir dir;
  WorkloadProcess old_shard = Shard("127.77.11.1", 0, 1, dir.path() + "/old");
  ASSERT_TRUE(old_shard.started());
  dir.WriteAtomically("directory.json", Directory({{"old", &old_shard}}));
  std::string report = dir.path() + "/report.json";
  auto loadgen = RegistryLoad(dir, kEntries, report);
  ASSERT_TRUE(loadgen->WaitForLine("registered", seconds(30))) << loadgen->Stderr();
  WorkloadProcess successor = Shard("127.77.11.2", 0, 1, dir.path() + "/new");
  ASSERT_TRUE(successor.started());
  dir.WriteAtomically("directory.json", Directory({{"new", &successor}}));
  std::this_thread::sleep_for(seconds(1));  // lookups miss at the successor meanwhile

  ASSERT_EQ(old_shard.Post("start", StartBody(5000, successor).dump()).status, 200);
  ASSERT_EQ(old_shard.WaitForSessions(0, false, seconds(10)), 0);
  EXPECT_EQ(successor.Get().body["sessions"], kEntries);
  old_shard.process().Signal(SIGTERM);
  ASSERT_EQ(old_shard.process().Wait(seconds(10)), 0);
  std::this_thread::sleep_for(milliseconds(500));
  loadgen->Signal(SIGINT);
  auto code = loadgen->Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  nlohmann::json r = ReadReport(report);
  EXPECT_EQ(*code, 0) << loadgen->Stdout() << loadgen->Stderr();
  EXPECT_EQ(r["readsFailed"], 0);
  EXPECT_EQ(r["wrong"], 0);
  EXPECT_GT(r["fallbacks"].get<long>(), 0) << "the misses before the drain went to the old pod";
}

TEST(SessionHandover, ASuccessorOfAnotherShardIsRefusedAndNothingLeaves) {
  TempDir dir;
  WorkloadProcess shard0 = Shard("127.77.12.1", 0, 2, dir.path() + "/s0");
  WorkloadProcess shard1 = Shard("127.77.12.2", 1, 2, dir.path() + "/s1");
  ASSERT_TRUE(shard0.started() && shard1.started());
  dir.WriteAtomically("directory.json", Directory({{"s0", &shard0}, {"s1", &shard1}}));
  std::string report = dir.path() + "/report.json";
  auto loadgen = RegistryLoad(dir, 1000, report);
  ASSERT_TRUE(loadgen->WaitForLine("registered", seconds(30))) << loadgen->Stderr();

  DrainAnswer started = shard0.Post("start", StartBody(1000, shard1).dump());
  ASSERT_EQ(started.status, 200);
  EXPECT_EQ(started.body["state"], "Draining");
  // Never 0: the entries have nowhere to go.
  EXPECT_EQ(shard0.WaitForSessions(999, false, seconds(2)), 1000);
  EXPECT_EQ(shard1.Get().body["sessions"], 1000) << "shard 1 took nothing of shard 0";
  EXPECT_NE(shard0.process().Stderr().find("refused the handover (status 409)"), std::string::npos)
      << shard0.process().Stderr();

  // Cancel: serving again, every entry still here and answered.
  ASSERT_EQ(shard0.Post("cancel", "").status, 200);
  EXPECT_EQ(shard0.Get().body["state"], "Serving");
  loadgen->Signal(SIGINT);
  auto code = loadgen->Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << loadgen->Stdout() << loadgen->Stderr();
}

TEST(SessionHandover, SigtermWhileDrainingHandsOverTheRestAtOnce) {
  TempDir dir;
  WorkloadProcess old_shard = Shard("127.77.12.3", 0, 1, dir.path() + "/old");
  WorkloadProcess successor = Shard("127.77.12.4", 0, 1, dir.path() + "/new");
  ASSERT_TRUE(old_shard.started() && successor.started());
  dir.WriteAtomically("directory.json", Directory({{"old", &old_shard}}));
  std::string report = dir.path() + "/report.json";
  auto loadgen = RegistryLoad(dir, 2000, report);
  ASSERT_TRUE(loadgen->WaitForLine("registered", seconds(30))) << loadgen->Stderr();
  // 100/s: after a second most of the 2,000 are still here.
  ASSERT_EQ(old_shard.Post("start", StartBody(100, successor).dump()).status, 200);
  dir.WriteAtomically("directory.json", Directory({{"new", &successor}}));
  std::this_thread::sleep_for(seconds(1));
  long held = old_shard.Get().body["sessions"].get<long>();
  EXPECT_GT(held, 1500);
  old_shard.process().Signal(SIGTERM);
  ASSERT_EQ(old_shard.process().Wait(seconds(10)), 0);
  EXPECT_NE(old_shard.process().Stdout().find("left 0"), std::string::npos)
      << old_shard.process().Stdout();
  EXPECT_EQ(successor.Get().body["sessions"], 2000);
  loadgen->Signal(SIGINT);
  auto code = loadgen->Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << loadgen->Stdout() << loadgen->Stderr();
}

TEST(SessionHandover, ASuccessorNamedBeforeTheDirectoryListsItIsLookedUpAgain) {
  // Baton names the successor by pod name; the pod's copy of the directory
  // may list it a moment after the drain request arrives.
  TempDir dir;
  WorkloadProcess old_shard(
      SESSION_BIN, "session", "registry", "127.77.12.5", dir.path() + "/old",
      {"--shard", "0", "--shards", "1", "--directory", dir.path() + "/directory.json"});
  WorkloadProcess successor = Shard("127.77.12.6", 0, 1, dir.path() + "/new");
  ASSERT_TRUE(old_shard.started() && successor.started());
  dir.WriteAtomically("directory.json", Directory({{"old", &old_shard}}));
  std::string report = dir.path() + "/report.json";
  auto loadgen = RegistryLoad(dir, 500, report);
  ASSERT_TRUE(loadgen->WaitForLine("registered", seconds(30))) << loadgen->Stderr();

  nlohmann::json body = StartBody(5000, successor);
  body["successor"] = "new";  // a pod name the directory does not list yet
  ASSERT_EQ(old_shard.Post("start", body.dump()).status, 200);
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(old_shard.Get().body["sessions"], 500) << "nowhere to go yet";
  dir.WriteAtomically("directory.json", Directory({{"old", &old_shard}, {"new", &successor}}));
  EXPECT_EQ(old_shard.WaitForSessions(0, true, seconds(10)), 0) << old_shard.process().Stderr();
  EXPECT_EQ(successor.Get().body["sessions"], 500);
  loadgen->Signal(SIGINT);
  auto code = loadgen->Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << loadgen->Stdout() << loadgen->Stderr();
}

}  // namespace
}  // namespace baton::examples::testing
