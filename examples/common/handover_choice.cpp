#include "handover_choice.h"

#include "pod_room.h"

namespace baton::examples {

void HandoverChoice::SetDirectory(const ServingDirectory& directory, const HostPort& self) {
  known_ = true;
  lists_self_ = false;
  candidates_.clear();
  for (const auto& e : directory.endpoints) {
    const bool is_self = HostPort{e.address, e.port} == self;
    lists_self_ = lists_self_ || is_self;
    if (is_self || e.pod.empty()) continue;
    candidates_.push_back(Candidate{e.pod, e.weight.value_or(0), e.sessions, e.capacity, 0});
  }
}

std::optional<std::string> HandoverChoice::Next() {
  std::vector<Candidate*> open;
  long total = 0;
  bool steered = false;  // some pod has weight > 0, whatever its room
  for (auto& c : candidates_) {
    steered = steered || c.weight > 0;
    const std::optional<long> held =
        c.sessions ? std::optional<long>(*c.sessions + c.sent) : std::nullopt;
    if (RoomOf(held, c.capacity) != Room::kOpen) continue;
    open.push_back(&c);
    total += c.weight;
  }
  // Baton steers to pods whose room we cannot vouch for (count unknown, or
  // full with what we sent): keep the session rather than send it to a
  // weight-0 pod, which drains later and would move it again.
  if (open.empty() || (total == 0 && steered)) return std::nullopt;
  Candidate* chosen = nullptr;
  if (total > 0) {
    long at = std::uniform_int_distribution<long>(0, total - 1)(rng_);
    for (Candidate* c : open) {
      at -= c->weight;
      if (at < 0) {
        chosen = c;
        break;
      }
    }
  } else {
    chosen = open[std::uniform_int_distribution<std::size_t>(0, open.size() - 1)(rng_)];
  }
  ++chosen->sent;
  return chosen->pod;
}

}  // namespace baton::examples
