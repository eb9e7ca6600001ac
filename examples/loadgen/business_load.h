#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "host_port.h"
#include "http_client_pool.h"
#include "operation_report.h"
#include "target_source.h"

namespace baton::examples::loadgen {

struct BusinessLoadOptions {
  std::string directory_path;     // serving directory file, or
  std::vector<HostPort> targets;  // fixed business pod addresses
  double rate = 500;              // requests per second, all workers together
  double read_fraction = 0.5;     // share of GETs (the rest POST a message)
  int rooms = 20;
  long delay_ms = 0;  // asks the server to hold every request this long
  int workers = 8;
  std::chrono::milliseconds duration{10000};
  std::chrono::milliseconds give_up{10000};
  std::string user_prefix = "u";
};

// Drives the business tier (examples/business): posts messages to chat rooms
// and reads them back, on pods from the serving directory. A 503 (draining)
// or a refused connection is retried on another pod; a request that was sent
// and never answered (cut mid-flight) or answered with an error has failed.
class BusinessLoad {
 public:
  explicit BusinessLoad(BusinessLoadOptions options);

  std::optional<OperationReport> Run();
  const std::string& error() const { return error_; }

 private:
  void Work(int worker, OperationReport& report);
  // True when answered 2xx in the end.
  bool Request(bool read, const std::string& room, const std::string& body, OperationReport& report,
               std::uint64_t& rng_state);
  std::vector<HostPort> Targets();

  BusinessLoadOptions options_;
  std::string error_;
  TargetSource source_;
  HttpClientPool clients_;
  std::mutex mu_;  // guards source_
  std::atomic<bool> stop_{false};
};

}  // namespace baton::examples::loadgen
