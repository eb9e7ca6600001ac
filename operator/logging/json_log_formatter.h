// One JSON object per log line ({"ts","level","logger","msg"}), the format
// log pipelines expect from a controller. The message is escaped properly,
// which spdlog's pattern language alone cannot do.
#pragma once

namespace baton::logging {

// Switches spdlog's default logger to JSON lines on stderr.
void UseJsonLogs();

}  // namespace baton::logging
