#include "api/rfc3339.h"

#include <cstdio>

namespace baton::api {
namespace {

// Reads exactly `width` decimal digits at `pos`.
bool Digits(std::string_view text, size_t pos, size_t width, int& out) {
  if (pos + width > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text) {
  using namespace std::chrono;
  int year, month, day, hour, minute, second;
  if (!Digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !Digits(text, 5, 2, month) || text[7] != '-' || !Digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !Digits(text, 11, 2, hour) || text[13] != ':' ||
      !Digits(text, 14, 2, minute) || text[16] != ':' || !Digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  const year_month_day date{std::chrono::year{year}, std::chrono::month{unsigned(month)},
                            std::chrono::day{unsigned(day)}};
  // Leap seconds (:60) are refused rather than guessed at.
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;

  size_t pos = 19;
  microseconds fraction{0};
  if (text[pos] == '.') {
    ++pos;
    const size_t start = pos;
    int64_t micros = 0;
    int scale = 100000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      micros += (text[pos] - '0') * scale;  // digits beyond the 6th are dropped
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
    fraction = microseconds{micros};
  }
  minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!Digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !Digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = minutes{(oh * 60 + om) * (text[pos] == '-' ? -1 : 1)};
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  const sys_time<microseconds> local =
      sys_days{date} + hours{hour} + minutes{minute} + seconds{second} + fraction;
  const sys_time<microseconds> utc = local - offset;
  // system_clock counts nanoseconds in 64 bits: years 1678 to 2262. A time
  // outside would overflow (found by the drain-answer fuzzer with a
  // drain.startedAt in year 4050): unreadable, so absent.
  if (utc > time_point_cast<microseconds>(system_clock::time_point::max()) ||
      utc < time_point_cast<microseconds>(system_clock::time_point::min())) {
    return std::nullopt;
  }
  return time_point_cast<system_clock::duration>(utc);
}

std::string FormatRfc3339(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(time);
  const auto days = floor<std::chrono::days>(secs);
  const year_month_day date{days};
  const hh_mm_ss clock{secs - days};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(date.year()),
                unsigned(date.month()), unsigned(date.day()), int(clock.hours().count()),
                int(clock.minutes().count()), int(clock.seconds().count()));
  return buffer;
}

std::string FormatRfc3339Micros(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  std::string whole = FormatRfc3339(time);
  const auto micros = duration_cast<microseconds>(time - floor<seconds>(time)).count();
  char fraction[24];
  std::snprintf(fraction, sizeof fraction, ".%06lldZ", static_cast<long long>(micros));
  whole.pop_back();  // the 'Z'
  return whole + fraction;
}

}  // namespace baton::api
