// A tiny process that contends for a Lease, for the two-process leader
// election test. Prints one line per transition, flushed at once:
//   LEADING <identity>     this process became the leader
//   STOPPED <identity>     it stopped leading (lost or released)
//   LEADER <identity>      the observed holder changed
//   EXIT <led-and-stopped-cleanly 0|1>
// Usage: lease_contender KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_S RENEW_MS RETRY_MS
// SIGTERM stops it cleanly (releasing the lease).
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <stop_token>
#include <string>
#include <thread>

#include "kube/config.h"
#include "kube/leader_elector.h"
#include "kube/rest_client.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) {
  g_stop = true;
}

void Say(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s KUBECONFIG NS LEASE IDENTITY LEASE_S RENEW_MS RETRY_MS\n",
                 argv[0]);
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  const std::string identity = argv[4];
  baton::kube::RestClientOptions options;
  // Each attempt must end well within the renew deadline.
  options.request_timeout = std::chrono::milliseconds(std::atoi(argv[7]));
  options.retry.max_retries = 0;
  baton::kube::RestClient client(baton::kube::LoadKubeconfig(argv[1]), options);

  baton::kube::LeaderElectionConfig config;
  config.lease_duration = std::chrono::seconds(std::atoi(argv[5]));
  config.renew_deadline = std::chrono::milliseconds(std::atoi(argv[6]));
  config.retry_period = std::chrono::milliseconds(std::atoi(argv[7]));
  config.on_started_leading = [&] { Say("LEADING " + identity); };
  config.on_stopped_leading = [&] { Say("STOPPED " + identity); };
  config.on_new_leader = [](const std::string& who) { Say("LEADER " + who); };
  baton::kube::LeaderElector elector(baton::kube::LeaseLock(client, argv[2], argv[3], identity),
                                     config);

  std::stop_source stop;
  std::thread watcher([&] {
    while (!g_stop && !stop.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop.request_stop();
  });
  const bool clean = elector.Run(stop.get_token());
  stop.request_stop();
  watcher.join();
  Say(std::string("EXIT ") + (clean ? "1" : "0"));
  return 0;
}
