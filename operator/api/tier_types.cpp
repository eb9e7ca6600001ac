#include "api/tier_types.h"

#include <algorithm>
#include <limits>

namespace baton::api {
namespace {

using nlohmann::json;

[[noreturn]] void Fail(const std::string& path, std::string_view what) {
  throw DecodeError(path + ": " + std::string(what));
}

// The member `key` of `obj`, or nullptr when absent or null (both mean "use
// the default", as the API server's defaulting does for null).
const json* Member(const json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

const json& RequireObject(const json& j, const std::string& path) {
  if (!j.is_object()) Fail(path, "expected an object");
  return j;
}

void Read(const json& obj, std::string_view key, const std::string& path, int64_t& out) {
  const json* v = Member(obj, key);
  if (!v) return;
  if (!v->is_number_integer()) Fail(path + "." + std::string(key), "expected an integer");
  if (v->is_number_unsigned() &&
      v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    Fail(path + "." + std::string(key), "integer out of range");
  }
  out = v->get<int64_t>();
}

void Read(const json& obj, std::string_view key, const std::string& path, int32_t& out) {
  int64_t wide = out;
  Read(obj, key, path, wide);
  if (wide < std::numeric_limits<int32_t>::min() || wide > std::numeric_limits<int32_t>::max()) {
    Fail(path + "." + std::string(key), "integer out of int32 range");
  }
  out = static_cast<int32_t>(wide);
}

void Read(const json& obj, std::string_view key, const std::string& path, bool& out) {
  const json* v = Member(obj, key);
  if (!v) return;
  if (!v->is_boolean()) Fail(path + "." + std::string(key), "expected a boolean");
  out = v->get<bool>();
}

void Read(const json& obj, std::string_view key, const std::string& path, double& out) {
  const json* v = Member(obj, key);
  if (!v) return;
  if (!v->is_number()) Fail(path + "." + std::string(key), "expected a number");
  out = v->get<double>();
}

void Read(const json& obj, std::string_view key, const std::string& path, std::string& out) {
  const json* v = Member(obj, key);
  if (!v) return;
  if (!v->is_string()) Fail(path + "." + std::string(key), "expected a string");
  out = v->get<std::string>();
}

template <typename T>
void Read(const json& obj, std::string_view key, const std::string& path, std::optional<T>& out) {
  if (!Member(obj, key)) {
    out.reset();
    return;
  }
  T value{};
  Read(obj, key, path, value);
  out = std::move(value);
}

// Reads an enum member given as one of `names` (indexed like the enum).
template <typename Enum, size_t N>
void ReadEnum(const json& obj, std::string_view key, const std::string& path,
              const std::array<std::string_view, N>& names, Enum& out) {
  std::string text;
  if (!Member(obj, key)) return;
  Read(obj, key, path, text);
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) {
      out = static_cast<Enum>(i);
      return;
    }
  }
  std::string allowed;
  for (auto name : names) allowed += (allowed.empty() ? "" : ", ") + std::string(name);
  Fail(path + "." + std::string(key), "\"" + text + "\" is not one of " + allowed);
}

void ReadStringMap(const json& obj, std::string_view key, const std::string& path,
                   std::map<std::string, std::string>& out) {
  const json* v = Member(obj, key);
  if (!v) return;
  const std::string here = path + "." + std::string(key);
  RequireObject(*v, here);
  for (const auto& [k, value] : v->items()) {
    if (!value.is_string()) Fail(here + "." + k, "expected a string");
    out[k] = value.get<std::string>();
  }
}

// Visits each element of an array member as an object, with its indexed path.
template <typename Visit>
void ReadArray(const json& obj, std::string_view key, const std::string& path, Visit visit) {
  const json* v = Member(obj, key);
  if (!v) return;
  const std::string here = path + "." + std::string(key);
  if (!v->is_array()) Fail(here, "expected an array");
  for (size_t i = 0; i < v->size(); ++i) {
    const std::string item_path = here + "[" + std::to_string(i) + "]";
    visit(RequireObject((*v)[i], item_path), item_path);
  }
}

// A nested object member, or nullptr when absent.
const json* ReadObject(const json& obj, std::string_view key, const std::string& path) {
  const json* v = Member(obj, key);
  if (v) RequireObject(*v, path + "." + std::string(key));
  return v;
}

constexpr std::array<std::string_view, 2> kOnTimeoutNames{kOnTimeoutPause, kOnTimeoutProceed};
constexpr std::array<std::string_view, 2> kDrainAuthNames{kDrainAuthNone,
                                                          kDrainAuthServiceAccountToken};
constexpr std::array<std::string_view, 4> kPhaseNames{kPhaseHealthy, kPhaseProgressing,
                                                      kPhasePaused, kPhaseDegraded};

void DecodeDrain(const json& j, const std::string& path, DrainSpec& out) {
  RequireObject(j, path);
  out = DrainSpec{};
  Read(j, "port", path, out.port);
  Read(j, "path", path, out.path);
  Read(j, "sessionThreshold", path, out.session_threshold);
  Read(j, "pollIntervalSeconds", path, out.poll_interval_seconds);
  Read(j, "timeoutSeconds", path, out.timeout_seconds);
  ReadEnum(j, "onTimeout", path, kOnTimeoutNames, out.on_timeout);
  Read(j, "sessionsPerSecond", path, out.sessions_per_second);
  Read(j, "allowHostNetwork", path, out.allow_host_network);
  if (const json* auth = ReadObject(j, "auth", path)) {
    const std::string auth_path = path + ".auth";
    ReadEnum(*auth, "type", auth_path, kDrainAuthNames, out.auth.type);
  }
}

void DecodeRollout(const json& j, const std::string& path, RolloutSpec& out) {
  RequireObject(j, path);
  out = RolloutSpec{};
  Read(j, "maxSurge", path, out.max_surge);
  Read(j, "maxUnavailable", path, out.max_unavailable);
  Read(j, "maxConcurrentDrains", path, out.max_concurrent_drains);
  Read(j, "paused", path, out.paused);
  Read(j, "partition", path, out.partition);
  Read(j, "minReadySeconds", path, out.min_ready_seconds);
  Read(j, "progressDeadlineSeconds", path, out.progress_deadline_seconds);
  Read(j, "restartAt", path, out.restart_at);
  if (const json* canary = ReadObject(j, "canary", path)) {
    const std::string canary_path = path + ".canary";
    CanarySpec spec;
    ReadArray(*canary, "steps", canary_path, [&](const json& item, const std::string& p) {
      CanaryStep step;
      // IntOrString: 2 or "25%".
      if (const json* r = Member(item, "replicas"); r != nullptr && r->is_string()) {
        const std::string text = r->get<std::string>();
        int32_t percent = -1;
        if (text.size() >= 2 && text.back() == '%' && text.size() <= 4) {
          try {
            std::size_t used = 0;
            percent = std::stoi(text.substr(0, text.size() - 1), &used);
            if (used != text.size() - 1) percent = -1;
          } catch (const std::exception&) {
            percent = -1;
          }
        }
        if (percent < 1 || percent > 100) Fail(p + ".replicas", "expected a count or 1%..100%");
        step.percent = percent;
      } else {
        Read(item, "replicas", p, step.replicas);
      }
      Read(item, "bakeSeconds", p, step.bake_seconds);
      Read(item, "waitForPromote", p, step.wait_for_promote);
      spec.steps.push_back(step);
    });
    if (const json* analysis = ReadObject(*canary, "analysis", canary_path)) {
      const std::string analysis_path = canary_path + ".analysis";
      Read(*analysis, "workloadVerdict", analysis_path, spec.analysis.workload_verdict);
      if (const json* prom = ReadObject(*analysis, "prometheus", analysis_path)) {
        const std::string prom_path = analysis_path + ".prometheus";
        PrometheusCheck check;
        Read(*prom, "query", prom_path, check.query);
        Read(*prom, "min", prom_path, check.min);
        Read(*prom, "max", prom_path, check.max);
        Read(*prom, "intervalSeconds", prom_path, check.interval_seconds);
        spec.analysis.prometheus = std::move(check);
      }
    }
    out.canary = std::move(spec);
  }
}

void DecodeSpec(const json& j, const std::string& path, TierSpec& out) {
  RequireObject(j, path);
  out = TierSpec{};
  Read(j, "replicas", path, out.replicas);
  if (const json* selector = ReadObject(j, "selector", path)) {
    out.selector.emplace();
    ReadStringMap(*selector, "matchLabels", path + ".selector", out.selector->match_labels);
  }
  if (const json* tmpl = ReadObject(j, "template", path)) out.pod_template = *tmpl;
  if (const json* drain = ReadObject(j, "drain", path))
    DecodeDrain(*drain, path + ".drain", out.drain);
  if (const json* rollout = ReadObject(j, "rollout", path)) {
    DecodeRollout(*rollout, path + ".rollout", out.rollout);
  }
  Read(j, "revisionHistoryLimit", path, out.revision_history_limit);
  Read(j, "servingPort", path, out.serving_port);
  if (const json* service = ReadObject(j, "service", path)) {
    const std::string service_path = path + ".service";
    ServiceSpec svc;
    Read(*service, "type", service_path, svc.type);
    ReadArray(*service, "ports", service_path, [&](const json& item, const std::string& p) {
      ServicePort port;
      Read(item, "name", p, port.name);
      Read(item, "port", p, port.port);
      Read(item, "targetPort", p, port.target_port);
      Read(item, "protocol", p, port.protocol);
      svc.ports.push_back(std::move(port));
    });
    out.service = std::move(svc);
  }
  if (const json* pdb = ReadObject(j, "podDisruptionBudget", path)) {
    const std::string pdb_path = path + ".podDisruptionBudget";
    PodDisruptionBudgetSpec budget;
    Read(*pdb, "minAvailable", pdb_path, budget.min_available);
    Read(*pdb, "maxUnavailable", pdb_path, budget.max_unavailable);
    out.pod_disruption_budget = budget;
  }
  Read(j, "allowShardCountChange", path, out.allow_shard_count_change);
}

void DecodeStatus(const json& j, const std::string& path, TierStatus& out) {
  RequireObject(j, path);
  out = TierStatus{};
  Read(j, "observedGeneration", path, out.observed_generation);
  Read(j, "replicas", path, out.replicas);
  Read(j, "readyReplicas", path, out.ready_replicas);
  Read(j, "updatedReplicas", path, out.updated_replicas);
  Read(j, "availableReplicas", path, out.available_replicas);
  Read(j, "currentRevision", path, out.current_revision);
  Read(j, "updateRevision", path, out.update_revision);
  Read(j, "collisionCount", path, out.collision_count);
  Read(j, "selector", path, out.selector);
  Read(j, "totalSessions", path, out.total_sessions);
  Read(j, "unknownSessionPods", path, out.unknown_session_pods);
  if (Member(j, "phase")) {
    Phase phase = Phase::Healthy;
    ReadEnum(j, "phase", path, kPhaseNames, phase);
    out.phase = phase;
  }
  Read(j, "message", path, out.message);
  Read(j, "stepStartedAt", path, out.step_started_at);
  ReadArray(j, "drainingPods", path, [&](const json& item, const std::string& p) {
    DrainingPod pod;
    Read(item, "name", p, pod.name);
    Read(item, "successor", p, pod.successor);
    Read(item, "startedAt", p, pod.started_at);
    Read(item, "deadline", p, pod.deadline);
    Read(item, "sessionsAtStart", p, pod.sessions_at_start);
    Read(item, "sessionsNow", p, pod.sessions_now);
    Read(item, "sessionsPerSecond", p, pod.sessions_per_second);
    Read(item, "etaSeconds", p, pod.eta_seconds);
    Read(item, "timedOut", p, pod.timed_out);
    out.draining_pods.push_back(std::move(pod));
  });
  ReadArray(j, "conditions", path, [&](const json& item, const std::string& p) {
    Condition c;
    Read(item, "type", p, c.type);
    Read(item, "status", p, c.status);
    Read(item, "reason", p, c.reason);
    Read(item, "message", p, c.message);
    Read(item, "observedGeneration", p, c.observed_generation);
    Read(item, "lastTransitionTime", p, c.last_transition_time);
    out.conditions.push_back(std::move(c));
  });
  if (const json* canary = ReadObject(j, "canary", path)) {
    const std::string p = path + ".canary";
    CanaryStatus c;
    Read(*canary, "revision", p, c.revision);
    Read(*canary, "step", p, c.step);
    Read(*canary, "steps", p, c.steps);
    Read(*canary, "stepReplicas", p, c.step_replicas);
    Read(*canary, "state", p, c.state);
    Read(*canary, "bakeEndsAt", p, c.bake_ends_at);
    ReadArray(*canary, "signals", p, [&](const json& item, const std::string& sp) {
      CanarySignal signal;
      Read(item, "name", sp, signal.name);
      Read(item, "status", sp, signal.status);
      Read(item, "value", sp, signal.value);
      Read(item, "message", sp, signal.message);
      c.signals.push_back(std::move(signal));
    });
    if (const json* rollback = ReadObject(*canary, "rollback", p)) {
      CanaryRollback r;
      Read(*rollback, "revision", p + ".rollback", r.revision);
      Read(*rollback, "signal", p + ".rollback", r.signal);
      Read(*rollback, "message", p + ".rollback", r.message);
      Read(*rollback, "at", p + ".rollback", r.at);
      c.rollback = std::move(r);
    }
    out.canary = std::move(c);
  }
}

// metadata[key] when it is a string, else "" (metadata may be built by hand).
std::string StringMember(const json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <typename T>
void WriteOptional(json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}

void WriteNonEmpty(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

}  // namespace

const KindNames& NamesOf(TierKind kind) {
  switch (kind) {
    case TierKind::Relay:
      return kRelayTier;
    case TierKind::Session:
      return kSessionTier;
    case TierKind::Business:
      return kBusinessTier;
  }
  throw std::invalid_argument("unknown TierKind");
}

std::optional<TierKind> ParseTierKind(std::string_view kind) {
  for (TierKind k : {TierKind::Relay, TierKind::Session, TierKind::Business}) {
    if (NamesOf(k).kind == kind) return k;
  }
  return std::nullopt;
}

std::string_view ToString(OnTimeout value) {
  return kOnTimeoutNames.at(static_cast<size_t>(value));
}
std::string_view ToString(DrainAuthType value) {
  return kDrainAuthNames.at(static_cast<size_t>(value));
}
std::string_view ToString(Phase value) {
  return kPhaseNames.at(static_cast<size_t>(value));
}

std::optional<int32_t> TierSpec::EffectiveServingPort() const {
  if (serving_port) return serving_port;
  if (service && !service->ports.empty()) return service->ports.front().EffectiveTargetPort();
  return std::nullopt;
}

const Condition* TierStatus::FindCondition(std::string_view type) const {
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const Condition& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

std::string Tier::Name() const {
  return StringMember(metadata, "name");
}
std::string Tier::Namespace() const {
  return StringMember(metadata, "namespace");
}
std::string Tier::Uid() const {
  return StringMember(metadata, "uid");
}
int64_t Tier::Generation() const {
  if (!metadata.is_object()) return 0;
  auto it = metadata.find("generation");
  return it != metadata.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}
bool Tier::OrphansPods() const {
  if (!metadata.is_object()) return false;
  auto it = metadata.find("finalizers");
  if (it == metadata.end() || !it->is_array()) return false;
  for (const auto& f : *it) {
    if (f.is_string() && f.get<std::string>() == "orphan") return true;
  }
  return false;
}

bool Tier::Deleting() const {
  if (!metadata.is_object()) return false;
  auto it = metadata.find("deletionTimestamp");
  return it != metadata.end() && !it->is_null();
}

void from_json(const json& j, DrainSpec& out) {
  DecodeDrain(j, "drain", out);
}
void from_json(const json& j, RolloutSpec& out) {
  DecodeRollout(j, "rollout", out);
}
void from_json(const json& j, TierSpec& out) {
  DecodeSpec(j, "spec", out);
}
void from_json(const json& j, TierStatus& out) {
  DecodeStatus(j, "status", out);
}

void to_json(json& j, const DrainSpec& in) {
  j = json{{"port", in.port},
           {"path", in.path},
           {"sessionThreshold", in.session_threshold},
           {"pollIntervalSeconds", in.poll_interval_seconds},
           {"timeoutSeconds", in.timeout_seconds},
           {"onTimeout", ToString(in.on_timeout)},
           {"sessionsPerSecond", in.sessions_per_second},
           {"allowHostNetwork", in.allow_host_network},
           {"auth", {{"type", ToString(in.auth.type)}}}};
}

void to_json(json& j, const RolloutSpec& in) {
  j = json{{"maxSurge", in.max_surge},
           {"maxUnavailable", in.max_unavailable},
           {"maxConcurrentDrains", in.max_concurrent_drains},
           {"paused", in.paused},
           {"partition", in.partition},
           {"minReadySeconds", in.min_ready_seconds},
           {"progressDeadlineSeconds", in.progress_deadline_seconds}};
  WriteOptional(j, "restartAt", in.restart_at);
  if (in.canary) {
    json steps = json::array();
    for (const auto& step : in.canary->steps) {
      json item{{"bakeSeconds", step.bake_seconds}, {"waitForPromote", step.wait_for_promote}};
      if (step.percent) {
        item["replicas"] = std::to_string(*step.percent) + "%";
      } else {
        item["replicas"] = step.replicas;
      }
      steps.push_back(std::move(item));
    }
    json analysis{{"workloadVerdict", in.canary->analysis.workload_verdict}};
    if (const auto& prom = in.canary->analysis.prometheus) {
      json check{{"query", prom->query}, {"intervalSeconds", prom->interval_seconds}};
      WriteOptional(check, "min", prom->min);
      WriteOptional(check, "max", prom->max);
      analysis["prometheus"] = std::move(check);
    }
    j["canary"] = {{"steps", std::move(steps)}, {"analysis", std::move(analysis)}};
  }
}

void to_json(json& j, const TierSpec& in) {
  j = json{{"replicas", in.replicas},
           {"template", in.pod_template},
           {"drain", in.drain},
           {"rollout", in.rollout},
           {"revisionHistoryLimit", in.revision_history_limit}};
  if (in.selector) j["selector"] = {{"matchLabels", in.selector->match_labels}};
  WriteOptional(j, "servingPort", in.serving_port);
  if (in.service) {
    json ports = json::array();
    for (const auto& p : in.service->ports) {
      json port{{"name", p.name}, {"port", p.port}, {"protocol", p.protocol}};
      WriteOptional(port, "targetPort", p.target_port);
      ports.push_back(std::move(port));
    }
    j["service"] = {{"type", in.service->type}, {"ports", std::move(ports)}};
  }
  if (in.pod_disruption_budget) {
    json pdb = json::object();
    WriteOptional(pdb, "minAvailable", in.pod_disruption_budget->min_available);
    WriteOptional(pdb, "maxUnavailable", in.pod_disruption_budget->max_unavailable);
    j["podDisruptionBudget"] = std::move(pdb);
  }
  if (in.allow_shard_count_change) j["allowShardCountChange"] = true;
}

json SpecToJson(const TierSpec& spec, TierKind kind) {
  json j = spec;
  // The SessionTier schema defaults the field, so the server always shows it.
  if (kind == TierKind::Session) j["allowShardCountChange"] = spec.allow_shard_count_change;
  return j;
}

void to_json(json& j, const TierStatus& in) {
  j = json{{"observedGeneration", in.observed_generation}, {"replicas", in.replicas},
           {"readyReplicas", in.ready_replicas},           {"updatedReplicas", in.updated_replicas},
           {"availableReplicas", in.available_replicas},   {"totalSessions", in.total_sessions},
           {"unknownSessionPods", in.unknown_session_pods}};
  WriteNonEmpty(j, "currentRevision", in.current_revision);
  WriteNonEmpty(j, "updateRevision", in.update_revision);
  if (in.collision_count != 0) j["collisionCount"] = in.collision_count;
  WriteNonEmpty(j, "selector", in.selector);
  if (in.phase) j["phase"] = ToString(*in.phase);
  WriteNonEmpty(j, "message", in.message);
  WriteOptional(j, "stepStartedAt", in.step_started_at);
  if (!in.draining_pods.empty()) {
    json pods = json::array();
    for (const auto& p : in.draining_pods) {
      json pod{{"name", p.name}};
      WriteOptional(pod, "successor", p.successor);
      WriteOptional(pod, "startedAt", p.started_at);
      WriteOptional(pod, "deadline", p.deadline);
      WriteOptional(pod, "sessionsAtStart", p.sessions_at_start);
      WriteOptional(pod, "sessionsNow", p.sessions_now);
      WriteOptional(pod, "sessionsPerSecond", p.sessions_per_second);
      WriteOptional(pod, "etaSeconds", p.eta_seconds);
      if (p.timed_out) pod["timedOut"] = true;
      pods.push_back(std::move(pod));
    }
    j["drainingPods"] = std::move(pods);
  }
  if (!in.conditions.empty()) {
    json conditions = json::array();
    for (const auto& c : in.conditions) {
      json cond{{"type", c.type},
                {"status", c.status},
                {"reason", c.reason},
                {"message", c.message},
                {"lastTransitionTime", c.last_transition_time}};
      if (c.observed_generation != 0) cond["observedGeneration"] = c.observed_generation;
      conditions.push_back(std::move(cond));
    }
    j["conditions"] = std::move(conditions);
  }
  if (in.canary) {
    const CanaryStatus& c = *in.canary;
    json canary{{"revision", c.revision},
                {"step", c.step},
                {"steps", c.steps},
                {"stepReplicas", c.step_replicas},
                {"state", c.state}};
    WriteOptional(canary, "bakeEndsAt", c.bake_ends_at);
    if (!c.signals.empty()) {
      json signals = json::array();
      for (const auto& s : c.signals) {
        signals.push_back(
            {{"name", s.name}, {"status", s.status}, {"value", s.value}, {"message", s.message}});
      }
      canary["signals"] = std::move(signals);
    }
    if (c.rollback) {
      canary["rollback"] = {{"revision", c.rollback->revision},
                            {"signal", c.rollback->signal},
                            {"message", c.rollback->message},
                            {"at", c.rollback->at}};
    }
    j["canary"] = std::move(canary);
  }
}

void from_json(const json& j, Tier& out) {
  RequireObject(j, "object");
  std::string kind;
  Read(j, "kind", "object", kind);
  auto parsed = ParseTierKind(kind);
  if (!parsed) Fail("kind", "\"" + kind + "\" is not a Baton tier kind");
  std::string api_version;
  Read(j, "apiVersion", "object", api_version);
  if (!api_version.empty() && api_version != kApiVersion) {
    Fail("apiVersion", "\"" + api_version + "\" is not " + std::string(kApiVersion));
  }
  Tier tier;
  tier.kind = *parsed;
  if (const json* metadata = ReadObject(j, "metadata", "object")) {
    // The accessors (Name(), Generation(), ...) rely on these types.
    std::string text;
    for (const char* key : {"name", "namespace", "uid", "resourceVersion"}) {
      Read(*metadata, key, "metadata", text);
    }
    int64_t generation = 0;
    Read(*metadata, "generation", "metadata", generation);
    tier.metadata = *metadata;
  }
  const json* spec = ReadObject(j, "spec", "object");
  if (!spec) Fail("spec", "required");
  DecodeSpec(*spec, "spec", tier.spec);
  if (const json* status = ReadObject(j, "status", "object")) {
    DecodeStatus(*status, "status", tier.status);
  }
  out = std::move(tier);
}

void to_json(json& j, const Tier& in) {
  j = json{{"apiVersion", kApiVersion},
           {"kind", NamesOf(in.kind).kind},
           {"metadata", in.metadata},
           {"spec", SpecToJson(in.spec, in.kind)},
           {"status", in.status}};
}

std::string DrainAudienceOf(const Tier& tier) {
  return std::string(kDrainAudiencePrefix) + tier.Namespace() + "/" +
         std::string(NamesOf(tier.kind).kind) + "/" + tier.Name();
}

}  // namespace baton::api
