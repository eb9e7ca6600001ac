#pragma once

#include <optional>

namespace baton::examples {

// Whether a pod of the serving directory can take another session: the one
// rule every reader of the directory applies (docs/drain-protocol.md,
// "Readers"). A count the directory leaves out is unknown, never 0: such a
// pod has no room we know of, even when it reports no capacity.
enum class Room {
  kOpen,     // count known, and below the capacity or no capacity reported
  kUnknown,  // count unknown: it may be full
  kFull,     // count at or above the reported capacity
};

// sessions: the directory's count plus whatever this reader sent the pod
// since; nullopt when the directory has none. capacity: nullopt when the pod
// reports none (no limit known, so never full by it).
Room RoomOf(std::optional<long> sessions, std::optional<long> capacity);

}  // namespace baton::examples
