// The business tier's drain (issue 7): refuse new requests, finish the ones
// in flight, report 0 only after the last one; with the real business and
// loadgen binaries on loopback.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "child_process.h"
#include "workload_process.h"

namespace baton::examples::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

WorkloadProcess Pod(const std::string& host, const std::string& log,
                    const std::vector<std::string>& extra = {}) {
  return WorkloadProcess(BUSINESS_BIN, "business", "http", host, log, extra);
}

std::string StartBody() {
  return nlohmann::json{{"pace", 100}, {"deadline", DrainDeadlineIn(seconds(60))}}.dump();
}

struct SlowRequest {
  int status = 0;
  Clock::time_point done;
};

// POSTs a message that the server holds for `delay` before answering.
void PostSlow(const WorkloadProcess& pod, milliseconds delay, SlowRequest& out) {
  httplib::Client client(pod.host(), pod.serve_port());
  client.set_read_timeout(30, 0);
  auto r = client.Post(("/rooms/lobby/messages?delayMs=" + std::to_string(delay.count())).c_str(),
                       R"({"from":"alice","text":"hello"})", "application/json");
  out.status = r ? r->status : 0;
  out.done = Clock::now();
}

TEST(BusinessDrain, InFlightRequestsFinishAndOnlyThenTheCountIsZero) {
  TempDir dir;
  WorkloadProcess pod = Pod("127.77.13.1", dir.path() + "/pod");
  ASSERT_TRUE(pod.started()) << pod.process().Stderr();

  std::vector<SlowRequest> slow(3);
  std::vector<std::jthread> clients;  // joined even when an assertion returns early
  auto sent = Clock::now();
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back([&, i] { PostSlow(pod, milliseconds(1000 * (i + 1)), slow[i]); });
  }
  ASSERT_EQ(pod.WaitForSessions(3, /*exact=*/true, seconds(5)), 3);

  DrainAnswer started = pod.Post("start", StartBody());
  ASSERT_EQ(started.status, 200);
  EXPECT_EQ(started.body["state"], "Draining");
  EXPECT_EQ(started.body["sessions"], 3);

  // A new request is refused at once, telling the client to go elsewhere.
  httplib::Client client(pod.host(), pod.serve_port());
  auto refused = client.Get("/rooms/lobby/messages");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  EXPECT_EQ(pod.Get().body["sessions"], 3) << "a refused request is not counted";

  // The count falls one by one as the requests finish: 2, 1, then 0.
  std::vector<long> seen;
  long last = 3;
  while (last > 0) {
    DrainAnswer a = pod.Get("?waitMs=5000&lastSessions=" + std::to_string(last));
    ASSERT_EQ(a.status, 200);
    last = a.body["sessions"].get<long>();
    seen.push_back(last);
    if (last == 0) {
      EXPECT_EQ(a.body["state"], "Drained");
    }
  }
  auto zero_at = Clock::now();
  for (auto& t : clients) t.join();
  EXPECT_EQ(seen, (std::vector<long>{2, 1, 0}));
  for (const auto& s : slow) EXPECT_EQ(s.status, 201) << "every in-flight request completed";
  // Zero came only after the 3 s request was done.
  EXPECT_GE(zero_at - sent, milliseconds(2950));
  EXPECT_LE(slow[2].done, zero_at + milliseconds(200));

  // Cancel: serving again.
  ASSERT_EQ(pod.Post("cancel", "").status, 200);
  auto again = client.Get("/rooms/lobby/messages");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(nlohmann::json::parse(again->body)["messages"].size(), 3u);
}

// Runs the loadgen's business mode against the directory; the caller stops it.
std::unique_ptr<ChildProcess> BusinessLoad(const TempDir& dir, const std::string& report) {
  return std::make_unique<ChildProcess>(
      LOADGEN_BIN,
      std::vector<std::string>{"business", "--directory", dir.path() + "/directory.json", "--rate",
                               "100", "--delay-ms", "300", "--workers", "32", "--duration", "50",
                               "--report", report},
      dir.path() + "/loadgen");
}

TEST(BusinessDrain, LoadSeesNoFailedRequestAcrossADrain) {
  TempDir dir;
  WorkloadProcess old_pod = Pod("127.77.13.2", dir.path() + "/old");
  WorkloadProcess other = Pod("127.77.13.3", dir.path() + "/other");
  ASSERT_TRUE(old_pod.started() && other.started());
  dir.WriteAtomically("directory.json",
                      WorkloadDirectoryJson("business", {{"old", &old_pod}, {"other", &other}}));
  std::string report = dir.path() + "/report.json";
  auto loadgen = BusinessLoad(dir, report);
  ASSERT_TRUE(loadgen->WaitForLine("started", seconds(10)));
  // 32 workers, 300 ms each: the old pod has requests in flight.
  ASSERT_GT(old_pod.WaitForSessions(3, /*exact=*/false, seconds(1)), -1);
  std::this_thread::sleep_for(seconds(2));
  long in_flight = old_pod.Get().body["sessions"].get<long>();
  EXPECT_GT(in_flight, 0);

  // Baton: out of the directory, then drain.
  dir.WriteAtomically("directory.json", WorkloadDirectoryJson("business", {{"other", &other}}));
  ASSERT_EQ(old_pod.Post("start", StartBody()).status, 200);
  ASSERT_EQ(old_pod.WaitForSessions(0, false, seconds(10)), 0);
  old_pod.process().Signal(SIGTERM);
  ASSERT_EQ(old_pod.process().Wait(seconds(10)), 0);
  EXPECT_NE(old_pod.process().Stdout().find("while draining with 0 requests in flight, cut 0"),
            std::string::npos)
      << old_pod.process().Stdout();
  std::this_thread::sleep_for(seconds(1));

  loadgen->Signal(SIGINT);
  auto code = loadgen->Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  nlohmann::json r = ReadReport(report);
  std::printf("%s\n", loadgen->Stdout().c_str());
  EXPECT_EQ(*code, 0) << loadgen->Stdout() << loadgen->Stderr();
  EXPECT_EQ(r["failures"], 0);
  EXPECT_GT(r["reads"].get<long>() + r["writes"].get<long>(), 500);
}

TEST(BusinessDrain, SigtermWhileServingCutsRequestsInFlightAndLoadCountsThem) {
  // The negative case: no drain, a plain SIGTERM; the load must see failures.
  TempDir dir;
  WorkloadProcess pod = Pod("127.77.13.4", dir.path() + "/pod", {"--sigterm-grace", "0"});
  WorkloadProcess other = Pod("127.77.13.5", dir.path() + "/other");
  ASSERT_TRUE(pod.started() && other.started());
  dir.WriteAtomically("directory.json",
                      WorkloadDirectoryJson("business", {{"pod", &pod}, {"other", &other}}));
  std::string report = dir.path() + "/report.json";
  auto loadgen = BusinessLoad(dir, report);
  ASSERT_TRUE(loadgen->WaitForLine("started", seconds(10)));
  std::this_thread::sleep_for(seconds(2));
  pod.process().Signal(SIGTERM);
  ASSERT_TRUE(pod.process().Wait(seconds(10)).has_value());
  EXPECT_NE(pod.process().Stdout().find("while serving"), std::string::npos);
  std::this_thread::sleep_for(seconds(1));
  loadgen->Signal(SIGINT);
  auto code = loadgen->Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  nlohmann::json r = ReadReport(report);
  EXPECT_EQ(*code, 1) << loadgen->Stdout();
  EXPECT_GT(r["failures"].get<long>(), 0);
}

}  // namespace
}  // namespace baton::examples::testing
