#include "load_report.h"

#include <cstdio>

namespace baton::examples {

bool LoadReport::LossFree() const {
  return sessions_lost == 0 && sessions_failed == 0 && established == sessions &&
         messages.lost == 0 && messages.duplicated == 0 && messages.unanswered == 0 &&
         messages.unexpected == 0;
}

nlohmann::json LoadReport::ToJson() const {
  return {{"sessions", sessions},
          {"established", established},
          {"sessionsLost", sessions_lost},
          {"sessionsFailed", sessions_failed},
          {"moves", moves},
          {"movesCompleted", moves_completed},
          {"reconnectsAfterLoss", reconnects_after_loss},
          {"maxReconnectsPer100ms", max_reconnects_per_100ms},
          {"reconnectP50Ms", reconnect_p50_ms},
          {"reconnectP99Ms", reconnect_p99_ms},
          {"seconds", seconds},
          {"sessionsPerRelay", sessions_per_relay},
          {"messages",
           {{"sent", messages.sent},
            {"acked", messages.acked},
            {"nacked", messages.nacked},
            {"unanswered", messages.unanswered},
            {"delivered", messages.delivered},
            {"lost", messages.lost},
            {"duplicated", messages.duplicated},
            {"unexpected", messages.unexpected}}},
          {"lossFree", LossFree()}};
}

std::string LoadReport::Summary() const {
  char buf[512];
  std::snprintf(
      buf, sizeof(buf),
      "loadgen: sessions=%llu established=%llu lost=%llu failed=%llu moves=%llu/%llu "
      "maxReconnectsPer100ms=%llu reconnectP50=%.2fms p99=%.2fms messages sent=%llu "
      "acked=%llu nacked=%llu lost=%llu duplicated=%llu unanswered=%llu "
      "unexpected=%llu %s",
      static_cast<unsigned long long>(sessions), static_cast<unsigned long long>(established),
      static_cast<unsigned long long>(sessions_lost),
      static_cast<unsigned long long>(sessions_failed),
      static_cast<unsigned long long>(moves_completed), static_cast<unsigned long long>(moves),
      static_cast<unsigned long long>(max_reconnects_per_100ms), reconnect_p50_ms, reconnect_p99_ms,
      static_cast<unsigned long long>(messages.sent),
      static_cast<unsigned long long>(messages.acked),
      static_cast<unsigned long long>(messages.nacked),
      static_cast<unsigned long long>(messages.lost),
      static_cast<unsigned long long>(messages.duplicated),
      static_cast<unsigned long long>(messages.unanswered),
      static_cast<unsigned long long>(messages.unexpected), LossFree() ? "OK" : "LOSS");
  return buf;
}

LoadReport BuildLoadReport(std::uint64_t sessions, const ReconnectStats& reconnects,
                           const SequenceLedger& ledger) {
  LoadReport r;
  r.sessions = sessions;
  r.moves_completed = reconnects.count();
  r.max_reconnects_per_100ms = reconnects.MaxPerWindow(std::chrono::milliseconds(100));
  r.reconnect_p50_ms = static_cast<double>(reconnects.Percentile(50).count()) / 1000.0;
  r.reconnect_p99_ms = static_cast<double>(reconnects.Percentile(99).count()) / 1000.0;
  r.messages = ledger.Summarize();
  return r;
}

}  // namespace baton::examples
