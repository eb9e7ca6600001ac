#include "relay_signals.h"

#include "prometheus_text.h"
#include "relay_verdict.h"

namespace baton::examples::relay {

RelaySignals::RelaySignals(std::chrono::seconds window, double max_drop_share)
    : max_drop_share_(max_drop_share), window_(window) {}

void RelaySignals::Add(const EventCounts& counts, Clock::time_point now) {
  std::lock_guard lock(mu_);
  window_.Add(counts, now);
  totals_ += counts;
}

void RelaySignals::SetRefusing() {
  std::lock_guard lock(mu_);
  refusing_ = true;
}

WorkloadVerdict RelaySignals::Verdict(Clock::time_point now) const {
  std::lock_guard lock(mu_);
  return JudgeRelay(window_.Sum(now), window_.span(), max_drop_share_, refusing_);
}

std::string RelaySignals::Metrics(long sessions) const {
  EventCounts totals;
  {
    std::lock_guard lock(mu_);
    totals = totals_;
  }
  return FormatPrometheusText({
      {"relay_sessions", "gauge", "Client sessions held (logged in).",
       static_cast<double>(sessions)},
      {"relay_messages_relayed_total", "counter", "Chat messages delivered to their recipient.",
       static_cast<double>(totals.relayed)},
      {"relay_messages_dropped_total", "counter",
       "Chat messages acknowledged to the sender but not delivered (--drop-message-share).",
       static_cast<double>(totals.dropped)},
      {"relay_sessions_refused_total", "counter",
       "Connections accepted and closed at once (--refuse-sessions-after-seconds).",
       static_cast<double>(totals.refused)},
  });
}

}  // namespace baton::examples::relay
