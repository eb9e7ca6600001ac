#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace baton::examples {

// End-to-end accounting of chat messages by (sender, per-sender sequence).
// The load generator is both sender and recipient, so it can tell a message
// the relay accepted (ACK) but never delivered (lost) from one delivered twice
// (duplicated), whichever relays the two ends were on at the time.
class SequenceLedger {
 public:
  struct Totals {
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::uint64_t nacked = 0;
    std::uint64_t unanswered = 0;  // neither ACK nor NACK: in doubt
    std::uint64_t delivered = 0;   // distinct messages delivered
    std::uint64_t lost = 0;        // ACKed, never delivered
    std::uint64_t duplicated = 0;  // extra deliveries of a message
    std::uint64_t unexpected = 0;  // delivered but never sent, or NACKed yet delivered
  };

  // Returns the next sequence for `sender` (1, 2, ...) and records it as sent.
  std::uint64_t NextSend(const std::string& sender);
  void OnAck(const std::string& sender, std::uint64_t seq);
  void OnNack(const std::string& sender, std::uint64_t seq);
  void OnDelivered(const std::string& sender, std::uint64_t seq);

  Totals Summarize() const;

 private:
  enum class Answer : std::uint8_t { kNone, kAck, kNack };
  struct Entry {
    Answer answer = Answer::kNone;
    std::uint32_t deliveries = 0;
  };
  Entry* Find(const std::string& sender, std::uint64_t seq);

  std::unordered_map<std::string, std::vector<Entry>> by_sender_;
  std::uint64_t deliveries_of_unknown_ = 0;
  std::uint64_t conflicting_answers_ = 0;
};

}  // namespace baton::examples
