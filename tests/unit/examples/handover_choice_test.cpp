#include "handover_choice.h"

#include <gtest/gtest.h>

#include <map>

namespace baton::examples {
namespace {

const HostPort kSelf{"127.0.0.9", 7000};

ServingDirectory Directory(std::vector<DirectoryEndpoint> endpoints) {
  ServingDirectory d;
  d.endpoints = std::move(endpoints);
  return d;
}

TEST(HandoverChoice, NeverPicksAFullRelayAndStopsWhenAllAreFull) {
  HandoverChoice c(1);
  // relay-b has room for 3 (capacity 100, 97 held); relay-c is full.
  c.SetDirectory(Directory({{"relay-b", "127.0.0.2", 7000, 97, "2", 1, 100},
                            {"relay-c", "127.0.0.3", 7000, 100, "2", 50, 100}}),
                 kSelf);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.Next(), "relay-b");
  // What we sent counts against its room until the next directory version.
  EXPECT_FALSE(c.Next());
  EXPECT_FALSE(c.Next());
}

TEST(HandoverChoice, FollowsWeightsAndSkipsItselfAndWeightZero) {
  HandoverChoice c(2);
  c.SetDirectory(Directory({{"relay-self", "127.0.0.9", 7000, 0, "1", 100, std::nullopt},
                            {"relay-next", "127.0.0.2", 7000, 0, "1", 0, std::nullopt},
                            {"relay-new", "127.0.0.3", 7000, 0, "2", 10, std::nullopt}}),
                 kSelf);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(c.Next(), "relay-new");
}

TEST(HandoverChoice, WithoutWeightsSpreadsOverTheOthers) {
  HandoverChoice c(3);
  c.SetDirectory(Directory({{"relay-b", "127.0.0.2", 7000, 0, "1", std::nullopt, std::nullopt},
                            {"relay-c", "127.0.0.3", 7000, 0, "1", std::nullopt, std::nullopt}}),
                 kSelf);
  std::map<std::string, int> seen;
  for (int i = 0; i < 400; ++i) ++seen[*c.Next()];
  EXPECT_GT(seen["relay-b"], 100);
  EXPECT_GT(seen["relay-c"], 100);
}

// A directory entry without "sessions": its count is unknown, never 0, so
// the pod has no room we know of (it may be full). Before the fix it read
// as 0 sessions and looked like the roomiest relay.
ServingDirectory Parsed(const char* json) {
  auto d = ParseServingDirectory(json);
  EXPECT_TRUE(d) << json;
  return d ? *d : ServingDirectory{};
}

TEST(HandoverChoice, NeverPicksAPodWhoseCountIsUnknownWhileOneHasRoom) {
  HandoverChoice c(5);
  c.SetDirectory(Parsed(R"({"endpoints": [
      {"pod": "relay-unread", "address": "127.0.0.2", "port": 7000, "weight": 1000,
       "capacity": 100},
      {"pod": "relay-b", "address": "127.0.0.3", "port": 7000, "sessions": 10, "weight": 1,
       "capacity": 100}]})"),
                 kSelf);
  for (int i = 0; i < 90; ++i) EXPECT_EQ(c.Next(), "relay-b");
}

TEST(HandoverChoice, KeepsTheSessionWhenNoPodHasKnownRoom) {
  // Only a pod whose count is unknown (no capacity reported either) and a
  // full one: nothing is sent; the relay keeps the session and Baton holds
  // the drain until a directory shows room.
  HandoverChoice c(6);
  c.SetDirectory(Parsed(R"({"endpoints": [
      {"pod": "relay-unread", "address": "127.0.0.2", "port": 7000, "weight": 5},
      {"pod": "relay-full", "address": "127.0.0.3", "port": 7000, "sessions": 100,
       "capacity": 100}]})"),
                 kSelf);
  EXPECT_FALSE(c.Next());
}

TEST(HandoverChoice, KeepsTheSessionWhenOnlyAPodOfUnknownCountHasWeight) {
  // The new pod's count is not read yet; Baton gives it weight (it stays)
  // and the old pod, which drains later, weight 0. Sending to the old pod
  // would move the session twice: it stays here until a directory shows the
  // new pod's count.
  HandoverChoice c(7);
  c.SetDirectory(Parsed(R"({"endpoints": [
      {"pod": "relay-new", "address": "127.0.0.2", "port": 7000, "weight": 1,
       "capacity": 3000},
      {"pod": "relay-old", "address": "127.0.0.3", "port": 7000, "sessions": 350, "weight": 0,
       "capacity": 3000}]})"),
                 kSelf);
  EXPECT_FALSE(c.Next());
}

TEST(HandoverChoice, KnowsWhetherTheDirectoryStillListsItself) {
  HandoverChoice c(9);
  c.SetDirectory(Parsed(R"({"endpoints": [
      {"pod": "me", "address": "127.0.0.9", "port": 7000, "sessions": 500, "weight": 0},
      {"pod": "relay-new", "address": "127.0.0.2", "port": 7000, "sessions": 500, "weight": 1}]})"),
                 kSelf);
  EXPECT_TRUE(c.lists_self()) << "published before this relay was marked draining";
  c.SetDirectory(Parsed(R"({"endpoints": [
      {"pod": "relay-new", "address": "127.0.0.2", "port": 7000, "sessions": 500, "weight": 0},
      {"pod": "relay-new-1", "address": "127.0.0.4", "port": 7000, "sessions": 0, "weight": 500}]})"),
                 kSelf);
  EXPECT_FALSE(c.lists_self());
  EXPECT_EQ(c.Next(), "relay-new-1");
}

TEST(HandoverChoice, AWeightedPodFilledByWhatWeSentIsNotReplacedByAWeightZeroOne) {
  HandoverChoice c(8);
  c.SetDirectory(Parsed(R"({"endpoints": [
      {"pod": "relay-new", "address": "127.0.0.2", "port": 7000, "sessions": 98, "weight": 5,
       "capacity": 100},
      {"pod": "relay-old", "address": "127.0.0.3", "port": 7000, "sessions": 10, "weight": 0,
       "capacity": 100}]})"),
                 kSelf);
  EXPECT_EQ(c.Next(), "relay-new");
  EXPECT_EQ(c.Next(), "relay-new");
  EXPECT_FALSE(c.Next());
}

TEST(HandoverChoice, NothingKnownBeforeADirectoryAndNoOneToSendTo) {
  HandoverChoice c(4);
  EXPECT_FALSE(c.known());
  c.SetDirectory(Directory({}), kSelf);
  EXPECT_TRUE(c.known());
  EXPECT_FALSE(c.Next());
}

}  // namespace
}  // namespace baton::examples
