#include "plugin/command_line.h"

#include <gtest/gtest.h>

namespace baton::plugin {
namespace {

using std::chrono::milliseconds;

TEST(CommandLine, Durations) {
  EXPECT_EQ(ParseDuration("90"), milliseconds(90'000));
  EXPECT_EQ(ParseDuration("90s"), milliseconds(90'000));
  EXPECT_EQ(ParseDuration("1.5s"), milliseconds(1'500));
  EXPECT_EQ(ParseDuration("5m"), milliseconds(300'000));
  EXPECT_EQ(ParseDuration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(ParseDuration("250ms"), milliseconds(250));
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("soon"));
  EXPECT_FALSE(ParseDuration("5d"));
  EXPECT_FALSE(ParseDuration("1m30"));
}

TEST(CommandLine, StatusWithGlobalFlags) {
  const char* argv[] = {"kubectl-baton", "-n",        "demo", "status", "relay",
                        "--watch",       "--timeout", "2m",   "--kind", "RelayTier"};
  auto parsed = ParseCommandLine(10, argv);
  ASSERT_TRUE(std::holds_alternative<Invocation>(parsed));
  const auto& inv = std::get<Invocation>(parsed);
  EXPECT_EQ(inv.command, "status");
  EXPECT_EQ(inv.target, "relay");
  EXPECT_EQ(inv.ns, "demo");
  EXPECT_TRUE(inv.watch);
  EXPECT_EQ(inv.timeout, milliseconds(120'000));
  EXPECT_EQ(inv.kind, "relaytier");
}

TEST(CommandLine, SkipDrainTakesAPod) {
  const char* argv[] = {"kubectl-baton", "skip-drain", "relay-abc", "--context", "kwok"};
  auto parsed = ParseCommandLine(5, argv);
  ASSERT_TRUE(std::holds_alternative<Invocation>(parsed));
  EXPECT_EQ(std::get<Invocation>(parsed).command, "skip-drain");
  EXPECT_EQ(std::get<Invocation>(parsed).target, "relay-abc");
  EXPECT_EQ(std::get<Invocation>(parsed).context, "kwok");
}

TEST(CommandLine, BadUsageExitsTwo) {
  const char* no_tier[] = {"kubectl-baton", "status"};
  EXPECT_EQ(std::get<int>(ParseCommandLine(2, no_tier)), 2);
  const char* bad_timeout[] = {"kubectl-baton", "status", "relay", "--timeout", "later"};
  EXPECT_EQ(std::get<int>(ParseCommandLine(5, bad_timeout)), 2);
  const char* bad_kind[] = {"kubectl-baton", "get", "relay", "--kind", "deployment"};
  EXPECT_EQ(std::get<int>(ParseCommandLine(5, bad_kind)), 2);
}

}  // namespace
}  // namespace baton::plugin
