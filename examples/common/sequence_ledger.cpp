#include "sequence_ledger.h"

namespace baton::examples {

std::uint64_t SequenceLedger::NextSend(const std::string& sender) {
  auto& entries = by_sender_[sender];
  entries.emplace_back();
  return entries.size();
}

SequenceLedger::Entry* SequenceLedger::Find(const std::string& sender, std::uint64_t seq) {
  auto it = by_sender_.find(sender);
  if (it == by_sender_.end() || seq == 0 || seq > it->second.size()) return nullptr;
  return &it->second[seq - 1];
}

void SequenceLedger::OnAck(const std::string& sender, std::uint64_t seq) {
  Entry* e = Find(sender, seq);
  if (e == nullptr || e->answer == Answer::kNack) {
    ++conflicting_answers_;
    return;
  }
  e->answer = Answer::kAck;
}

void SequenceLedger::OnNack(const std::string& sender, std::uint64_t seq) {
  Entry* e = Find(sender, seq);
  if (e == nullptr || e->answer == Answer::kAck) {
    ++conflicting_answers_;
    return;
  }
  e->answer = Answer::kNack;
}

void SequenceLedger::OnDelivered(const std::string& sender, std::uint64_t seq) {
  Entry* e = Find(sender, seq);
  if (e == nullptr) {
    ++deliveries_of_unknown_;
    return;
  }
  ++e->deliveries;
}

SequenceLedger::Totals SequenceLedger::Summarize() const {
  Totals t;
  t.unexpected = deliveries_of_unknown_ + conflicting_answers_;
  for (const auto& [sender, entries] : by_sender_) {
    for (const Entry& e : entries) {
      ++t.sent;
      if (e.deliveries > 0) ++t.delivered;
      if (e.deliveries > 1) t.duplicated += e.deliveries - 1;
      switch (e.answer) {
        case Answer::kAck:
          ++t.acked;
          if (e.deliveries == 0) ++t.lost;
          break;
        case Answer::kNack:
          ++t.nacked;
          if (e.deliveries > 0) t.unexpected += e.deliveries;
          break;
        case Answer::kNone:
          ++t.unanswered;
          break;
      }
    }
  }
  return t;
}

}  // namespace baton::examples
