#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "host_port.h"
#include "http_client_pool.h"
#include "operation_report.h"
#include "shard_routes.h"
#include "target_source.h"

namespace baton::examples::loadgen {

struct RegistryLoadOptions {
  std::string directory_path;     // serving directory file, or
  std::vector<HostPort> targets;  // fixed registry addresses
  long users = 1000;              // in all, or
  long users_per_shard = 0;       // exactly this many on every shard (when > 0)
  double rate = 2000;             // operations per second, all workers together
  double write_fraction = 0.1;    // share of operations that re-register a user
  int workers = 4;
  std::chrono::milliseconds duration{10000};
  // An operation that is not answered right within this long has failed.
  std::chrono::milliseconds give_up{10000};
  std::string user_prefix = "u";
};

// Drives a sharded session registry (examples/session) the way relays do:
// registers users on the shard that owns each (learning every address's
// shard from its /info), then looks them up and re-registers some,
// continuously, checking every answer against what it last wrote. A lookup
// that misses or answers a stale relay is a failure; an unreachable shard
// is retried until give_up.
class RegistryLoad {
 public:
  explicit RegistryLoad(RegistryLoadOptions options);

  // Runs for the duration or until SIGINT/SIGTERM (which the caller blocked).
  // nullopt with error() on a setup failure.
  std::optional<OperationReport> Run();
  const std::string& error() const { return error_; }

 private:
  struct User {
    std::string name;
    int shard = 0;
    std::string relay;  // what was last written
    std::uint64_t writes = 0;
  };
  enum class Outcome { kOk, kWrong, kFailed };

  bool Discover();
  void RefreshRoutes();
  bool Register(OperationReport& report);
  void Work(int worker, OperationReport& report);
  Outcome Lookup(const User& user, OperationReport& report);
  Outcome Write(User& user, OperationReport& report);

  RegistryLoadOptions options_;
  std::string error_;
  TargetSource source_;
  HttpClientPool clients_;
  int shards_ = 0;
  std::vector<User> users_;
  std::mutex mu_;  // guards routes_ and shard_of_
  std::optional<ShardRoutes> routes_;
  std::map<std::string, int> shard_of_;  // "pod@address" -> shard, from /info
  std::atomic<bool> stop_{false};
};

}  // namespace baton::examples::loadgen
