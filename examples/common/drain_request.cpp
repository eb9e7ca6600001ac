#include "drain_request.h"

#include <cctype>
#include <ctime>
#include <nlohmann/json.hpp>

namespace baton::examples {
namespace {

// Reads exactly `n` digits at `pos`.
std::optional<int> Digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS
  auto year = Digits(s, 0, 4), month = Digits(s, 5, 2), day = Digits(s, 8, 2);
  auto hour = Digits(s, 11, 2), minute = Digits(s, 14, 2), second = Digits(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60)
    return std::nullopt;
  std::size_t pos = 19;
  std::chrono::nanoseconds fraction(0);
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    long long nanos = 0;
    int scale = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (scale < 9) {
        nanos = nanos * 10 + (s[pos] - '0');
        ++scale;
      }
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (; scale < 9; ++scale) nanos *= 10;
    fraction = std::chrono::nanoseconds(nanos);
  }
  if (pos >= s.size()) return std::nullopt;
  int offset_seconds = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    auto oh = Digits(s, pos + 1, 2), om = Digits(s, pos + 4, 2);
    if (!oh || !om || pos + 3 >= s.size() || s[pos + 3] != ':') return std::nullopt;
    offset_seconds = (*oh * 3600 + *om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  std::time_t epoch = timegm(&tm);
  auto t = std::chrono::system_clock::from_time_t(epoch - offset_seconds);
  return t + std::chrono::duration_cast<std::chrono::system_clock::duration>(fraction);
}

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  std::time_t epoch =
      std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&epoch, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

DrainRequestParse ParseDrainRequest(std::string_view body) {
  auto fail = [](std::string why) { return DrainRequestParse{std::nullopt, std::move(why)}; };
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return fail("body is not a JSON object");
  DrainRequest r;
  auto pace = j.find("pace");
  if (pace == j.end() || !pace->is_number()) return fail("pace: required number");
  r.pace = pace->get<double>();
  if (!(r.pace > 0)) return fail("pace: must be > 0");
  auto deadline = j.find("deadline");
  if (deadline == j.end() || !deadline->is_string()) return fail("deadline: required string");
  auto when = ParseRfc3339(deadline->get<std::string>());
  if (!when) return fail("deadline: not RFC 3339");
  r.deadline = *when;
  for (auto [key, field] : {std::pair{"successor", &r.successor}, {"reason", &r.reason}}) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_string()) return fail(std::string(key) + ": must be a string");
    *field = it->get<std::string>();
  }
  return DrainRequestParse{r, ""};
}

}  // namespace baton::examples
