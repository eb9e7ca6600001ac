#include "plugin/canary_requests.h"

#include <gtest/gtest.h>

namespace baton::plugin {
namespace {

using nlohmann::json;

json TierWithCanary(const std::string& state, int step = 1) {
  return {{"metadata", {{"name", "relay"}}},
          {"status", {{"canary", {{"revision", "abc"}, {"step", step}, {"state", state}}}}}};
}

TEST(CanaryRequests, PromoteNamesTheRevisionAndTheStep) {
  auto r = PromoteRequest(TierWithCanary("AwaitingPromotion"), false);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.patch, json::parse(R"({"metadata":{"annotations":{"baton.dev/promote":"abc/1"}}})"));
  EXPECT_EQ(r.summary, "canary step 2 of revision abc promoted");
  auto full = PromoteRequest(TierWithCanary("Baking", 0), true);
  EXPECT_EQ(full.patch["metadata"]["annotations"]["baton.dev/promote"], "abc/full");
}

TEST(CanaryRequests, AbortNamesTheRevision) {
  auto r = AbortRequest(TierWithCanary("Baking"));
  EXPECT_EQ(r.patch, json::parse(R"({"metadata":{"annotations":{"baton.dev/abort":"abc"}}})"));
}

TEST(CanaryRequests, NothingToDoWithoutACanaryUnderWay) {
  json plain = {{"metadata", {{"name", "relay"}}}, {"status", {{"phase", "Healthy"}}}};
  auto none = PromoteRequest(plain, false);
  EXPECT_TRUE(none.patch.is_null());
  EXPECT_EQ(none.error, "no canary under way (status.canary is empty)");
  auto done = AbortRequest(TierWithCanary("Complete"));
  EXPECT_TRUE(done.patch.is_null());
  EXPECT_EQ(done.error, "the canary of revision abc is complete: nothing to do");
  auto back = PromoteRequest(TierWithCanary("RolledBack"), true);
  EXPECT_EQ(back.error, "the canary of revision abc is rolled back: nothing to do");
}

}  // namespace
}  // namespace baton::plugin
