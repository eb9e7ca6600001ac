#include "successor_address.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

TEST(SuccessorAddress, HostAndPort) {
  EXPECT_EQ(ResolveSuccessor("127.0.0.5:7200", 7100, nullptr), (HostPort{"127.0.0.5", 7200}));
}

TEST(SuccessorAddress, BareAddressUsesThisPodsPort) {
  EXPECT_EQ(ResolveSuccessor("127.0.0.5", 7100, nullptr), (HostPort{"127.0.0.5", 7100}));
}

TEST(SuccessorAddress, PodNameFromTheServingDirectory) {
  ServingDirectory d;
  d.endpoints.push_back({"sessions-0-b", "127.0.0.6", 7100, 0, "2", std::nullopt, std::nullopt});
  EXPECT_EQ(ResolveSuccessor("sessions-0-b", 1, &d), (HostPort{"127.0.0.6", 7100}));
  EXPECT_FALSE(ResolveSuccessor("sessions-0-c", 1, &d));
  EXPECT_FALSE(ResolveSuccessor("sessions-0-b", 1, nullptr));
}

TEST(SuccessorAddress, NothingUsable) {
  EXPECT_FALSE(ResolveSuccessor("", 7100, nullptr));
  EXPECT_FALSE(ResolveSuccessor("127.0.0.5:notaport", 7100, nullptr));
  EXPECT_FALSE(ResolveSuccessor("host.example:80", 7100, nullptr)) << "names are not resolved";
}

}  // namespace
}  // namespace baton::examples
