#include "relay_verdict.h"

#include <cstdio>
#include <string>

namespace baton::examples {

WorkloadVerdict JudgeRelay(const EventCounts& window, std::chrono::seconds span,
                           double max_drop_share, bool refusing_now) {
  const std::string in_window = " in the last " + std::to_string(span.count()) + " s";
  const std::uint64_t messages = window.relayed + window.dropped;
  const double share =
      messages == 0 ? 0.0 : static_cast<double>(window.dropped) / static_cast<double>(messages);
  char percent[32];
  std::snprintf(percent, sizeof(percent), "%.1f%%", share * 100);
  std::string dropped = "dropped " + std::string(percent) + " of " + std::to_string(messages) +
                        " messages" + in_window;
  WorkloadVerdict v;
  if (window.refused > 0 || refusing_now) {
    v.healthy = false;
    v.reason = std::string(refusing_now ? "refusing new sessions; " : "") + "refused " +
               std::to_string(window.refused) + " sessions" + in_window;
    if (share > max_drop_share) v.reason += "; " + dropped;
    return v;
  }
  v.healthy = !(share > max_drop_share);
  v.reason = std::move(dropped);
  return v;
}

}  // namespace baton::examples
