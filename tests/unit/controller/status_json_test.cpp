#include "controller/status_json.h"

#include <gtest/gtest.h>

namespace baton::controller {
namespace {

// status.message has maxLength 1024 in the CRD: a longer one (many drains,
// a workload's long verdict reason) would have the whole status write
// refused. It is cut, on a UTF-8 character boundary.
TEST(StatusJsonTest, TheMessageIsCutToTheSchemasBoundOnACharacter) {
  api::Tier tier;
  tier.metadata = {{"name", "relay"}, {"namespace", "chat"}};
  rollout::TierStatus status;
  status.message = std::string(1023, 'x') + "\xC3\xA9" + std::string(500, 'y');
  const nlohmann::json out = StatusJson(tier, status);
  const std::string message = out["message"];
  EXPECT_EQ(message, std::string(1023, 'x'));  // the é would end at byte 1025
  EXPECT_NO_THROW((void)out.dump());
}

}  // namespace
}  // namespace baton::controller
