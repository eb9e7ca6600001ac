#include "kube/lease_lock.h"

#include <gtest/gtest.h>

namespace baton::kube {
namespace {

TEST(LeaseRecord, RoundTripsThroughTheLeaseSpec) {
  LeaderElectionRecord r{"pod-a_1234", 15, "2026-11-25T09:00:00.000000Z",
                         "2026-11-25T09:00:10.500000Z", 3};
  nlohmann::json lease = {{"spec", LeaseSpecFromRecord(r)}};
  EXPECT_EQ(lease["spec"]["holderIdentity"], "pod-a_1234");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 15);
  EXPECT_EQ(RecordFromLease(lease), r);
}

TEST(LeaseRecord, MissingFieldsReadAsEmpty) {
  auto r = RecordFromLease(nlohmann::json::parse(R"({"spec":{"leaseTransitions":2}})"));
  EXPECT_EQ(r.holder_identity, "");
  EXPECT_EQ(r.lease_duration_seconds, 0);
  EXPECT_EQ(r.lease_transitions, 2);
  EXPECT_EQ(RecordFromLease(nlohmann::json::object()), LeaderElectionRecord{});
}

}  // namespace
}  // namespace baton::kube
