#include "load_report.h"

#include <algorithm>
#include <cstdio>

namespace baton::examples {
namespace {

// The figures made from the reconnect samples.
void DeriveReconnectFigures(LoadReport& r) {
  r.moves_completed = r.reconnects.count();
  r.max_reconnects_per_100ms = r.reconnects.MaxPerWindow(std::chrono::milliseconds(100));
  r.max_reconnects_per_second = r.reconnects.MaxInAnySpan(std::chrono::seconds(1));
  r.reconnect_p50_ms = static_cast<double>(r.reconnects.Percentile(50).count()) / 1000.0;
  r.reconnect_p99_ms = static_cast<double>(r.reconnects.Percentile(99).count()) / 1000.0;
}

const nlohmann::json* Field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

bool Count(const nlohmann::json& j, const char* key, std::uint64_t& out) {
  const auto* f = Field(j, key);
  if (f == nullptr || !f->is_number_unsigned()) return false;
  out = f->get<std::uint64_t>();
  return true;
}

}  // namespace

bool LoadReport::LossFree() const {
  return sessions_lost == 0 && sessions_failed == 0 && established == sessions &&
         messages.lost == 0 && messages.duplicated == 0 && messages.unanswered == 0 &&
         messages.unexpected == 0;
}

nlohmann::json LoadReport::ToJson() const {
  auto samples = nlohmann::json::array();
  for (std::size_t i = 0; i < reconnects.count(); ++i) {
    samples.push_back({reconnects.started()[i].count(), reconnects.took()[i].count()});
  }
  auto sightings = nlohmann::json::array();
  for (const auto& s : directory_sightings) sightings.push_back(s.ToJson());
  return {{"sessions", sessions},
          {"established", established},
          {"sessionsLost", sessions_lost},
          {"sessionsFailed", sessions_failed},
          {"moves", moves},
          {"movesCompleted", moves_completed},
          {"reconnectsAfterLoss", reconnects_after_loss},
          {"maxReconnectsPer100ms", max_reconnects_per_100ms},
          {"maxReconnectsPerSecond", max_reconnects_per_second},
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
          {"lossFree", LossFree()},
          {"startedAtUnixUs", started_unix_us},
          // [began µs after startedAtUnixUs, took µs] per completed reconnect
          {"reconnectSamplesUs", std::move(samples)},
          {"directorySightings", std::move(sightings)}};
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
  r.reconnects = reconnects;
  DeriveReconnectFigures(r);
  r.messages = ledger.Summarize();
  return r;
}

std::optional<LoadReport> LoadReportFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  LoadReport r;
  if (!Count(j, "sessions", r.sessions) || !Count(j, "established", r.established) ||
      !Count(j, "sessionsLost", r.sessions_lost) ||
      !Count(j, "sessionsFailed", r.sessions_failed) || !Count(j, "moves", r.moves) ||
      !Count(j, "reconnectsAfterLoss", r.reconnects_after_loss))
    return std::nullopt;
  const auto* seconds = Field(j, "seconds");
  const auto* started = Field(j, "startedAtUnixUs");
  const auto* per_relay = Field(j, "sessionsPerRelay");
  const auto* messages = Field(j, "messages");
  const auto* samples = Field(j, "reconnectSamplesUs");
  const auto* sightings = Field(j, "directorySightings");
  if (seconds == nullptr || !seconds->is_number() || started == nullptr ||
      !started->is_number_integer() || per_relay == nullptr || !per_relay->is_object() ||
      messages == nullptr || !messages->is_object() || samples == nullptr || !samples->is_array() ||
      sightings == nullptr || !sightings->is_array())
    return std::nullopt;
  r.seconds = seconds->get<double>();
  r.started_unix_us = started->get<std::int64_t>();
  for (const auto& [relay, n] : per_relay->items()) {
    if (!n.is_number_unsigned()) return std::nullopt;
    r.sessions_per_relay[relay] = n.get<std::uint64_t>();
  }
  auto& m = r.messages;
  if (!Count(*messages, "sent", m.sent) || !Count(*messages, "acked", m.acked) ||
      !Count(*messages, "nacked", m.nacked) || !Count(*messages, "unanswered", m.unanswered) ||
      !Count(*messages, "delivered", m.delivered) || !Count(*messages, "lost", m.lost) ||
      !Count(*messages, "duplicated", m.duplicated) ||
      !Count(*messages, "unexpected", m.unexpected))
    return std::nullopt;
  for (const auto& s : *samples) {
    if (!s.is_array() || s.size() != 2 || !s[0].is_number_integer() || !s[1].is_number_integer())
      return std::nullopt;
    r.reconnects.Record(ReconnectStats::Duration(s[0].get<std::int64_t>()),
                        ReconnectStats::Duration(s[1].get<std::int64_t>()));
  }
  for (const auto& s : *sightings) {
    auto sighting = DirectorySighting::FromJson(s);
    if (!sighting) return std::nullopt;
    r.directory_sightings.push_back(std::move(*sighting));
  }
  DeriveReconnectFigures(r);
  return r;
}

LoadReport MergeLoadReports(const std::vector<LoadReport>& reports) {
  LoadReport out;
  if (reports.empty()) return out;
  out.started_unix_us =
      std::min_element(reports.begin(), reports.end(), [](const auto& a, const auto& b) {
        return a.started_unix_us < b.started_unix_us;
      })->started_unix_us;
  for (const auto& r : reports) {
    out.sessions += r.sessions;
    out.established += r.established;
    out.sessions_lost += r.sessions_lost;
    out.sessions_failed += r.sessions_failed;
    out.moves += r.moves;
    out.reconnects_after_loss += r.reconnects_after_loss;
    for (const auto& [relay, n] : r.sessions_per_relay) out.sessions_per_relay[relay] += n;
    auto& m = out.messages;
    m.sent += r.messages.sent;
    m.acked += r.messages.acked;
    m.nacked += r.messages.nacked;
    m.unanswered += r.messages.unanswered;
    m.delivered += r.messages.delivered;
    m.lost += r.messages.lost;
    m.duplicated += r.messages.duplicated;
    m.unexpected += r.messages.unexpected;
    ReconnectStats::Duration offset(r.started_unix_us - out.started_unix_us);
    out.reconnects.Merge(r.reconnects, offset);
    out.seconds = std::max(out.seconds, static_cast<double>(offset.count()) / 1e6 + r.seconds);
    out.directory_sightings.insert(out.directory_sightings.end(), r.directory_sightings.begin(),
                                   r.directory_sightings.end());
  }
  DeriveReconnectFigures(out);
  return out;
}

}  // namespace baton::examples
