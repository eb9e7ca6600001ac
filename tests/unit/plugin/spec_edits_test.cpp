#include "plugin/spec_edits.h"

#include <gtest/gtest.h>

namespace baton::plugin {
namespace {

nlohmann::json Revision(const std::string& name, const std::string& hash, int number,
                        const std::string& owner, const std::string& image) {
  return {{"metadata",
           {{"name", name},
            {"labels", {{"baton.dev/revision", hash}}},
            {"ownerReferences", {{{"uid", owner}}}}}},
          {"revision", number},
          {"data", {{"spec", {{"template", {{"spec", {{"image", image}}}}}}}}}};
}

nlohmann::json Tier(const std::string& update) {
  return {{"metadata", {{"uid", "u1"}, {"resourceVersion", "42"}}},
          {"status", {{"updateRevision", update}}}};
}

TEST(SpecEdits, PauseResumeRestartAndSkipDrainPatches) {
  EXPECT_EQ(PausePatch(true), nlohmann::json::parse(R"({"spec":{"rollout":{"paused":true}}})"));
  EXPECT_EQ(PausePatch(false), nlohmann::json::parse(R"({"spec":{"rollout":{"paused":false}}})"));
  EXPECT_EQ(RestartPatch("2026-11-25T12:00:00Z"),
            nlohmann::json::parse(R"({"spec":{"rollout":{"restartAt":"2026-11-25T12:00:00Z"}}})"));
  EXPECT_EQ(SkipDrainPatch("2026-11-25T12:00:00Z"),
            nlohmann::json::parse(
                R"({"metadata":{"annotations":{"baton.dev/skip-drain":"2026-11-25T12:00:00Z"}}})"));
}

TEST(SpecEdits, UndoPicksTheNewestOtherRevisionOfThisTier) {
  nlohmann::json revisions = {Revision("relay-h1", "h1", 1, "u1", "v1"),
                              Revision("relay-h2", "h2", 2, "u1", "v2"),
                              Revision("relay-h3", "h3", 3, "u1", "v3"),
                              Revision("other-h9", "h9", 9, "someone-else", "v9")};
  auto choice = ChooseUndoRevision(Tier("h3"), revisions);
  ASSERT_TRUE(choice.revision);
  EXPECT_EQ((*choice.revision)["metadata"]["name"], "relay-h2");
  // After an undo to h2 the newest other revision is h3: undo twice is redo.
  choice = ChooseUndoRevision(Tier("h2"), revisions);
  ASSERT_TRUE(choice.revision);
  EXPECT_EQ((*choice.revision)["metadata"]["name"], "relay-h3");
}

TEST(SpecEdits, UndoWithNothingToGoBackTo) {
  nlohmann::json revisions = {Revision("relay-h1", "h1", 1, "u1", "v1")};
  auto choice = ChooseUndoRevision(Tier("h1"), revisions);
  EXPECT_FALSE(choice.revision);
  EXPECT_FALSE(choice.error.empty());
  EXPECT_FALSE(ChooseUndoRevision(Tier("h1"), nlohmann::json::array()).revision);
}

TEST(SpecEdits, UndoPatchReplacesTheTemplateGuardedByResourceVersion) {
  auto patch = UndoPatch(Tier("h3"), Revision("relay-h2", "h2", 2, "u1", "v2"));
  EXPECT_EQ(patch, nlohmann::json::parse(R"([
    {"op":"test","path":"/metadata/resourceVersion","value":"42"},
    {"op":"replace","path":"/spec/template","value":{"spec":{"image":"v2"}}}])"));
}

}  // namespace
}  // namespace baton::plugin
