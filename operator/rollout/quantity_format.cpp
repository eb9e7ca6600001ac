#include "rollout/quantity_format.h"

namespace baton::rollout {

std::string formatCount(std::int64_t value) {
  const bool negative = value < 0;
  std::string digits = std::to_string(negative ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

std::string formatDuration(std::chrono::seconds duration) {
  std::int64_t total = duration.count();
  if (total < 0) total = 0;
  const std::int64_t hours = total / 3600;
  const std::int64_t minutes = (total % 3600) / 60;
  const std::int64_t seconds = total % 60;
  if (hours > 0) {
    return std::to_string(hours) + "h" + (minutes > 0 ? std::to_string(minutes) + "m" : "");
  }
  if (minutes > 0) {
    return std::to_string(minutes) + "m" + (seconds > 0 ? std::to_string(seconds) + "s" : "");
  }
  return std::to_string(seconds) + "s";
}

}  // namespace baton::rollout
