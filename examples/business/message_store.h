#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace baton::examples::business {

struct StoredMessage {
  std::uint64_t seq = 0;  // per room, from 1
  std::string from;
  std::string text;
  std::chrono::system_clock::time_point at;
};

// The chat rooms and their messages, in memory (the example's stand-in for
// the platform's message database). Thread-safe.
class MessageStore {
 public:
  // Appends to the room (created on first use); returns the message's seq.
  std::uint64_t Append(const std::string& room, const std::string& from, const std::string& text);
  // Messages with seq > after, oldest first, at most `limit`.
  std::vector<StoredMessage> Since(const std::string& room, std::uint64_t after,
                                   std::size_t limit) const;
  // Room name -> message count.
  std::map<std::string, std::size_t> Rooms() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<StoredMessage>> rooms_;
};

}  // namespace baton::examples::business
