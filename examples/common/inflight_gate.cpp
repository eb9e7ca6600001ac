#include "inflight_gate.h"

namespace baton::examples {

std::optional<InFlightGate::Ticket> InFlightGate::Enter() {
  {
    std::lock_guard lock(mu_);
    drain_.SetSessions(++in_flight_);
  }
  if (drain_.Read().draining()) {
    Leave();
    return std::nullopt;
  }
  return Ticket(this);
}

void InFlightGate::Leave() {
  std::lock_guard lock(mu_);
  drain_.SetSessions(--in_flight_);
}

long InFlightGate::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

}  // namespace baton::examples
