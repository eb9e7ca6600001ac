#include "pod_room.h"

namespace baton::examples {

Room RoomOf(std::optional<long> sessions, std::optional<long> capacity) {
  if (!sessions) return Room::kUnknown;
  if (capacity && *sessions >= *capacity) return Room::kFull;
  return Room::kOpen;
}

}  // namespace baton::examples
