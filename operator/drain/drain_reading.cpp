#include "drain/drain_reading.h"

#include <nlohmann/json.hpp>

#include "api/bounded_text.h"
#include "timestamp/rfc3339.h"

namespace baton::drain {

std::string_view ToString(DrainState s) {
  switch (s) {
    case DrainState::Serving:
      return "Serving";
    case DrainState::Draining:
      return "Draining";
    case DrainState::Drained:
      return "Drained";
  }
  return "Unknown";
}

namespace {

std::optional<DrainState> ParseState(const std::string& s) {
  if (s == "Serving") return DrainState::Serving;
  if (s == "Draining") return DrainState::Draining;
  if (s == "Drained") return DrainState::Drained;
  return std::nullopt;
}

// Control characters (newlines in an Event, say) become spaces; the cut
// keeps the text valid UTF-8 (the parser has already rejected invalid UTF-8).
std::string BoundedReason(const std::string& in) {
  std::string out = api::BoundedText(in, kMaxVerdictReasonBytes);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return out;
}

// The optional verdict: {"healthy": bool, "reason": string?}. Anything else
// is no opinion (nullopt); it never makes the reading unknown.
std::optional<api::WorkloadVerdict> ParseVerdict(const nlohmann::json& doc) {
  auto v = doc.find("verdict");
  if (v == doc.end() || !v->is_object()) return std::nullopt;
  auto healthy = v->find("healthy");
  if (healthy == v->end() || !healthy->is_boolean()) return std::nullopt;
  auto reason = v->find("reason");
  if (reason != v->end() && !reason->is_string() && !reason->is_null()) return std::nullopt;
  api::WorkloadVerdict out;
  out.healthy = healthy->get<bool>();
  if (reason != v->end() && reason->is_string()) {
    out.reason = BoundedReason(reason->get_ref<const std::string&>());
  }
  return out;
}

}  // namespace

DrainReading ParseDrainAnswer(int http_status, std::string_view body,
                              std::chrono::system_clock::time_point at) {
  if (http_status < 200 || http_status > 299) {
    return DrainReading::Unknown("HTTP " + std::to_string(http_status), at);
  }
  // No exceptions: a garbled body is an ordinary, expected input here.
  auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return DrainReading::Unknown("body is not a JSON object", at);
  }
  auto protocol = doc.find("protocol");
  if (protocol == doc.end() || !protocol->is_string() || *protocol != "baton.dev/drain/v1") {
    return DrainReading::Unknown("protocol is not baton.dev/drain/v1", at);
  }
  auto instance = doc.find("instanceId");
  if (instance == doc.end() || !instance->is_string() ||
      instance->get_ref<const std::string&>().empty()) {
    return DrainReading::Unknown("instanceId missing", at);
  }
  auto sessions = doc.find("sessions");
  // is_number_integer() is true for both signed and unsigned JSON integers;
  // 1.5 or "12" are refused, as is anything negative or implausibly large.
  if (sessions == doc.end() || !sessions->is_number_integer()) {
    return DrainReading::Unknown("sessions is not an integer", at);
  }
  if (sessions->is_number_unsigned()
          ? sessions->get<uint64_t>() > uint64_t(kMaxPlausibleSessions)
          : (sessions->get<int64_t>() < 0 || sessions->get<int64_t>() > kMaxPlausibleSessions)) {
    return DrainReading::Unknown("sessions out of range", at);
  }
  auto state = doc.find("state");
  std::optional<DrainState> parsed_state;
  if (state != doc.end() && state->is_string()) parsed_state = ParseState(*state);
  if (!parsed_state) return DrainReading::Unknown("state is not Serving|Draining|Drained", at);
  // "Drained" with sessions left contradicts itself: believe neither half.
  if (*parsed_state == DrainState::Drained && sessions->get<int64_t>() != 0) {
    return DrainReading::Unknown("state Drained with sessions > 0", at);
  }

  DrainReading r;
  r.known = true;
  r.sessions = sessions->get<int64_t>();
  r.state = *parsed_state;
  r.instance_id = instance->get<std::string>();
  if (auto v = doc.find("version"); v != doc.end() && v->is_string()) r.version = *v;
  // A hint, not the gate: a bad capacity is dropped, the count stays known.
  if (auto c = doc.find("capacity");
      c != doc.end() && c->is_number_integer() &&
      (c->is_number_unsigned()
           ? c->get<uint64_t>() <= uint64_t(kMaxPlausibleSessions)
           : (c->get<int64_t>() >= 0 && c->get<int64_t>() <= kMaxPlausibleSessions))) {
    r.capacity = c->get<int64_t>();
  }
  if (auto d = doc.find("drain"); r.state != DrainState::Serving && d != doc.end() &&
                                  d->is_object() && d->contains("startedAt") &&
                                  (*d)["startedAt"].is_string()) {
    r.drain_started_at = timestamp::ParseRfc3339((*d)["startedAt"].get<std::string>());
  }
  r.verdict = ParseVerdict(doc);
  r.read_at = at;
  return r;
}

}  // namespace baton::drain
