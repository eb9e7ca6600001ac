#include "controller/tier_reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "api/contract.h"
#include "controller/canary_observation.h"
#include "controller/crash_point.h"
#include "controller/owned_objects.h"
#include "controller/pod_builder.h"
#include "controller/revision_history.h"
#include "controller/serving_directory.h"
#include "controller/sessions_cut.h"
#include "controller/status_json.h"
#include "rollout/canary_progress.h"
#include "rollout/canary_steps.h"
#include "rollout/revision_hash.h"
#include "rollout/rollout_planner.h"
#include "rollout/status_calculator.h"
#include "timestamp/rfc3339.h"

namespace baton::controller {

using Clock = std::chrono::system_clock;

std::string TierKey::String() const {
  return std::string(api::NamesOf(kind).kind) + "/" + ns + "/" + name;
}

std::optional<TierKey> TierKey::Parse(const std::string& s) {
  auto a = s.find('/');
  auto b = a == std::string::npos ? a : s.find('/', a + 1);
  if (b == std::string::npos) return std::nullopt;
  auto kind = api::ParseTierKind(s.substr(0, a));
  if (!kind) return std::nullopt;
  return TierKey{*kind, s.substr(a + 1, b - a - 1), s.substr(b + 1)};
}

TierReconciler::TierReconciler(Deps deps, ReconcilerOptions options)
    : deps_(std::move(deps)), options_(options) {}

namespace {

std::string MonitorKey(const std::string& ns, const std::string& pod) {
  return ns + "/" + pod;
}

const PodView* FindPod(const std::vector<PodView>& pods, const std::string& name) {
  for (const auto& p : pods) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// A far-away deadline for tiers without a drain timeout: the contract wants
// one, and "never" reads best as a date nobody will reach.
Clock::time_point NoDeadline(Clock::time_point now) {
  return now + std::chrono::hours(24 * 365);
}

void EarliestRequeue(ReconcileResult& r, Clock::time_point t) {
  if (!r.requeue_at || t < *r.requeue_at) r.requeue_at = t;
}

}  // namespace

drain::DrainEndpoint TierReconciler::EndpointOf(const api::Tier& tier, const PodView& pod) const {
  drain::DrainEndpoint ep;
  ep.host = pod.ip;
  ep.port = tier.spec.drain.port;
  ep.path = tier.spec.drain.path;
  // A hostNetwork pod's IP is its node's: no token to whatever listens
  // there, unless the tier opted in (a tier stored before the CRD refused
  // such templates can still have one).
  const bool host_network = tier.spec.pod_template.value("/spec/hostNetwork"_json_pointer, false);
  if (deps_.drain_token && (!host_network || tier.spec.drain.allow_host_network)) {
    ep.bearer_token = deps_.drain_token(tier);
  }
  return ep;
}

void TierReconciler::Follow(const api::Tier& tier, const std::vector<PodView>& owned,
                            Memory& memory, bool may_rest) {
  std::set<std::string> now_tracked;
  for (const auto& pod : owned) {
    if (pod.ip.empty() || pod.terminating) continue;
    drain::FollowSpec spec;
    spec.endpoint = EndpointOf(tier, pod);
    spec.poll_interval = std::chrono::seconds(std::max(1, tier.spec.drain.poll_interval_seconds));
    spec.follow = pod.Label(std::string(api::kLabelRole)) == api::kRoleDraining;
    spec.threshold = tier.spec.drain.session_threshold;
    spec.long_poll_wait = options_.long_poll_wait;
    spec.may_rest = may_rest;
    // Each tier its fair share of the monitor's reads: one tenant's hanging
    // endpoints cannot hold every slot (read_schedule.h).
    spec.group = TierKey{tier.kind, tier.Namespace(), tier.Name()}.String();
    auto key = MonitorKey(pod.ns, pod.name);
    deps_.follower->Track(key, spec);
    now_tracked.insert(key);
  }
  for (const auto& key : memory.tracked) {
    if (!now_tracked.count(key)) deps_.follower->Untrack(key);
  }
  memory.tracked.assign(now_tracked.begin(), now_tracked.end());
}

namespace {
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;
}  // namespace

bool TierReconciler::Act(const api::Tier& tier, const std::vector<PodView>& owned,
                         const rollout::Plan& plan, Memory& memory) {
  const std::string ns = tier.Namespace();
  const auto expire = deps_.now() + options_.expectation_timeout;
  bool wrote = true;  // false: the action found its work done already (no Event)
  // Each visitor returns false to stop: a failed write or drain request ends
  // the pass, and the next one observes and plans again.
  auto run = Overloaded{
      [&](const rollout::CreatePod& a) {
        spdlog::info("{}/{}: create pod {} (revision {})", ns, tier.Name(), a.name, a.revision);
        try {
          deps_.writer->CreatePod(ns, BuildPod(tier, a));
        } catch (const RefusedWrite& e) {
          spdlog::warn("{}/{}: create pod {} refused: {}", ns, tier.Name(), a.name, e.what());
          // One Event per refusal, not one per retry.
          if (!memory.create_refused || memory.create_refused->message != e.what()) {
            deps_.events->Record(tier, true, api::event::kFailedCreate,
                                 "creating pod " + a.name + " refused: " + e.what());
          }
          memory.create_refused = rollout::CreateRefusal{a.name, e.what()};
          memory.create_refused_generation = tier.Generation();
          return false;
        }
        memory.create_refused.reset();
        Wrote(write_point::kCreatePod);
        memory.expectations.push_back({Expectation::Kind::Exists, a.name, "", "", expire});
        return true;
      },
      [&](const rollout::MarkDraining& a) {
        spdlog::info("{}/{}: mark {} draining ({} sessions)", ns, tier.Name(), a.pod,
                     a.sessions_at_start);
        nlohmann::json annotations = {
            {std::string(api::kAnnotationDrainStartedAt), timestamp::FormatRfc3339(a.at)},
            {std::string(api::kAnnotationDrainInstanceId), a.instance_id},
            {std::string(api::kAnnotationDrainSessionsAtStart),
             std::to_string(a.sessions_at_start)}};
        if (a.deadline) {
          annotations[std::string(api::kAnnotationDrainDeadline)] =
              timestamp::FormatRfc3339(*a.deadline);
        }
        if (!a.successor.empty()) {
          annotations[std::string(api::kAnnotationDrainSuccessor)] = a.successor;
        }
        deps_.writer->PatchPod(
            ns, a.pod,
            {{"metadata",
              {{"uid", a.uid},
               {"labels", {{std::string(api::kLabelRole), std::string(api::kRoleDraining)}}},
               {"annotations", annotations}}}});
        memory.expectations.push_back(
            {Expectation::Kind::Role, a.pod, a.uid, std::string(api::kRoleDraining), expire});
        Wrote(write_point::kMarkDraining);
        return true;
      },
      [&](const rollout::RequestDrain& a) {
        const PodView* pod = FindPod(owned, a.pod);
        if (!pod || pod->ip.empty()) return false;
        drain::DrainRequest req;
        req.pace = a.pace;
        req.deadline = a.deadline.value_or(NoDeadline(deps_.now()));
        req.successor = a.successor;
        req.reason = a.reason;
        spdlog::info("{}/{}: ask {} to drain at {}/s", ns, tier.Name(), a.pod, a.pace);
        auto answer = deps_.drain_client->Start(EndpointOf(tier, *pod), req);
        if (!answer.known) {
          deps_.events->Record(tier, true, api::event::kDrainRequestFailed,
                               "pod " + a.pod + ": " + answer.error);
          return false;
        }
        Wrote(write_point::kRequestDrain);
        // The answer is a reading too (state Draining): until the monitor
        // reads something newer, the next pass must see it, or a pass woken
        // by the pod's label change would ask for the same drain again.
        memory.answers[a.pod] = answer;
        // Follow it closely from now on; the long-poll starts from this answer.
        deps_.follower->Poke(MonitorKey(ns, a.pod));
        return true;
      },
      [&](const rollout::CancelDrain& a) {
        const PodView* pod = FindPod(owned, a.pod);
        if (!pod || pod->ip.empty()) return false;
        auto answer = deps_.drain_client->Cancel(EndpointOf(tier, *pod));
        if (!answer.known) {
          deps_.events->Record(tier, true, api::event::kDrainRequestFailed,
                               "cancel on pod " + a.pod + ": " + answer.error);
          return false;
        }
        Wrote(write_point::kCancelDrain);
        memory.answers[a.pod] = answer;  // as for a start: the pod serves again
        return true;
      },
      [&](const rollout::MarkServing& a) {
        nlohmann::json annotations = nlohmann::json::object();
        for (auto name : {api::kAnnotationDrainStartedAt, api::kAnnotationDrainInstanceId,
                          api::kAnnotationDrainSessionsAtStart, api::kAnnotationDrainDeadline,
                          api::kAnnotationDrainSuccessor, api::kAnnotationSkipDrain}) {
          annotations[std::string(name)] = nullptr;  // merge patch: remove
        }
        deps_.writer->PatchPod(
            ns, a.pod,
            {{"metadata",
              {{"uid", a.uid},
               {"labels", {{std::string(api::kLabelRole), std::string(api::kRoleServing)}}},
               {"annotations", annotations}}}});
        memory.expectations.push_back(
            {Expectation::Kind::Role, a.pod, a.uid, std::string(api::kRoleServing), expire});
        Wrote(write_point::kMarkServing);
        return true;
      },
      [&](const rollout::DeletePod& a) {
        spdlog::info("{}/{}: delete pod {} ({} sessions left)", ns, tier.Name(), a.pod,
                     a.sessions_left ? std::to_string(*a.sessions_left) : "unknown");
        if (deps_.writer->DeletePod(ns, a.pod, a.uid)) {
          Wrote(write_point::kDeletePod);
          memory.expectations.push_back({Expectation::Kind::Gone, a.pod, a.uid, "", expire});
        } else {
          // 404: gone already, which is what was wanted. The pass goes on;
          // no Event claims a delete we did not make.
          spdlog::info("{}/{}: pod {} was already gone", ns, tier.Name(), a.pod);
          wrote = false;
        }
        deps_.follower->Untrack(MonitorKey(ns, a.pod));
        memory.readings.erase(a.pod);
        memory.answers.erase(a.pod);
        if (a.reason == rollout::DeleteReason::Drained) {
          // Its sessions just moved to the tier's serving pods: read their
          // counts now, not at their next poll, so that the next drain's
          // steering (the directory's weights) knows where they went.
          for (const PodView& other : owned) {
            if (other.name != a.pod && !other.ip.empty() &&
                other.Label(std::string(api::kLabelRole)) == api::kRoleServing) {
              deps_.follower->Poke(MonitorKey(ns, other.name));
            }
          }
        }
        return true;
      },
      [&](const rollout::ReleaseFinalizer&) {
        deps_.writer->ApplyTierFinalizer(tier, false);
        Wrote(write_point::kReleaseFinalizer);
        return true;
      },
  };
  for (std::size_t i = 0; i < plan.actions.size(); ++i) {
    wrote = true;
    try {
      if (!std::visit(run, plan.actions[i])) return false;
    } catch (const StaleWrite& e) {
      // The cache was behind: the next pass sees the truth and plans again.
      spdlog::info("{}/{}: {} (will observe again)", ns, tier.Name(), e.what());
      return false;
    }
    // Events tell what happened: recorded once the write they describe
    // succeeded, never for a write that was refused or not attempted.
    for (const auto& e : plan.events) {
      if (wrote && e.after_action == i) deps_.events->Record(tier, e.warning, e.reason, e.message);
    }
  }
  return true;
}

bool TierReconciler::ExpectationsMet(Memory& memory, const std::vector<PodView>& owned) {
  auto now = deps_.now();
  auto met = [&](const Expectation& e) {
    if (now >= e.deadline) return true;  // give up waiting; plan on what we see
    const PodView* pod = FindPod(owned, e.pod);
    switch (e.kind) {
      case Expectation::Kind::Exists:
        return pod != nullptr;
      case Expectation::Kind::Role:
        return !pod || pod->uid != e.uid || pod->Label(std::string(api::kLabelRole)) == e.role;
      case Expectation::Kind::Gone:
        return !pod || pod->uid != e.uid || pod->terminating;
    }
    return true;
  };
  std::erase_if(memory.expectations, met);
  return memory.expectations.empty();
}

void TierReconciler::ReportStatus(const api::Tier& tier, const nlohmann::json& status,
                                  Memory& memory, ReconcileResult& result) {
  if (status == memory.last_status) return;
  auto now = deps_.now();
  bool material = WithoutNumbers(status) != WithoutNumbers(memory.last_status);
  auto due = memory.last_status_write + options_.status_interval;
  if (!material && now < due) {
    EarliestRequeue(result, due);
    return;
  }
  // What the API server holds may come from an earlier process: clear
  // whatever either it or our last write has that this status does not.
  nlohmann::json previous = nlohmann::json(tier.status);
  if (memory.last_status.is_object()) previous.update(memory.last_status);
  deps_.writer->PatchTierStatus(tier, StatusPatch(previous, status));
  Wrote(write_point::kPatchStatus);
  memory.last_status = status;
  memory.last_status_write = now;
}

void TierReconciler::PublishDirectory(const api::Tier& tier, const std::vector<PodView>& owned,
                                      const std::map<std::string, drain::DrainReading>& readings,
                                      const std::string& revision,
                                      const std::vector<std::string>& drain_queue, Memory& memory,
                                      ReconcileResult& result) {
  nlohmann::json dir = ServingEndpoints(tier, owned, readings, revision, drain_queue);
  if (dir == memory.last_directory_endpoints) return;
  // Load hints alone move all the time: publish them at a slower pace; a
  // change of who serves, of who takes new sessions (weight 0 or not), or
  // of whose count is known is published at once (readers send nothing to
  // a pod whose count is unknown: docs/drain-protocol.md).
  auto strip = [](nlohmann::json d) {
    if (!d.is_object()) return d;
    for (auto& e : d["endpoints"]) {
      if (e.contains("sessions")) e["sessions"] = true;
      e.erase("drainOrder");
      if (e.contains("weight")) e["weight"] = e["weight"].get<std::int64_t>() > 0;
    }
    return d;
  };
  auto now = deps_.now();
  bool membership = strip(dir) != strip(memory.last_directory_endpoints);
  auto due = memory.last_directory_write + options_.directory_load_interval;
  if (!membership && now < due) {
    EarliestRequeue(result, due);
    return;
  }
  nlohmann::json published = dir;
  // To the microsecond: readers measure how long a version took to reach them.
  published["updatedAt"] = timestamp::FormatMicroTime(now);
  nlohmann::json cm = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata",
       {{"name", tier.Name() + std::string(api::kServingDirectorySuffix)},
        {"namespace", tier.Namespace()},
        {"labels",
         {{std::string(api::kLabelTier), tier.Name()},
          {std::string(api::kLabelKind), std::string(api::NamesOf(tier.kind).kind)}}},
        {"ownerReferences", nlohmann::json::array({OwnerReference(tier)})}}},
      {"data", {{std::string(api::kServingDirectoryKey), published.dump(2)}}}};
  if (!ApplyOwnedObject(tier, "configmaps", cm, memory, result)) return;
  Wrote(write_point::kApplyDirectory);
  memory.last_directory_endpoints = std::move(dir);
  memory.last_directory_write = now;
}

