#include "shard_routes.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

HostPort At(const std::string& host) {
  return {host, 7100};
}

TEST(ShardRoutes, CompleteOnceEveryShardHasAnAddress) {
  ShardRoutes routes(2);
  EXPECT_FALSE(routes.Complete());
  routes.Update({{At("127.0.0.1"), 0}});
  EXPECT_FALSE(routes.Complete());
  routes.Update({{At("127.0.0.1"), 0}, {At("127.0.0.2"), 1}, {At("127.0.0.9"), 7}});
  EXPECT_TRUE(routes.Complete());
  EXPECT_EQ(routes.Get(1).current, At("127.0.0.2"));
}

TEST(ShardRoutes, StaysWithTheOldPodWhileItIsListed) {
  ShardRoutes routes(1);
  routes.Update({{At("127.0.0.1"), 0}});
  routes.Update({{At("127.0.0.2"), 0}, {At("127.0.0.1"), 0}});
  EXPECT_EQ(routes.Get(0).current, At("127.0.0.1"));
  EXPECT_FALSE(routes.Get(0).previous);
}

TEST(ShardRoutes, SwitchesWhenUnlistedAndRemembersThePrevious) {
  ShardRoutes routes(1);
  routes.Update({{At("127.0.0.1"), 0}});
  routes.Update({{At("127.0.0.2"), 0}});
  EXPECT_EQ(routes.Get(0).current, At("127.0.0.2"));
  EXPECT_EQ(routes.Get(0).previous, At("127.0.0.1"));
  routes.ForgetPrevious(0);
  EXPECT_FALSE(routes.Get(0).previous);
}

TEST(ShardRoutes, AnEmptyListingKeepsTheLastAddress) {
  ShardRoutes routes(1);
  routes.Update({{At("127.0.0.1"), 0}});
  routes.Update({});
  EXPECT_EQ(routes.Get(0).current, At("127.0.0.1"));
}

}  // namespace
}  // namespace baton::examples
