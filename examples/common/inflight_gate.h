#pragma once

#include <mutex>
#include <optional>

#include "drain_state.h"

namespace baton::examples {

// Admits requests while serving and counts the ones in flight into a
// DrainState, so that a draining request server reports 0 only when every
// admitted request has finished.
//
// A request is counted *before* the drain state is checked: a drain that
// starts in between then sees it counted (and the request is refused and
// uncounted again), so no reader ever sees a false 0 while an admitted
// request is still running.
class InFlightGate {
 public:
  explicit InFlightGate(DrainState& drain) : drain_(drain) {}
  InFlightGate(const InFlightGate&) = delete;
  InFlightGate& operator=(const InFlightGate&) = delete;

  // Held for the life of one admitted request.
  class Ticket {
   public:
    explicit Ticket(InFlightGate* gate) : gate_(gate) {}
    Ticket(Ticket&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() {
      if (gate_) gate_->Leave();
    }

   private:
    InFlightGate* gate_;
  };

  // nullopt while draining: the caller refuses the request.
  std::optional<Ticket> Enter();
  long in_flight() const;

 private:
  void Leave();

  DrainState& drain_;
  // Count and report change together, or two racing updates could publish
  // an older count last (a false 0).
  mutable std::mutex mu_;
  long in_flight_ = 0;
};

}  // namespace baton::examples