void TierReconciler::SyncRevisionHistory(const api::Tier& tier, const std::vector<PodView>& owned,
                                         const std::string& update_hash, Memory& memory) {
  if (!deps_.list_revisions) return;
  std::set<std::string> in_use;
  for (const auto& pod : owned) in_use.insert(pod.Label(std::string(api::kLabelRevision)));
  std::string key = update_hash + "|" + std::to_string(tier.spec.revision_history_limit);
  for (const auto& h : in_use) key += "|" + h;
  if (key == memory.revisions_synced) return;

  std::vector<StoredRevision> stored;
  for (const auto& object :
       deps_.list_revisions(TierKey{tier.kind, tier.Namespace(), tier.Name()})) {
    auto r = ParseStoredRevision(object);
    if (r && r->controller_uid == tier.Uid()) stored.push_back(*r);
  }
  auto plan = PlanRevisionHistory(stored, update_hash, in_use, tier.spec.revision_history_limit);
  spdlog::info("{}/{}: {} revisions stored, {} in use, update {}: apply {}, prune {}",
               tier.Namespace(), tier.Name(), stored.size(), in_use.size(), update_hash,
               plan.apply_number ? std::to_string(*plan.apply_number) : "-", plan.deletes.size());
  if (plan.apply_number) {
    ReconcileResult ignored;  // retried when the key next changes or on resync
    if (!ApplyOwnedObject(tier, "controllerrevisions",
                          BuildControllerRevision(tier, update_hash, *plan.apply_number), memory,
                          ignored)) {
      return;
    }
    Wrote(write_point::kApplyRevision);
  }
  for (const auto& name : plan.deletes) {
    spdlog::info("{}/{}: prune revision {}", tier.Namespace(), tier.Name(), name);
    try {
      deps_.writer->DeleteOwned("controllerrevisions", tier.Namespace(), name);
      Wrote(write_point::kDeleteRevision);
    } catch (const StaleWrite&) {
      // Already gone: what we wanted.
    }
  }
  memory.revisions_synced = key;
}

