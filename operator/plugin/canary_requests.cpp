#include "plugin/canary_requests.h"

#include "api/contract.h"

namespace baton::plugin {
namespace {

// status.canary of a canary still under way, or an error.
const nlohmann::json* CanaryUnderWay(const nlohmann::json& tier, std::string& error) {
  const auto status = tier.find("status");
  if (status == tier.end() || !status->is_object() || !status->contains("canary") ||
      !(*status)["canary"].is_object()) {
    error = "no canary under way (status.canary is empty)";
    return nullptr;
  }
  const nlohmann::json& canary = (*status)["canary"];
  const std::string state = canary.value("state", std::string());
  if (state == "Complete" || state == "RolledBack") {
    error = "the canary of revision " + canary.value("revision", std::string("?")) + " is " +
            (state == "Complete" ? "complete" : "rolled back") + ": nothing to do";
    return nullptr;
  }
  if (canary.value("revision", std::string()).empty()) {
    error = "status.canary names no revision";
    return nullptr;
  }
  return &canary;
}

nlohmann::json AnnotationPatch(std::string_view key, const std::string& value) {
  return {{"metadata", {{"annotations", {{std::string(key), value}}}}}};
}

}  // namespace

CanaryRequest PromoteRequest(const nlohmann::json& tier, bool full) {
  CanaryRequest out;
  const nlohmann::json* canary = CanaryUnderWay(tier, out.error);
  if (canary == nullptr) return out;
  const std::string revision = canary->value("revision", std::string());
  const int step = canary->value("step", 0);
  const std::string value = revision + "/" + (full ? std::string("full") : std::to_string(step));
  out.patch = AnnotationPatch(api::kAnnotationPromote, value);
  out.summary =
      full ? "every canary step left of revision " + revision + " promoted"
           : "canary step " + std::to_string(step + 1) + " of revision " + revision + " promoted";
  return out;
}

CanaryRequest AbortRequest(const nlohmann::json& tier) {
  CanaryRequest out;
  const nlohmann::json* canary = CanaryUnderWay(tier, out.error);
  if (canary == nullptr) return out;
  const std::string revision = canary->value("revision", std::string());
  out.patch = AnnotationPatch(api::kAnnotationAbort, revision);
  out.summary = "canary of revision " + revision + " aborted: it rolls back through the drain";
  return out;
}

}  // namespace baton::plugin
