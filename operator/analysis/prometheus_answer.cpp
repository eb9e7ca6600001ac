#include "analysis/prometheus_answer.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace baton::analysis {
namespace {

MetricSample Unknown(std::string why) {
  MetricSample s;
  s.error = std::move(why);
  return s;
}

std::string Bounded(std::string text) {
  if (text.size() <= kMaxErrorBytes) return text;
  std::size_t size = kMaxErrorBytes;
  // Back off over UTF-8 continuation bytes: the text stays valid UTF-8.
  while (size > 0 && (static_cast<unsigned char>(text[size]) & 0xC0) == 0x80) --size;
  text.resize(size);
  return text;
}

// A sample's value as Prometheus writes it: a JSON string holding a float,
// "NaN", "+Inf" or "-Inf".
std::optional<double> ParseValue(const nlohmann::json& pair) {
  if (!pair.is_array() || pair.size() != 2 || !pair[1].is_string()) return std::nullopt;
  const std::string& text = pair[1].get_ref<const std::string&>();
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

MetricSample FromValue(const nlohmann::json& pair) {
  std::optional<double> value = ParseValue(pair);
  if (!value) return Unknown("sample value is not a number");
  if (std::isnan(*value)) return Unknown("value is NaN");
  if (std::isinf(*value)) return Unknown(*value > 0 ? "value is +Inf" : "value is -Inf");
  MetricSample s;
  s.known = true;
  s.value = *value;
  return s;
}

std::string ServerError(const nlohmann::json& doc) {
  std::string out;
  if (auto t = doc.find("errorType"); t != doc.end() && t->is_string()) out = t->get<std::string>();
  if (auto e = doc.find("error"); e != doc.end() && e->is_string()) {
    out += (out.empty() ? "" : ": ") + e->get<std::string>();
  }
  return out;
}

}  // namespace

MetricSample ParsePrometheusAnswer(int http_status, std::string_view body) {
  // No exceptions: a garbled body is an ordinary input here.
  auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  const bool object = !doc.is_discarded() && doc.is_object();
  if (http_status < 200 || http_status > 299) {
    std::string why = "HTTP " + std::to_string(http_status);
    if (object && !ServerError(doc).empty()) why += ": " + ServerError(doc);
    return Unknown(Bounded(why));
  }
  if (!object) return Unknown("body is not a JSON object");
  auto status = doc.find("status");
  if (status == doc.end() || !status->is_string() || *status != "success") {
    std::string why = "status is not success";
    if (!ServerError(doc).empty()) why += ": " + ServerError(doc);
    return Unknown(Bounded(why));
  }
  auto data = doc.find("data");
  if (data == doc.end() || !data->is_object()) return Unknown("no data");
  auto type = data->find("resultType");
  auto result = data->find("result");
  if (type == data->end() || !type->is_string() || result == data->end()) {
    return Unknown("no resultType or result");
  }
  if (*type == "scalar") return FromValue(*result);
  if (*type != "vector") {
    return Unknown(Bounded("result type " + type->get<std::string>() + ", want vector or scalar"));
  }
  if (!result->is_array()) return Unknown("vector result is not an array");
  if (result->empty()) return Unknown("no series");
  if (result->size() > 1) return Unknown(std::to_string(result->size()) + " series, want 1");
  const nlohmann::json& sample = (*result)[0];
  if (!sample.is_object() || !sample.contains("value")) return Unknown("sample has no value");
  return FromValue(sample["value"]);
}

}  // namespace baton::analysis
