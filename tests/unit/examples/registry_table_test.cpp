#include "registry_table.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

TEST(RegistryTable, PutFindErase) {
  RegistryTable t;
  EXPECT_FALSE(t.Find("alice"));
  t.Put("alice", "relay-1");
  t.Put("alice", "relay-2");
  EXPECT_EQ(t.Find("alice"), "relay-2");
  EXPECT_EQ(t.size(), 1u);
  EXPECT_TRUE(t.Erase("alice"));
  EXPECT_FALSE(t.Erase("alice"));
  EXPECT_EQ(t.size(), 0u);
}

TEST(RegistryTable, ImportKeepsTheValueAlreadyHeld) {
  RegistryTable t;
  t.Put("alice", "newer");
  EXPECT_FALSE(t.Import("alice", "older"));
  EXPECT_EQ(t.Find("alice"), "newer");
  EXPECT_TRUE(t.Import("bob", "relay-1"));
  EXPECT_EQ(t.Find("bob"), "relay-1");
}

TEST(RegistryTable, EntriesStayUntilAcknowledged) {
  RegistryTable t;
  for (int i = 0; i < 5; ++i) t.Put("u" + std::to_string(i), "r");
  t.BeginHandover();
  RegistryEntries batch = t.TakeBatch(3);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(t.size(), 5u) << "in flight still counts: not yet at the successor";
  EXPECT_EQ(t.in_flight(), 3u);
  for (const auto& [user, relay] : batch) {
    EXPECT_TRUE(t.InFlight(user));
    EXPECT_EQ(t.Find(user), "r") << "lookups still answered while in flight";
  }
  t.Acknowledge(batch);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.in_flight(), 0u);
  RegistryEntries rest = t.TakeBatch(10);
  EXPECT_EQ(rest.size(), 2u);
  t.Acknowledge(rest);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(t.TakeBatch(10).empty());
}

TEST(RegistryTable, ReleasedEntriesAreHandedOverAgainFirst) {
  RegistryTable t;
  for (int i = 0; i < 4; ++i) t.Put("u" + std::to_string(i), "r");
  t.BeginHandover();
  RegistryEntries first = t.TakeBatch(2);
  t.Release(first);
  EXPECT_EQ(t.in_flight(), 0u);
  EXPECT_EQ(t.TakeBatch(2), first) << "a failed batch goes again, before the rest";
}

TEST(RegistryTable, BatchesCarryTheLatestValueAndSkipErasedUsers) {
  RegistryTable t;
  t.Put("a", "1");
  t.Put("b", "1");
  t.Put("c", "1");
  t.BeginHandover();
  t.Put("a", "2");  // updated before it left
  EXPECT_TRUE(t.Erase("b"));
  RegistryEntries batch = t.TakeBatch(10);
  ASSERT_EQ(batch.size(), 2u);
  for (const auto& [user, relay] : batch) {
    EXPECT_NE(user, "b");
    if (user == "a") {
      EXPECT_EQ(relay, "2");
    }
  }
}

TEST(RegistryTable, EntriesAddedDuringTheHandoverAreQueuedToo) {
  RegistryTable t;
  t.BeginHandover();
  t.Put("late", "r");
  EXPECT_EQ(t.TakeBatch(10).size(), 1u);
}

TEST(RegistryTable, StopForgetsTheQueueButNotWhatIsInFlight) {
  RegistryTable t;
  for (int i = 0; i < 4; ++i) t.Put("u" + std::to_string(i), "r");
  t.BeginHandover();
  RegistryEntries batch = t.TakeBatch(1);
  t.StopHandover();
  EXPECT_FALSE(t.handing_over());
  EXPECT_TRUE(t.TakeBatch(10).empty());
  EXPECT_EQ(t.in_flight(), 1u);
  t.Release(batch);  // not requeued: the handover was cancelled
  EXPECT_TRUE(t.TakeBatch(10).empty());
  t.BeginHandover();
  EXPECT_EQ(t.TakeBatch(10).size(), 4u);
}

TEST(RegistryTable, ErasingAnInFlightEntryKeepsTheCountRight) {
  RegistryTable t;
  t.Put("a", "r");
  t.BeginHandover();
  RegistryEntries batch = t.TakeBatch(1);
  EXPECT_TRUE(t.Erase("a"));
  EXPECT_EQ(t.in_flight(), 0u);
  t.Acknowledge(batch);  // no longer here: nothing to do
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace baton::examples
