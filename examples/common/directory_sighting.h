#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "serving_directory.h"

namespace baton::examples {

// A reader's first sight of one version of the serving directory: what it
// needs to tell how long Baton's write took to reach it (updatedAt, written
// by Baton; the file's mtime, when the ConfigMap projection replaced it; the
// moment the reader loaded it) and whether who takes sessions changed.
struct DirectorySighting {
  std::string updated_at;
  std::int64_t file_mtime_unix_us = 0;
  std::int64_t seen_unix_us = 0;
  // Pods a reader may send sessions to: weight above 0, or no weight given.
  std::vector<std::string> taking;

  nlohmann::json ToJson() const;
  static std::optional<DirectorySighting> FromJson(const nlohmann::json& j);
};

// The pods of `directory` that take sessions (docs/drain-protocol.md): all
// of them when none has a weight above 0, else those with one.
std::vector<std::string> PodsTakingSessions(const ServingDirectory& directory);

}  // namespace baton::examples
