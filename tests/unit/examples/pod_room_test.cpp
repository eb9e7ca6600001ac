#include "pod_room.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

constexpr std::optional<long> kUnknown = std::nullopt;

TEST(RoomOf, AnUnknownCountIsNeverRoomWhateverTheCapacity) {
  EXPECT_EQ(RoomOf(kUnknown, 100), Room::kUnknown);
  EXPECT_EQ(RoomOf(kUnknown, kUnknown), Room::kUnknown);
}

TEST(RoomOf, FullAtOrAboveTheCapacityOpenBelowOrWithoutOne) {
  EXPECT_EQ(RoomOf(99, 100), Room::kOpen);
  EXPECT_EQ(RoomOf(100, 100), Room::kFull);
  EXPECT_EQ(RoomOf(150, 100), Room::kFull);
  EXPECT_EQ(RoomOf(0, 0), Room::kFull);
  EXPECT_EQ(RoomOf(1000000, kUnknown), Room::kOpen);  // no limit reported
}

}  // namespace
}  // namespace baton::examples
