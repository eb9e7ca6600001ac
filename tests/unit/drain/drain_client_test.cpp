#include "drain/drain_client.h"

#include <gtest/gtest.h>

namespace baton::drain {
namespace {

TEST(DrainEndpointTest, BracketsAnIpv6AddressInTheAuthority) {
  DrainEndpoint v4;
  v4.host = "127.1.0.7";
  v4.port = 9090;
  EXPECT_EQ(v4.Authority(), "127.1.0.7:9090");
  EXPECT_EQ(v4.Key(), "127.1.0.7:9090/drain");

  DrainEndpoint v6;
  v6.host = "fd00:10:244::7";
  v6.port = 9090;
  EXPECT_EQ(v6.Authority(), "[fd00:10:244::7]:9090");
  EXPECT_EQ(v6.Key(), "[fd00:10:244::7]:9090/drain");
}

}  // namespace
}  // namespace baton::drain
