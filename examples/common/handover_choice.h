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
// directory other than itself with room (pod_room.h), drawn by the
// directory's weights (uniformly when no pod has a weight above 0). Never a
// pod that is full, nor one whose count is unknown (it may be full), nor one
// of weight 0 while another pod has weight. Room counts what
// this relay already sent there since the directory was published, because
// the directory's load hints lag: a pod that reported 18,990 sessions of a
// 19,000 capacity takes 10 more from us, not 1,000.
class HandoverChoice {
 public:
  explicit HandoverChoice(std::uint64_t seed) : rng_(seed) {}

  // A new directory version: its counts replace what we sent so far.
  void SetDirectory(const ServingDirectory& directory, const HostPort& self);
  bool known() const { return known_; }
  // The directory lists this relay itself as serving: it was published
  // before Baton marked this relay draining, so its weights do not count
  // this drain (the pod meant to take its sessions may not be in it yet).
  bool lists_self() const { return lists_self_; }

  // The pod name to put in MOVE, or nullopt when no pod the directory steers
  // to has room we know of: the session stays here (and keeps counting, so
  // Baton holds the drain) rather than be sent to a relay that is, or may
  // be, full, or to one that drains later (it would move again).
  std::optional<std::string> Next();

 private:
  struct Candidate {
    std::string pod;
    long weight = 0;
    std::optional<long> sessions;  // as published; nullopt: unknown
    std::optional<long> capacity;  // nullopt: not reported
    long sent = 0;                 // by us since this directory version
  };
  std::vector<Candidate> candidates_;
  bool known_ = false;
  bool lists_self_ = false;
  std::mt19937_64 rng_;
};

}  // namespace baton::examples
