#include "plugin/pod_tree.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "api/contract.h"
#include "rollout/quantity_format.h"

namespace baton::plugin {
namespace {

std::string Label(const nlohmann::json& pod, std::string_view key) {
  const auto& labels = pod["metadata"].value("labels", nlohmann::json::object());
  return labels.value(std::string(key), std::string());
}

std::string Readiness(const nlohmann::json& pod) {
  if (pod["metadata"].contains("deletionTimestamp")) return "Terminating";
  const auto& status = pod.value("status", nlohmann::json::object());
  for (const auto& c : status.value("conditions", nlohmann::json::array())) {
    if (c.value("type", "") == "Ready")
      return c.value("status", "") == "True" ? "Ready" : "NotReady";
  }
  return status.value("phase", std::string("Pending"));
}

// A revision hash is long; a prefix tells revisions apart at a glance.
std::string Short(const std::string& revision) {
  return revision.size() > 10 ? revision.substr(0, 10) : revision;
}

std::string Pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string RenderPodTree(const nlohmann::json& tier, const nlohmann::json& pods,
                          const nlohmann::json& directory) {
  const auto& meta = tier["metadata"];
  const auto& status = tier.value("status", nlohmann::json::object());
  const std::string update = status.value(std::string(api::status_field::kUpdateRevision), "");
  const std::string current = status.value(std::string(api::status_field::kCurrentRevision), "");

  std::map<std::string, std::optional<std::int64_t>> draining_left;
  for (const auto& d :
       status.value(std::string(api::status_field::kDrainingPods), nlohmann::json::array())) {
    auto& slot = draining_left[d.value("name", "")];
    if (d.contains("sessionsNow") && d["sessionsNow"].is_number_integer()) {
      slot = d["sessionsNow"].get<std::int64_t>();
    }
  }
  std::map<std::string, std::int64_t> serving_sessions;
  if (directory.is_object()) {
    for (const auto& e : directory.value("endpoints", nlohmann::json::array())) {
      if (e.contains("sessions") && e["sessions"].is_number_integer()) {
        serving_sessions[e.value("pod", "")] = e["sessions"].get<std::int64_t>();
      }
    }
  }

  std::string out = tier.value("kind", std::string("Tier")) + " " +
                    meta.value("namespace", std::string()) + "/" +
                    meta.value("name", std::string());
  const std::string phase = status.value(std::string(api::status_field::kPhase), std::string());
  out += "  " + (phase.empty() ? std::string("Unknown") : phase);
  out += "  updated " + std::to_string(status.value("updatedReplicas", 0)) + "/" +
         std::to_string(tier.value("spec", nlohmann::json::object()).value("replicas", 0));
  out += "  update revision " + (update.empty() ? "?" : Short(update));
  if (!current.empty() && current != update) out += " (current " + Short(current) + ")";
  out += "\n";

  std::vector<const nlohmann::json*> sorted;
  if (pods.is_array()) {
    for (const auto& p : pods) sorted.push_back(&p);
  }
  std::sort(sorted.begin(), sorted.end(), [](const nlohmann::json* a, const nlohmann::json* b) {
    return (*a)["metadata"].value("name", "") < (*b)["metadata"].value("name", "");
  });
  std::size_t width = 0;
  for (const auto* p : sorted) width = std::max(width, (*p)["metadata"].value("name", "").size());

  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& pod = *sorted[i];
    const std::string name = pod["metadata"].value("name", "");
    const std::string revision = Label(pod, api::kLabelRevision);
    const std::string role = Label(pod, api::kLabelRole);
    std::string sessions = "? sessions";
    if (role == api::kRoleDraining) {
      auto it = draining_left.find(name);
      if (it != draining_left.end() && it->second) {
        sessions = rollout::formatCount(*it->second) + " sessions left";
      } else {
        sessions = "? sessions left";
      }
    } else if (auto it = serving_sessions.find(name); it != serving_sessions.end()) {
      sessions = rollout::formatCount(it->second) + " sessions";
    }
    std::string rev =
        Short(revision) + (revision == update && !update.empty() ? " (new)" : " (old)");
    out += (i + 1 == sorted.size() ? "└── " : "├── ") + Pad(name, width) + "  " + Pad(rev, 16) +
           "  " + Pad(Readiness(pod), 11) + "  " + Pad(role.empty() ? "-" : role, 8) + "  " +
           sessions + "\n";
  }
  if (sorted.empty()) out += "└── (no pods)\n";
  return out;
}

}  // namespace baton::plugin
