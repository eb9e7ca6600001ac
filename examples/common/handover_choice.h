#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "host_port.h"
#include "serving_directory.h"

namespace baton::examples {

// Where a draining relay sends each session it moves: a pod of the serving
// directory other than itself, drawn by the directory's weights
// (uniformly when none is above 0), and never a pod that is full. "Full"
// counts what this relay already sent there since the directory was
// published, because the directory's load hints lag: a pod that reported
// 18,990 sessions of a 19,000 capacity takes 10 more from us, not 1,000.
class HandoverChoice {
 public:
  explicit HandoverChoice(std::uint64_t seed) : rng_(seed) {}

  // A new directory version: its counts replace what we sent so far.
  void SetDirectory(const ServingDirectory& directory, const HostPort& self);
  bool known() const { return known_; }

  // The pod name to put in MOVE, or nullopt when no other pod has room: the
  // session must stay here (and keep counting) rather than be sent to a
  // full relay.
  std::optional<std::string> Next();

 private:
  struct Candidate {
    std::string pod;
    long weight = 0;
    std::optional<long> room;  // capacity - sessions - sent; nullopt: capacity unknown
  };
  std::vector<Candidate> candidates_;
  bool known_ = false;
  std::mt19937_64 rng_;
};

}  // namespace baton::examples
