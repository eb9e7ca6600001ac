// What the relay says about itself beyond its session count: its verdict
// over the last window (the drain contract's `verdict`) and its counters for
// GET /metrics. Written by the session loop once per turn, read by the drain
// server's threads; thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "drain_state.h"
#include "event_window.h"

namespace baton::examples::relay {

class RelaySignals {
 public:
  using Clock = EventWindow::Clock;
  RelaySignals(std::chrono::seconds window, double max_drop_share);

  void Add(const EventCounts& counts, Clock::time_point now);
  // From the moment the relay closes new connections at once (the defect).
  void SetRefusing();
  WorkloadVerdict Verdict(Clock::time_point now) const;
  // The Prometheus text of the counters since start, and `sessions` as a gauge.
  std::string Metrics(long sessions) const;

 private:
  const double max_drop_share_;
  mutable std::mutex mu_;
  EventWindow window_;
  EventCounts totals_;
  bool refusing_ = false;
};

}  // namespace baton::examples::relay
