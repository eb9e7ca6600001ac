// The example relay's verdict on itself (the drain contract's `verdict`):
// unhealthy when it dropped more than a share of the messages of the last
// window, refused any session in it, or refuses new sessions now (a relay
// that refuses is bad before anyone has tried it). Pure.
#pragma once

#include <chrono>

#include "drain_state.h"
#include "event_window.h"

namespace baton::examples {

WorkloadVerdict JudgeRelay(const EventCounts& window, std::chrono::seconds span,
                           double max_drop_share, bool refusing_now);

}  // namespace baton::examples