std::optional<nlohmann::json> TierReconciler::StableTemplate(const TierKey& key,
                                                             const api::Tier& tier,
                                                             Memory& memory) {
  const std::string& hash = tier.status.current_revision;
  if (hash.empty() || !deps_.list_revisions) return std::nullopt;
  if (memory.stable_template_hash == hash) return memory.stable_template;
  auto stable = StoredTemplate(deps_.list_revisions(key), tier.Uid(), hash);
  if (stable) {
    memory.stable_template_hash = hash;
    memory.stable_template = *stable;
  }
  return stable;
}

bool TierReconciler::ApplyOwnedObject(const api::Tier& tier, const std::string& plural,
                                      const nlohmann::json& object, Memory& memory,
                                      ReconcileResult& result) {
  const std::string key = plural + " " + object["metadata"].value("name", "");
  const auto now = deps_.now();
  if (auto retry = memory.conflict_retry_at.find(key);
      retry != memory.conflict_retry_at.end() && now < retry->second) {
    EarliestRequeue(result, retry->second);
    return false;
  }
  try {
    deps_.writer->ApplyOwned(plural, tier.Namespace(), object);
  } catch (const ForeignObject& e) {
    auto [it, fresh] = memory.conflicts.insert_or_assign(key, e.what());
    if (fresh) {
      if (memory.conflicts.size() == 1) memory.conflicts_since = now;
      spdlog::warn("{}/{}: {}", tier.Namespace(), tier.Name(), e.what());
      deps_.events->Record(tier, true, api::event::kOwnedObjectConflict, e.what());
    }
    memory.conflict_retry_at[key] = now + options_.conflict_retry;
    EarliestRequeue(result, memory.conflict_retry_at[key]);
    return false;
  }
  memory.conflicts.erase(key);
  memory.conflict_retry_at.erase(key);
  return true;
}

