#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "directory_sighting.h"
#include "reconnect_stats.h"
#include "sequence_ledger.h"

namespace baton::examples {

// What a load generator run saw, and whether it counts as loss-free.
struct LoadReport {
  std::uint64_t sessions = 0;         // asked for
  std::uint64_t established = 0;      // reached WELCOME at least once
  std::uint64_t sessions_lost = 0;    // cut without a MOVE
  std::uint64_t sessions_failed = 0;  // not logged in anywhere at the end
  std::uint64_t moves = 0;            // MOVE received, reconnect started
  std::uint64_t moves_completed = 0;  // ... and logged in elsewhere
  std::uint64_t reconnects_after_loss = 0;
  std::uint64_t max_reconnects_per_100ms = 0;
  std::uint64_t max_reconnects_per_second = 0;  // in any 1 s span
  double reconnect_p50_ms = 0;
  double reconnect_p99_ms = 0;
  double seconds = 0;
  // Where the sessions are at the end: relay address -> sessions logged in
  // there (the final spread of the tier's load, as the clients see it).
  std::map<std::string, std::uint64_t> sessions_per_relay;
  SequenceLedger::Totals messages;
  // The raw material of the figures above, so that the reports of several
  // processes merge into one verdict (MergeLoadReports): when the run began
  // (wall clock, µs since the epoch), every completed reconnect, and each
  // version of the serving directory as this process first saw it.
  std::int64_t started_unix_us = 0;
  ReconnectStats reconnects;
  std::vector<DirectorySighting> directory_sightings;

  // Nothing lost, duplicated, unaccounted or failed.
  bool LossFree() const;
  nlohmann::json ToJson() const;
  // One human-readable line.
  std::string Summary() const;
};

LoadReport BuildLoadReport(std::uint64_t sessions, const ReconnectStats& reconnects,
                           const SequenceLedger& ledger);

// A report as ToJson wrote it; nullopt when a field is missing or mistyped.
std::optional<LoadReport> LoadReportFromJson(const nlohmann::json& j);

// One verdict from the reports of several load generator processes run side
// by side: counts add up, reconnects are aligned on the earliest start and
// their percentiles and peaks computed over all of them.
LoadReport MergeLoadReports(const std::vector<LoadReport>& reports);

}  // namespace baton::examples
