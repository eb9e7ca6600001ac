#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "host_port.h"
#include "pod_room.h"
#include "serving_directory.h"

namespace baton::examples {

// A place a client may connect to: a pod name (empty with --targets) and address.
struct Target {
  std::string pod;
  HostPort address;
  // From the directory's steering fields; nullopt when it has none.
  std::optional<long> weight;
  Room room = Room::kOpen;  // as last published (pod_room.h)
};

std::vector<Target> TargetsFromDirectory(const ServingDirectory& directory);

// Chooses where a client connects, the way a check-in service would: the
// drain's successor hint when it names a known target with room, otherwise a
// target other than the one being left, drawn by the directory's weights
// (docs/drain-protocol.md); uniformly when no target has a weight above 0.
// Targets with room come first; only when none has, those whose count is
// unknown; only when none of those either, full ones (a client must connect
// somewhere: the relay then decides).
class TargetPicker {
 public:
  explicit TargetPicker(std::uint64_t seed) : rng_(seed) {}

  void SetTargets(std::vector<Target> targets) { targets_ = std::move(targets); }
  const std::vector<Target>& targets() const { return targets_; }

  // i-th initial placement: round-robin, so sessions spread evenly.
  std::optional<HostPort> Initial(std::uint64_t i) const;
  // After MOVE (hint may be empty) or a failure, leaving `avoid`.
  std::optional<HostPort> Next(const std::string& hint, const std::optional<HostPort>& avoid);

 private:
  std::vector<Target> targets_;
  std::mt19937_64 rng_;
};

}  // namespace baton::examples