void TierReconciler::ApplyOwnedObjects(const api::Tier& tier, Memory& memory,
                                       ReconcileResult& result) {
  // Server-side apply is idempotent, but a write per reconcile would be a
  // write per session-count change: apply only what changed since last time.
  struct Owned {
    const char* plural;
    std::optional<nlohmann::json> object;
    std::string_view write;
  };
  for (auto& [plural, object, write] :
       {Owned{"services", BuildService(tier), write_point::kApplyService},
        Owned{"poddisruptionbudgets", BuildPodDisruptionBudget(tier),
              write_point::kApplyPodDisruptionBudget}}) {
    if (!object || memory.last_applied[plural] == *object) continue;
    if (!ApplyOwnedObject(tier, plural, *object, memory, result)) continue;
    memory.last_applied[plural] = *object;
    Wrote(write);
  }
}

ReconcileResult TierReconciler::Reconcile(const TierKey& key) {
  ReconcileResult result;
  std::unique_lock lock(mu_);
  Memory& memory = memory_[key.String()];
  lock.unlock();

  auto tier = deps_.get_tier(key);
  if (!tier) {
    // Gone (the finalizer was released, or never set): stop following.
    for (const auto& k : memory.tracked) deps_.follower->Untrack(k);
    if (deps_.observer) deps_.observer->OnTierGone(key.kind, key.ns, key.name);
    std::lock_guard relock(mu_);
    memory_.erase(key.String());
    return result;
  }
  try {
    // The finalizer comes first: from then on a delete of the tier waits
    // for its pods to drain instead of cutting every session at once.
    const auto& finalizers = tier->metadata.value("finalizers", nlohmann::json::array());
    bool has_finalizer = std::find(finalizers.begin(), finalizers.end(),
                                   std::string(api::kFinalizerDrain)) != finalizers.end();
    if (!tier->Deleting() && !has_finalizer) {
      deps_.writer->ApplyTierFinalizer(*tier, true);
      Wrote(write_point::kAddFinalizer);
      return result;  // the update event brings us back with the finalizer
    }

    auto owned = OwnedPods(*tier, deps_.pods_of(key));
    // A tier leaving rest (a new generation: rollout, restart, scale) reads
    // every serving pod at once and plans on those counts, not on ones up
    // to a minute old: a plan and a directory on stale counts fed a relay
    // that drains later (test_relay_steering, restart of an uneven tier).
    const bool leaving_rest = memory.at_rest && memory.rest_generation != tier->Generation();
    if (leaving_rest) memory.at_rest = false;
    Follow(*tier, owned, memory, memory.at_rest);
    if (leaving_rest) {
      EarliestRequeue(result, deps_.now() + std::chrono::milliseconds(300));
      return result;  // an answer that changes a count wakes us sooner
    }
    if (!ExpectationsMet(memory, owned)) {
      // The watch has not caught up with our last writes yet: a plan now
      // could repeat them. Look again shortly (the watch event also wakes us).
      EarliestRequeue(result, deps_.now() + std::chrono::milliseconds(200));
      return result;
    }

    std::map<std::string, drain::DrainReading> readings;
    for (const auto& pod : owned) {
      auto latest = deps_.follower->Latest(MonitorKey(pod.ns, pod.name));
      if (auto answer = memory.answers.find(pod.name); answer != memory.answers.end()) {
        if (latest && latest->read_at >= answer->second.read_at) {
          memory.answers.erase(answer);  // the monitor has caught up
        } else {
          latest = answer->second;
        }
      }
      if (!latest) continue;
      if (latest->known) memory.readings[pod.name] = {latest->instance_id, latest->sessions};
      readings[pod.name] = *latest;
    }

    auto now = deps_.now();
    std::map<std::string, std::string> leaving_nodes;
    if (deps_.departure_of) {
      for (const auto& pod : owned) {
        if (pod.node_name.empty() || leaving_nodes.count(pod.node_name)) continue;
        if (auto why = deps_.departure_of(pod.node_name)) leaving_nodes[pod.node_name] = *why;
      }
    }
    // The conditions and canary before this pass are the ones this process
    // last wrote, when it wrote any: the cached tier may not show that write
    // yet, and a transition Event (RolloutCompleted) must be recorded once,
    // not again on every pass until the cache catches up (seen in CI: a
    // rollout counted three times in baton_rollouts_total).
    const api::TierStatus previous =
        memory.last_status.is_object() ? memory.last_status.get<api::TierStatus>() : tier->status;

    // A canary rolled back from the spec's revision (docs/canary.md): the
    // tier rolls to its current revision's template, kept in its
    // ControllerRevision, until the spec changes. Without that template
    // nothing may roll, or the tier would go on to the revision it left.
    const std::string spec_revision =
        rollout::revisionHash(tier->spec.pod_template, tier->status.collision_count);
    const auto previous_canary = CanaryRecordOf(previous.canary);
    bool stable_template_missing = false;
    if (previous_canary && previous_canary->rollback &&
        previous_canary->rollback->revision == spec_revision) {
      if (auto stable = StableTemplate(key, *tier, memory)) {
        tier->spec.pod_template = std::move(*stable);
      } else {
        stable_template_missing = true;
      }
    }
    auto state = Observe(*tier, owned, readings, memory.readings, now, leaving_nodes);
    rollout::CanaryPolicy canary_policy;
    if (tier->spec.rollout.canary) canary_policy = CanaryPolicyOf(*tier->spec.rollout.canary);
    const auto canary_record =
        rollout::canaryInForce(canary_policy, previous_canary, state.policy, spec_revision);
    if (canary_record) {
      state.policy.partition =
          rollout::canaryPartition(canary_policy, *canary_record, state.policy);
    }
    // Held as if paused (nothing created, no drain started), but status must
    // not say the spec paused it: the canary's message says why.
    if (stable_template_missing) state.policy.paused = true;
    auto plan = rollout::planRollout(state);
    state.policy.paused = tier->spec.rollout.paused;

    std::optional<rollout::CanaryView> canary_view;
    std::vector<rollout::PlannedEvent> canary_events;
    if (canary_record) {
      rollout::CanaryInput in;
      in.canary = &canary_policy;
      in.record = *canary_record;
      in.policy = &state.policy;
      in.pods = &state.pods;
      in.readings = &state.readings;
      in.step_reached = plan.assessment.complete;
      in.requests = CanaryRequestsOf(*tier);
      in.now = now;
      if (canary_policy.prometheus && canary_record->state != rollout::CanaryState::RolledBack) {
        if (memory.canary_metric_revision != canary_record->revision) {
          memory.canary_metric.reset();
          memory.canary_metric_due.reset();
          memory.canary_metric_revision = canary_record->revision;
        }
        if (memory.canary_metric_due && *memory.canary_metric_due <= now) {
          rollout::MetricReading reading;
          if (deps_.canary_metric) {
            const auto sample =
                deps_.canary_metric(*tier, canary_record->revision, state.policy.current_revision);
            reading = {sample.known, sample.value, sample.error, deps_.now()};
          } else {
            reading.error = "no Prometheus configured (baton-operator --prometheus-url)";
            reading.read_at = now;
          }
          memory.canary_metric = reading;
        }
        in.metric = memory.canary_metric;
      }
      auto outcome = rollout::advanceCanary(in);
      memory.canary_metric_due = outcome.metric_due_at;
      if (outcome.metric_due_at) EarliestRequeue(result, *outcome.metric_due_at);
      if (outcome.requeue_at) EarliestRequeue(result, *outcome.requeue_at);
      if (outcome.persist_first) {
        // A step passed or a rollback: on record before any pod moves for it.
        // This plan was made for the step before: whether it was complete
        // says nothing about the next one (nor may it finish the rollout).
        plan.actions.clear();
        plan.assessment.complete = false;
        std::erase_if(plan.events, [](const auto& e) { return e.after_action.has_value(); });
        EarliestRequeue(result, now + std::chrono::milliseconds(100));
      }
      if (stable_template_missing) {
        outcome.message += "; the template of revision " + state.policy.current_revision +
                           " is not in any ControllerRevision of the tier: nothing rolls";
      }
      const auto steps = static_cast<std::int32_t>(canary_policy.steps.size());
      const std::int32_t step_replicas =
          outcome.record.step < steps
              ? rollout::stepReplicas(
                    canary_policy.steps[static_cast<std::size_t>(outcome.record.step)],
                    state.policy.replicas)
              : state.policy.replicas;
      canary_view = rollout::CanaryView{outcome.record, steps, step_replicas, outcome.message};
      canary_events = std::move(outcome.events);
    }
    const bool canary_moving = canary_view &&
                               canary_view->record.state != rollout::CanaryState::Complete &&
                               canary_view->record.state != rollout::CanaryState::RolledBack;
    // Paused counts as rest: nothing moves until someone resumes (a new
    // generation, which leaves rest).
    memory.at_rest =
        plan.actions.empty() &&
        std::all_of(
            plan.waits.begin(), plan.waits.end(),
            [](const rollout::Wait& w) { return w.reason == rollout::WaitReason::Paused; }) &&
        std::none_of(owned.begin(), owned.end(),
                     [](const PodView& p) {
                       return p.Label(std::string(api::kLabelRole)) == api::kRoleDraining;
                     }) &&
        // A bake reads its pods' verdicts at the poll interval.
        !canary_moving;
    memory.rest_generation = tier->Generation();
    const bool creates = std::any_of(plan.actions.begin(), plan.actions.end(), [](const auto& a) {
      return std::holds_alternative<rollout::CreatePod>(a);
    });
    if (!creates || memory.create_refused_generation != tier->Generation()) {
      memory.create_refused.reset();
    }
    state.create_refused = memory.create_refused;
    const bool unreadable = std::any_of(plan.waits.begin(), plan.waits.end(), [](const auto& w) {
      return w.reason == rollout::WaitReason::NoReadableCandidate;
    });
    if (!unreadable) {
      memory.unreadable_since.reset();
    } else if (!memory.unreadable_since) {
      memory.unreadable_since = now;
    }
    state.unreadable_since = memory.unreadable_since;
    if (memory.unreadable_since && state.policy.progress_deadline &&
        *memory.unreadable_since + *state.policy.progress_deadline > now) {
      // The status turns Stalled then, whether or not a reading changes
      // (never a requeue in the past: that would loop).
      EarliestRequeue(result, *memory.unreadable_since + *state.policy.progress_deadline);
    }
    auto status = rollout::calculateStatus(state, plan, PreviousConditions(previous), canary_view);

    for (const auto& e : plan.events) {
      if (!e.after_action) deps_.events->Record(*tier, e.warning, e.reason, e.message);
    }
    // Deleted by someone else while serving: nothing to do but say so.
    int64_t cut_by_others = 0;
    for (const auto& cut : FindSessionsCutByOthers(memory.serving, owned)) {
      deps_.events->Record(*tier, true, api::event::kSessionsCut, SessionsCutMessage(cut));
      cut_by_others += cut.sessions.value_or(0);
    }
    memory.serving = ServingPodsOf(owned, memory.readings);
    if (!Act(*tier, owned, plan, memory)) result.error = true;
    if (memory.create_refused.has_value() != state.create_refused.has_value()) {
      // Refused in this very pass (or accepted after a refusal): the status
      // says so now rather than one pass late.
      state.create_refused = memory.create_refused;
      status = rollout::calculateStatus(state, plan, PreviousConditions(previous), canary_view);
    }
    if (deps_.observer) {
      deps_.observer->OnPass(
          {*tier, owned, readings, plan, status, !result.error, now, cut_by_others});
    }
    if (plan.requeue_at) EarliestRequeue(result, *plan.requeue_at);
    if (!tier->Deleting()) {
      SyncRevisionHistory(*tier, owned, state.policy.update_revision, memory);
      ApplyOwnedObjects(*tier, memory, result);
    }
    // While a delete drains the pods, status still tells the progress and the
    // directory must stop naming draining pods (clients look there for where
    // to go next); once the finalizer is released the tier is gone.
    const bool released = std::any_of(plan.actions.begin(), plan.actions.end(), [](const auto& a) {
      return std::holds_alternative<rollout::ReleaseFinalizer>(a);
    });
    if (!released) {
      if (!memory.conflicts.empty()) {
        std::string message;
        for (const auto& [object, why] : memory.conflicts)
          message += (message.empty() ? "" : "; ") + why;
        status.status.conditions.push_back({std::string(api::kConditionOwnedObjectConflict), "True",
                                            std::string(api::reason::kNotControlledByTier), message,
                                            tier->Generation(), memory.conflicts_since});
      }
      ReportStatus(*tier, StatusJson(*tier, status.status), memory, result);
      PublishDirectory(*tier, owned, readings, state.policy.update_revision, plan.drain_queue,
                       memory, result);
    }
    // Condition transitions, after the status write that shows them (a
    // refused write throws past this and the next pass sees the transition
    // again, from the last status this process did write).
    for (const auto& e : status.events) {
      deps_.events->Record(*tier, e.warning, e.reason, e.message);
    }
    for (const auto& e : canary_events) {
      spdlog::info("{}/{}: {}: {}", tier->Namespace(), tier->Name(), e.reason, e.message);
      deps_.events->Record(*tier, e.warning, e.reason, e.message);
    }
  } catch (const StaleWrite&) {
    result.error = true;
  }
  return result;
}

}  // namespace baton::controller
