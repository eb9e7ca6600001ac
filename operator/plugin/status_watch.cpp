#include "plugin/status_watch.h"

#include <algorithm>
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

// "canary step 1/2 Baking, ends 2026-12-07T23:40:00Z; PodHealth Passing,
// WorkloadVerdict Passing, Prometheus Passing 0.002"
std::string CanaryPart(const nlohmann::json& c) {
  const std::string state = c.value("state", std::string("?"));
  std::string out = "canary " + c.value("revision", std::string("?")) + " step " +
                    std::to_string(std::min(c.value("step", 0) + 1, c.value("steps", 0))) + "/" +
                    std::to_string(c.value("steps", 0)) + " " + state;
  if (auto ends = c.find("bakeEndsAt"); ends != c.end() && ends->is_string()) {
    out += ", bake ends " + ends->get<std::string>();
  }
  if (auto signals = c.find("signals"); signals != c.end() && signals->is_array()) {
    std::string part;
    for (const auto& s : *signals) {
      if (!s.is_object()) continue;
      part += (part.empty() ? "" : ", ") + s.value("name", std::string("?")) + " " +
              s.value("status", std::string("?"));
      const std::string value = s.value("value", std::string());
      if (!value.empty()) part += " " + value;
    }
    if (!part.empty()) out += "; " + part;
  }
  if (auto rollback = c.find("rollback"); rollback != c.end() && rollback->is_object()) {
    out += "; rolled back on " + rollback->value("signal", std::string("?")) + ": " +
           rollback->value("message", std::string());
  }
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
  if (auto canary = status.find("canary"); canary != status.end() && canary->is_object()) {
    r.line += " | " + CanaryPart(*canary);
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
