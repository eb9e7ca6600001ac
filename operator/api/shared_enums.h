// The enums every layer shares -- the CR types, the drain client, the pure
// planner, the controller and the plugin -- so that one value has one type
// from the JSON edge to the planner and back, with no converters between
// twins. Their spellings on the wire are in contract.h; tier_types.h reads
// and writes them.
#pragma once

namespace baton::api {

// The three CRD kinds (contract.h kTierKinds).
enum class TierKind { Relay, Session, Business };

// A workload's answer to GET /drain, "state" (docs/drain-protocol.md).
enum class DrainState { Serving, Draining, Drained };

// spec.drain.onTimeout: what a drain past its timeout does.
enum class OnTimeout { Pause, Proceed };

// status.phase.
enum class Phase { Healthy, Progressing, Paused, Degraded };

}  // namespace baton::api
