#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::examples {

// One ready, non-draining pod in the serving directory (docs/drain-protocol.md).
struct DirectoryEndpoint {
  std::string pod;
  std::string address;
  int port = 0;
  // Last published count; nullopt when the directory has none (unknown, never 0).
  std::optional<long> sessions;
  std::string revision;
  // Steering (docs/drain-protocol.md): the share of new sessions and
  // reconnects this pod should take; nullopt when the directory has none.
  std::optional<long> weight;
  // Sessions the pod can hold, when it reports it (nullopt: unknown, never 0).
  std::optional<long> capacity;
};

struct ServingDirectory {
  std::string tier;
  std::string ns;
  std::string revision;
  std::string updated_at;
  std::vector<DirectoryEndpoint> endpoints;
};

// nullopt when the text is not a directory (readers keep their last good one).
std::optional<ServingDirectory> ParseServingDirectory(std::string_view json_text);

// A directory file that may be replaced at any time (a projected ConfigMap
// swaps a symlink), re-read when its identity, size or mtime change.
class ServingDirectoryFile {
 public:
  explicit ServingDirectoryFile(std::string path) : path_(std::move(path)) {}

  // True when a new, valid version was loaded by this call.
  bool Refresh();
  const std::optional<ServingDirectory>& current() const { return current_; }
  // When the file that gave current() was last modified (µs since the epoch; 0 before one).
  std::int64_t current_mtime_unix_us() const { return current_mtime_unix_us_; }

 private:
  struct Stamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    timespec mtime{};
  };

  std::string path_;
  std::optional<Stamp> seen_;
  std::optional<ServingDirectory> current_;
  std::int64_t current_mtime_unix_us_ = 0;
};

}  // namespace baton::examples
