#include "plugin/tier_commands.h"

#include <chrono>
#include <ostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "api/contract.h"
#include "api/tier_types.h"
#include "controller/tier_resource.h"
#include "kube/rest_client.h"
#include "plugin/canary_requests.h"
#include "plugin/pod_tree.h"
#include "plugin/spec_edits.h"
#include "plugin/status_watch.h"
#include "timestamp/rfc3339.h"

namespace baton::plugin {
namespace {

struct Found {
  api::TierKind kind = api::TierKind::Relay;
  nlohmann::json object;
};

class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The tier named `name`: of the kind asked, or of whichever kind has one by
// that name (two kinds with the same name need --kind).
Found FindTier(kube::RestClient& client, const std::string& ns, const std::string& name,
               const std::string& kind) {
  std::vector<Found> found;
  for (const auto& names : api::kTierKinds) {
    if (!kind.empty() && kind != names.singular) continue;
    auto k = *api::ParseTierKind(names.kind);
    try {
      found.push_back({k, client.Get(controller::TierResource(k), ns, name)});
    } catch (const kube::ApiError& e) {
      if (e.reason() != kube::Reason::NotFound) throw;
    }
  }
  if (found.empty()) throw CommandError("no tier " + ns + "/" + name + " found");
  if (found.size() > 1) {
    throw CommandError("several tiers are named " + name + ": say which with --kind");
  }
  return found.front();
}

std::string Now() {
  return timestamp::FormatRfc3339(std::chrono::system_clock::now());
}

std::string PodSelector(const Found& t) {
  return std::string(api::kLabelTier) + "=" + t.object["metadata"].value("name", "") + "," +
         std::string(api::kLabelKind) + "=" + std::string(api::NamesOf(t.kind).kind);
}

int Status(const Invocation& inv, kube::RestClient& client, const std::string& ns,
           std::ostream& out, std::ostream& err) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto found = FindTier(client, ns, inv.target, inv.kind);
  std::string last;
  while (true) {
    auto reading = ReadStatus(found.object);
    if (reading.line != last) {
      out << reading.line << std::endl;
      last = reading.line;
    }
    if (reading.outcome == WatchOutcome::Complete) {
      out << "rollout complete" << std::endl;
      return 0;
    }
    if (reading.outcome == WatchOutcome::Degraded) {
      err << "rollout degraded" << std::endl;
      return 1;
    }
    // Without --watch the answer is the state now: 0 complete, 1 degraded,
    // 2 still under way (paused or progressing).
    if (!inv.watch) return 2;
    if (inv.timeout && Clock::now() - start >= *inv.timeout) {
      err << "timed out after " << inv.timeout->count() / 1000.0 << "s waiting for the rollout"
          << std::endl;
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    try {
      found.object = client.Get(controller::TierResource(found.kind), ns, inv.target);
    } catch (const kube::ApiError& e) {
      if (e.reason() != kube::Reason::NotFound) throw;
      err << "tier " << ns << "/" << inv.target << " was deleted" << std::endl;
      return 1;
    }
  }
}

int Get(const Invocation& inv, kube::RestClient& client, const std::string& ns, std::ostream& out) {
  auto found = FindTier(client, ns, inv.target, inv.kind);
  kube::ListOptions selector;
  selector.label_selector = PodSelector(found);
  auto pods = client.List(kube::resources::kPods, ns, selector)["items"];
  // Only the tier's own pods: the same labels on someone else's pod are not its.
  const std::string uid = found.object["metadata"].value("uid", "");
  nlohmann::json owned = nlohmann::json::array();
  for (const auto& p : pods) {
    for (const auto& o : p["metadata"].value("ownerReferences", nlohmann::json::array())) {
      if (o.value("uid", "") == uid) {
        owned.push_back(p);
        break;
      }
    }
  }
  nlohmann::json directory;
  try {
    auto cm = client.Get(kube::resources::kConfigMaps, ns,
                         inv.target + std::string(api::kServingDirectorySuffix));
    auto text = cm.value("data", nlohmann::json::object())
                    .value(std::string(api::kServingDirectoryKey), std::string());
    directory = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (directory.is_discarded()) directory = nullptr;
  } catch (const kube::ApiError& e) {
    if (e.reason() != kube::Reason::NotFound) throw;
  }
  found.object["kind"] = std::string(api::NamesOf(found.kind).kind);
  out << RenderPodTree(found.object, owned, directory);
  return 0;
}

kube::PatchOptions PluginPatch() {
  kube::PatchOptions o;
  o.field_manager = std::string(api::kPluginFieldManager);
  return o;
}

int EditSpec(const Invocation& inv, kube::RestClient& client, const std::string& ns,
             std::ostream& out, std::ostream& err) {
  auto found = FindTier(client, ns, inv.target, inv.kind);
  const auto& resource = controller::TierResource(found.kind);
  const std::string what = std::string(api::NamesOf(found.kind).singular) + "/" + inv.target;
  if (inv.command == "pause" || inv.command == "resume") {
    bool pause = inv.command == "pause";
    client.Patch(resource, ns, inv.target, kube::PatchType::Merge, PausePatch(pause),
                 PluginPatch());
    out << what << (pause ? " paused" : " resumed") << std::endl;
  } else if (inv.command == "restart") {
    auto at = Now();
    client.Patch(resource, ns, inv.target, kube::PatchType::Merge, RestartPatch(at), PluginPatch());
    out << what << " restart requested at " << at << std::endl;
  } else if (inv.command == "promote" || inv.command == "abort") {
    const CanaryRequest request = inv.command == "promote" ? PromoteRequest(found.object, inv.full)
                                                           : AbortRequest(found.object);
    if (request.patch.is_null()) {
      err << what << ": " << request.error << std::endl;
      return 1;
    }
    client.Patch(resource, ns, inv.target, kube::PatchType::Merge, request.patch, PluginPatch());
    out << what << ": " << request.summary << std::endl;
  } else if (inv.command == "undo") {
    kube::ListOptions selector;
    selector.label_selector = PodSelector(found);
    auto revisions = client.List(kube::resources::kControllerRevisions, ns, selector)["items"];
    auto choice = ChooseUndoRevision(found.object, revisions);
    if (!choice.revision) {
      err << what << ": " << choice.error << std::endl;
      return 1;
    }
    client.Patch(resource, ns, inv.target, kube::PatchType::Json,
                 UndoPatch(found.object, *choice.revision), PluginPatch());
    out << what << " rolled back to revision "
        << (*choice.revision)["metadata"]["labels"].value(std::string(api::kLabelRevision), "")
        << " (" << (*choice.revision)["metadata"].value("name", "") << ")" << std::endl;
  }
  return 0;
}

int SkipDrain(const Invocation& inv, kube::RestClient& client, const std::string& ns,
              std::ostream& out, std::ostream& err) {
  auto pod = client.Get(kube::resources::kPods, ns, inv.target);
  const auto& labels = pod["metadata"].value("labels", nlohmann::json::object());
  if (!labels.contains(std::string(api::kLabelTier))) {
    err << "pod " << inv.target << " belongs to no Baton tier" << std::endl;
    return 1;
  }
  if (labels.value(std::string(api::kLabelRole), "") != api::kRoleDraining) {
    // The operator acts on it only once the pod drains; say so rather than
    // leave a surprise for a later rollout.
    err << "note: pod " << inv.target << " is not draining now; the request applies when it does"
        << std::endl;
  }
  client.Patch(kube::resources::kPods, ns, inv.target, kube::PatchType::Merge,
               SkipDrainPatch(Now()), PluginPatch());
  out << "pod/" << inv.target << ": skip-drain requested; the operator ends its drain" << std::endl;
  return 0;
}

// Moves one pod through the drain: the operator creates its replacement,
// drains it at the tier's pace and deletes it. What an admin should run
// instead of `kubectl delete pod`, which cuts every session the pod holds.
int Drain(const Invocation& inv, kube::RestClient& client, const std::string& ns, std::ostream& out,
          std::ostream& err) {
  auto pod = client.Get(kube::resources::kPods, ns, inv.target);
  const auto& labels = pod["metadata"].value("labels", nlohmann::json::object());
  if (!labels.contains(std::string(api::kLabelTier))) {
    err << "pod " << inv.target << " belongs to no Baton tier" << std::endl;
    return 1;
  }
  client.Patch(kube::resources::kPods, ns, inv.target, kube::PatchType::Merge, EvacuatePatch(Now()),
               PluginPatch());
  out << "pod/" << inv.target
      << ": drain requested; the operator creates its replacement, drains it and deletes it"
      << " (kubectl baton status " << labels.value(std::string(api::kLabelTier), "") << " -w)"
      << std::endl;
  return 0;
}

}  // namespace

int RunCommand(const Invocation& inv, kube::RestClient& client, const std::string& ns,
               std::ostream& out, std::ostream& err) {
  try {
    if (inv.command == "status") return Status(inv, client, ns, out, err);
    if (inv.command == "get") return Get(inv, client, ns, out);
    if (inv.command == "skip-drain") return SkipDrain(inv, client, ns, out, err);
    if (inv.command == "drain") return Drain(inv, client, ns, out, err);
    return EditSpec(inv, client, ns, out, err);
  } catch (const CommandError& e) {
    err << "error: " << e.what() << std::endl;
  } catch (const kube::ApiError& e) {
    err << "error: " << e.message() << std::endl;
  } catch (const std::exception& e) {
    err << "error: " << e.what() << std::endl;
  }
  return 1;
}

}  // namespace baton::plugin
