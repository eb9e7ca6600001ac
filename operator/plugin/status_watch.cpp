#include "plugin/status_watch.h"

#include <chrono>

#include "api/contract.h"
#include "rollout/quantity_format.h"

namespace baton::plugin {
namespace {

std::string DrainingPart(const nlohmann::json& d) {
  std::string out = "draining " + d.value("name", std::string("?")) + ": ";
  // An absent sessionsNow is an unknown count, never zero.
  if (d.contains("sessionsNow") && d["sessionsNow"].is_number_integer()) {
    out += rollout::formatCount(d["sessionsNow"].get<std::int64_t>()) + " sessions left";
  } else {
    out += "sessions unknown";
  }
  if (d.contains("sessionsPerSecond") && d["sessionsPerSecond"].is_number()) {
    out += ", " +
           rollout::formatCount(
               static_cast<std::int64_t>(d["sessionsPerSecond"].get<double>() + 0.5)) +
           "/s";
  }
  if (d.contains("etaSeconds") && d["etaSeconds"].is_number_integer()) {
    out += ", ETA " +
           rollout::formatDuration(std::chrono::seconds(d["etaSeconds"].get<std::int64_t>()));
  }
  if (d.value("timedOut", false)) out += ", timed out";
  return out;
}

}  // namespace

StatusReading ReadStatus(const nlohmann::json& tier) {
  const nlohmann::json empty = nlohmann::json::object();
  const auto& meta = tier.contains("metadata") ? tier["metadata"] : empty;
  const auto& spec = tier.contains("spec") ? tier["spec"] : empty;
  const auto& status = tier.contains("status") ? tier["status"] : empty;

  const std::int64_t generation = meta.value("generation", std::int64_t{0});
  const std::int64_t observed =
      status.value(std::string(api::status_field::kObservedGeneration), std::int64_t{0});
  const bool current = observed >= generation && observed > 0;
  const std::string phase = status.value(std::string(api::status_field::kPhase), std::string());
  const std::int64_t desired = spec.value("replicas", std::int64_t{0});
  const std::int64_t updated =
      status.value(std::string(api::status_field::kUpdatedReplicas), std::int64_t{0});
  const std::int64_t ready =
      status.value(std::string(api::status_field::kReadyReplicas), std::int64_t{0});

  StatusReading r;
  // A stale status is Progressing as far as any reader is concerned.
  std::string shown = !current ? std::string(api::kPhaseProgressing)
                               : (phase.empty() ? std::string("Unknown") : phase);
  r.line = shown + " updated " + std::to_string(updated) + "/" + std::to_string(desired) +
           " ready " + std::to_string(ready);
  if (!current)
    r.line += " (status not yet observed for generation " + std::to_string(generation) + ")";
  if (status.contains(std::string(api::status_field::kDrainingPods))) {
    for (const auto& d : status[std::string(api::status_field::kDrainingPods)]) {
      r.line += " | " + DrainingPart(d);
    }
  }
  const std::string message = status.value(std::string(api::status_field::kMessage), std::string());
  if (!message.empty() && shown != api::kPhaseProgressing) r.line += " | " + message;

  if (current && phase == api::kPhaseDegraded) {
    r.outcome = WatchOutcome::Degraded;
  } else if (current && phase == api::kPhaseHealthy && updated == desired) {
    r.outcome = WatchOutcome::Complete;
  }
  return r;
}

}  // namespace baton::plugin
