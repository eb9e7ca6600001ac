#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace baton::examples {

// user -> relay pairs, as they travel between shards.
using RegistryEntries = std::vector<std::pair<std::string, std::string>>;

// The entries one registry shard holds, and the bookkeeping of handing them
// to a successor. Not thread-safe: the registry server locks around it.
//
// An entry being handed over is "in flight" from TakeBatch until the
// successor acknowledges it (Acknowledge: it leaves this table) or the
// transfer fails (Release: it is handed over again later). Writers must not
// change an in-flight entry (the successor may already hold the old value);
// they wait until it lands on one side or the other.
class RegistryTable {
 public:
  std::optional<std::string> Find(std::string_view user) const;
  bool Holds(std::string_view user) const;
  bool InFlight(std::string_view user) const;

  // Insert or update. Must not be called for an in-flight user.
  void Put(const std::string& user, const std::string& relay);
  // False when the user was not held. Must not be called for an in-flight user.
  bool Erase(std::string_view user);
  // An entry handed over by a predecessor. A value already held here wins: it
  // was written here after the clients switched, so it is newer. True when
  // inserted.
  bool Import(const std::string& user, const std::string& relay);

  // Queues every held entry for handover (again, after a cancel).
  void BeginHandover();
  // Forgets the queue (a cancelled drain); in-flight entries stay in flight
  // until acknowledged or released.
  void StopHandover();
  // Up to `n` queued entries, now in flight.
  RegistryEntries TakeBatch(std::size_t n);
  // The successor holds them: they leave this table.
  void Acknowledge(const RegistryEntries& batch);
  // The transfer failed: back to the front of the queue (if still handing over).
  void Release(const RegistryEntries& batch);

  // Entries held, in-flight ones included: the shard's live session count.
  std::size_t size() const { return entries_.size(); }
  std::size_t in_flight() const { return in_flight_; }
  bool handing_over() const { return handing_over_; }

 private:
  struct Entry {
    std::string relay;
    bool in_flight = false;
  };
  // Transparent hashing so string_view lookups do not allocate.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
  std::deque<std::string> queue_;  // may name users since erased: skipped
  std::size_t in_flight_ = 0;
  bool handing_over_ = false;
};

}  // namespace baton::examples
