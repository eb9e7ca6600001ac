#pragma once

#include <memory>
#include <string>
#include <vector>

#include "child_process.h"

namespace baton::analysis::testing {

// One static scrape target group: addresses and the labels they get.
struct ScrapeGroup {
  std::vector<std::string> targets;  // "host:port" of a relay's drain endpoint
  std::string revision;              // the `revision` label
};

// The real Prometheus server ($BATON_PROMETHEUS) on 127.0.0.1:<free port>,
// scraping the groups' /metrics every second, its storage and log in `dir`.
class PrometheusProcess {
 public:
  PrometheusProcess(const std::string& dir, const std::vector<ScrapeGroup>& groups);

  // Empty when it runs and answers /-/ready; else why not.
  const std::string& error() const { return error_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  examples::testing::ChildProcess& process() { return *process_; }

 private:
  int port_ = 0;
  std::string error_;
  std::unique_ptr<examples::testing::ChildProcess> process_;
};

}  // namespace baton::analysis::testing
