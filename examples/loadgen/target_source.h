#pragma once

#include <optional>
#include <string>
#include <vector>

#include "host_port.h"
#include "serving_directory.h"
#include "target_picker.h"

namespace baton::examples::loadgen {

// Where request load goes: the serving directory file (re-read when it
// changes; a bad version is ignored) or a fixed list.
class TargetSource {
 public:
  TargetSource(std::string directory_path, std::vector<HostPort> fixed);

  // Re-reads the directory if it changed; true when the targets changed.
  bool Refresh();
  const std::vector<Target>& targets() const { return targets_; }

 private:
  std::optional<ServingDirectoryFile> directory_;
  std::vector<Target> targets_;
};

}  // namespace baton::examples::loadgen
