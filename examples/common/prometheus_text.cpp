#include "prometheus_text.h"

#include <cmath>
#include <cstdio>

namespace baton::examples {
namespace {

// HELP text escapes backslash and newline (the format's only rule for it).
std::string EscapeHelp(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  // Whole numbers (every counter) print without an exponent up to 2^53.
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.17g", v);
  }
  return buf;
}

}  // namespace

std::string FormatPrometheusText(const std::vector<MetricSample>& samples) {
  std::string out;
  for (const MetricSample& s : samples) {
    out += "# HELP " + s.name + " " + EscapeHelp(s.help) + "\n";
    out += "# TYPE " + s.name + " " + s.type + "\n";
    out += s.name + " " + FormatValue(s.value) + "\n";
  }
  return out;
}

}  // namespace baton::examples
