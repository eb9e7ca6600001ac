#include "prometheus_process.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace baton::analysis::testing {
namespace {

// A port free now on 127.0.0.1 (Prometheus cannot report one it picked).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

}  // namespace

PrometheusProcess::PrometheusProcess(const std::string& dir,
                                     const std::vector<ScrapeGroup>& groups) {
  const char* binary = std::getenv("BATON_PROMETHEUS");
  if (binary == nullptr || *binary == '\0') {
    error_ = "BATON_PROMETHEUS is not set (scripts/build-gotools builds it; scripts/test sets it)";
    return;
  }
  port_ = FreePort();
  {
    std::ofstream config(dir + "/prometheus.yml");
    config << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
           << "scrape_configs:\n- job_name: relay\n  scrape_interval: 1s\n"
           << "  scrape_timeout: 1s\n  static_configs:\n";
    for (const ScrapeGroup& g : groups) {
      config << "  - targets: [";
      for (std::size_t i = 0; i < g.targets.size(); ++i) {
        config << (i ? ", " : "") << "'" << g.targets[i] << "'";
      }
      config << "]\n    labels: {revision: '" << g.revision << "'}\n";
    }
  }
  process_ = std::make_unique<examples::testing::ChildProcess>(
      binary,
      std::vector<std::string>{"--config.file=" + dir + "/prometheus.yml",
                               "--storage.tsdb.path=" + dir + "/data",
                               "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
      dir + "/prometheus");
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(2, 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto r = client.Get("/-/ready"); r && r->status == 200) return;
    if (process_->Wait(std::chrono::milliseconds(0))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  error_ = "prometheus not ready within 30 s; its log:\n" + process_->Stderr();
}

}  // namespace baton::analysis::testing
