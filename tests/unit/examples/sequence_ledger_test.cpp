#include "sequence_ledger.h"

#include <gtest/gtest.h>

namespace baton::examples {
namespace {

TEST(SequenceLedger, SequencesArePerSenderFromOne) {
  SequenceLedger ledger;
  EXPECT_EQ(ledger.NextSend("a"), 1u);
  EXPECT_EQ(ledger.NextSend("a"), 2u);
  EXPECT_EQ(ledger.NextSend("b"), 1u);
}

TEST(SequenceLedger, CleanRunHasNothingLost) {
  SequenceLedger ledger;
  for (int i = 0; i < 3; ++i) {
    auto seq = ledger.NextSend("a");
    ledger.OnDelivered("a", seq);  // delivery may overtake the ACK
    ledger.OnAck("a", seq);
  }
  auto t = ledger.Summarize();
  EXPECT_EQ(t.sent, 3u);
  EXPECT_EQ(t.acked, 3u);
  EXPECT_EQ(t.delivered, 3u);
  EXPECT_EQ(t.lost, 0u);
  EXPECT_EQ(t.duplicated, 0u);
  EXPECT_EQ(t.unanswered, 0u);
  EXPECT_EQ(t.unexpected, 0u);
}

TEST(SequenceLedger, CountsLostDuplicatedUnansweredAndNacked) {
  SequenceLedger ledger;
  auto s1 = ledger.NextSend("a");  // acked, never delivered: lost
  auto s2 = ledger.NextSend("a");  // delivered twice: one duplicate
  auto s3 = ledger.NextSend("a");  // no answer: in doubt
  auto s4 = ledger.NextSend("a");  // refused: fine
  ledger.OnAck("a", s1);
  ledger.OnAck("a", s2);
  ledger.OnDelivered("a", s2);
  ledger.OnDelivered("a", s2);
  ledger.OnNack("a", s4);
  (void)s3;
  auto t = ledger.Summarize();
  EXPECT_EQ(t.sent, 4u);
  EXPECT_EQ(t.lost, 1u);
  EXPECT_EQ(t.duplicated, 1u);
  EXPECT_EQ(t.unanswered, 1u);
  EXPECT_EQ(t.nacked, 1u);
  EXPECT_EQ(t.unexpected, 0u);
}

TEST(SequenceLedger, FlagsDeliveriesThatWereNeverSentOrWereRefused) {
  SequenceLedger ledger;
  ledger.OnDelivered("ghost", 1);
  auto s = ledger.NextSend("a");
  ledger.OnNack("a", s);
  ledger.OnDelivered("a", s);
  ledger.OnDelivered("a", 99);
  ledger.OnAck("a", s);  // contradicts the NACK
  EXPECT_EQ(ledger.Summarize().unexpected, 4u);
}

}  // namespace
}  // namespace baton::examples
