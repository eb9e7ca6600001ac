// CPU the operator's drain monitor spends following N drain endpoints: the
// real DrainMonitor over the real HTTP drain client, reading pod IPs
// 127.1.x.y (--net) on loopback (served by bench/drain_responder, a separate process,
// so its CPU is not counted here). Serving pods' counts sit still, so after
// the back-off (poll, 2 x, 4 x ...) they are read every --rest-ms to twice
// that, as baton-operator reads them (--serving-read-seconds). Prints user+sys CPU of this process
// over the measured window, reads done, and CPU per read. A benchmark: it prints, it does not
// judge.
//
//   bench_drain_fanout --endpoints 1000 --port 9090 [--poll-ms 5000]
//                      [--warmup-s 90] [--measure-s 60] [--rest-ms 30000]
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "drain/drain_client.h"
#include "drain/drain_monitor.h"

namespace {

using namespace baton::drain;

// Counts reads on their way through, so CPU can be put per read.
class CountingDrainClient final : public DrainClient {
 public:
  explicit CountingDrainClient(DrainClient& inner) : inner_(inner) {}
  void Read(const DrainEndpoint& ep, const LongPoll& poll,
            std::function<void(DrainReading)> done) override {
    inner_.Read(ep, poll, [this, done = std::move(done)](DrainReading r) {
      (r.known ? known_ : unknown_).fetch_add(1);
      done(std::move(r));
    });
  }
  DrainReading Start(const DrainEndpoint& ep, const DrainRequest& req) override {
    return inner_.Start(ep, req);
  }
  DrainReading Cancel(const DrainEndpoint& ep) override { return inner_.Cancel(ep); }
  void Forget(const DrainEndpoint& ep) override { inner_.Forget(ep); }

  std::atomic<uint64_t> known_{0}, unknown_{0};

 private:
  DrainClient& inner_;
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

long RssKiB() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof(line), f))
    if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  std::fclose(f);
  return kib;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"drain monitor fan-out: CPU to follow N drain endpoints"};
  int endpoints = 1000, port = 9090, poll_ms = 5000, warmup_s = 90, measure_s = 60;
  int rest_ms = 30000;
  std::string net = "127.1";
  app.add_option("--endpoints", endpoints)->check(CLI::Range(1, 60000));
  app.add_option("--port", port);
  app.add_option("--poll-ms", poll_ms, "read interval per serving pod (tier default: 5 s)");
  app.add_option("--warmup-s", warmup_s);
  app.add_option("--measure-s", measure_s);
  app.add_option("--rest-ms", rest_ms, "serving reads at rest (baton-operator: 30 s)");
  app.add_option("--net", net, "first two octets of the pod IPs (a /16 in 127.0.0.0/8)");
  CLI11_PARSE(app, argc, argv);

  auto http = MakeHttpDrainClient();
  CountingDrainClient client(*http);
  std::atomic<uint64_t> changes{0};
  DrainMonitorOptions options;
  options.rest_interval = std::chrono::milliseconds(rest_ms);
  DrainMonitor monitor(
      client, [&](const std::string&) { changes.fetch_add(1); }, options);
  for (int i = 0; i < endpoints; ++i) {
    FollowSpec spec;
    spec.endpoint.host = net + "." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    spec.endpoint.port = port;
    spec.poll_interval = std::chrono::milliseconds(poll_ms);
    monitor.Track("bench/pod-" + std::to_string(i), spec);
  }
  std::this_thread::sleep_for(std::chrono::seconds(warmup_s));
  const double cpu0 = CpuSeconds();
  const uint64_t reads0 = client.known_ + client.unknown_;
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(measure_s));
  const double cpu = CpuSeconds() - cpu0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const uint64_t reads = client.known_ + client.unknown_ - reads0;
  monitor.Stop();
  std::printf(
      "drain fan-out: %d endpoints, poll %d ms, rest %d ms: %.2f CPU-s in %.1f s (%.1f%% of a "
      "core), "
      "%llu reads (%.0f/s, %llu unknown total), %.1f µs CPU/read, RSS %ld KiB\n",
      endpoints, poll_ms, rest_ms, cpu, wall, 100 * cpu / wall,
      static_cast<unsigned long long>(reads), static_cast<double>(reads) / wall,
      static_cast<unsigned long long>(client.unknown_.load()),
      reads ? 1e6 * cpu / static_cast<double>(reads) : 0.0, RssKiB());
  std::printf(
      "{\"endpoints\":%d,\"pollMs\":%d,\"restMs\":%d,\"cpuSeconds\":%.3f,\"wallSeconds\":%.2f,"
      "\"coreFraction\":%.4f,\"reads\":%llu,\"unknownReads\":%llu,\"cpuMicrosPerRead\":%.1f,"
      "\"rssKiB\":%ld}\n",
      endpoints, poll_ms, rest_ms, cpu, wall, cpu / wall, static_cast<unsigned long long>(reads),
      static_cast<unsigned long long>(client.unknown_.load()),
      reads ? 1e6 * cpu / static_cast<double>(reads) : 0.0, RssKiB());
  return 0;
}
