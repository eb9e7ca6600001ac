#include "host_port.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

TEST(HostPort, ParsesIpv4AndPort) {
  auto hp = ParseHostPort("127.0.0.2:7000");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "127.0.0.2");
  EXPECT_EQ(hp->port, 7000);
  EXPECT_EQ(hp->ToString(), "127.0.0.2:7000");
}

TEST(HostPort, RejectsNamesAndBadPorts) {
  for (const char* bad : {"", "127.0.0.1", "localhost:80", "127.0.0.1:", "127.0.0.1:0",
                          "127.0.0.1:65536", "127.0.0.1:80x", "1.2.3:80"}) {
    EXPECT_FALSE(ParseHostPort(bad)) << bad;
  }
}

TEST(HostPort, ParsesLists) {
  auto list = ParseHostPortList("127.0.0.1:1,127.0.0.2:2");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1], (HostPort{"127.0.0.2", 2}));
  EXPECT_FALSE(ParseHostPortList(""));
  EXPECT_FALSE(ParseHostPortList("127.0.0.1:1,"));
  EXPECT_FALSE(ParseHostPortList("127.0.0.1:1,nope"));
}

}  // namespace
}  // namespace baton::examples
