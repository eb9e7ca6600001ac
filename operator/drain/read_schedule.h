// Which pods' drain endpoints to read next, and what is known of each: the
// pure bookkeeping of DrainMonitor, with the clock passed in, so that it is
// tested without threads or sleeps.
//
// Two guarantees against a tenant whose endpoints hang (issue 18):
// - Fair share. Each group (a tier) may hold at most
//   max_in_flight / (groups + 1) reads at once: the shares add up to less
//   than the budget, so a group under its share always finds a free slot,
//   and one share stays free for a tier that appears while the others are
//   at theirs. Worked numbers: a budget of 512 and two tiers — one with 600
//   pods that never answer, one with 10 — gives each tier 170 slots; the
//   hanging tier fills its 170 and the other's 10 reads go out at once. A
//   tier alone may hold 256.
// - Stale is unknown. A known reading older than its stale bound (twice the
//   time between answers the spec expects, plus a grace) is reported as
//   unknown: a pod whose reads stopped being answered is not still "at 0".
//
// Serving pods are read at their tier's poll interval while their count
// moves and back off to a rest interval while it sits still
// (serving_interval.h). Every operation costs O(log n) in the pods followed,
// plus the reads it hands out: with 10,000 pods, scanning them all on each
// answer cost more CPU than the reads themselves.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "drain/drain_client.h"

namespace baton::drain {

struct FollowSpec {
  DrainEndpoint endpoint;
  // Serving pods: how often to read while the count moves (it backs off to
  // ReadScheduleOptions::rest_interval while it sits still). Draining pods
  // are long-polled continuously instead.
  std::chrono::milliseconds poll_interval{5000};
  bool follow = false;  // long-poll instead of polling
  // Serving pods of a tier at rest (nothing to do) back off while their
  // count sits still; a tier with work to do reads them every poll_interval.
  bool may_rest = true;
  int64_t threshold = 0;  // long-poll answers as soon as sessions <= threshold
  std::chrono::milliseconds long_poll_wait{10000};
  // The fair-share group, e.g. the tier "namespace/Kind/name".
  std::string group;
};

struct ReadScheduleOptions {
  std::size_t max_in_flight = 512;
  // After a failed read, wait this long before the next (a refused
  // connection answers at once; without a pause we would spin).
  std::chrono::milliseconds retry_after_error{500};
  // Added to twice the expected time between answers to make the stale bound.
  std::chrono::milliseconds stale_grace{10000};
  // A serving pod whose count sits still is read every rest_interval to
  // 2 x rest_interval (jittered).
  std::chrono::milliseconds rest_interval{30000};
};

struct PendingRead {
  std::string key;
  DrainEndpoint endpoint;
  LongPoll poll;
  uint64_t generation = 0;
};

class ReadSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ReadSchedule(ReadScheduleOptions options = {}) : options_(options) {}

  // Starts or updates following `key`. An update that changes the endpoint
  // forgets the old reading (a new pod IP is a new process). Returns false
  // when nothing changed.
  bool Track(const std::string& key, const FollowSpec& spec, Clock::time_point now);
  // Returns the endpoint that was followed, if any.
  std::optional<DrainEndpoint> Untrack(const std::string& key);
  // Reads now, out of schedule; replaces a pending long-poll.
  bool Poke(const std::string& key, Clock::time_point now);

  // The reads due at `now` within the budget and each group's share; marks
  // them in flight.
  std::vector<PendingRead> TakeDue(Clock::time_point now);
  // Records an answer; false if it is stale (the spec changed meanwhile) or
  // tells nothing new.
  bool Answer(const std::string& key, uint64_t generation, DrainReading reading,
              Clock::time_point now);
  // Keys whose known reading has just gone stale (each reported once).
  std::vector<std::string> TakeNewlyStale(Clock::time_point now);
  // When something is next due: a read or a reading going stale (reads due
  // now but over budget excluded: a freed slot wakes the caller instead).
  Clock::time_point NextWake(Clock::time_point now) const;

  std::optional<DrainReading> Latest(const std::string& key, Clock::time_point now) const;
  std::size_t Tracked() const { return entries_.size(); }
  std::size_t InFlight() const { return in_flight_; }
  std::size_t InFlight(const std::string& group) const;
  // The most one group may hold in flight now.
  std::size_t ShareOfEachGroup() const;

 private:
  struct Entry {
    const std::string* key = nullptr;  // the map's own key
    FollowSpec spec;
    std::optional<DrainReading> latest;
    Clock::time_point answered_at{};
    bool stale_reported = false;
    Clock::time_point next_read{};
    bool in_flight = false;
    uint64_t generation = 0;  // bumps when the spec changes: late answers are dropped
    // Serving pods: answers in a row that did not move the count, and the
    // interval they set (the stale bound follows it).
    int steady_reads = 0;
    uint64_t answers = 0;
    std::chrono::milliseconds interval{0};
    // Where the entry sits in due_ (while not in flight) and stale_ (while
    // a known reading is not yet reported stale).
    std::optional<Clock::time_point> queued_at;
    std::optional<Clock::time_point> stale_at;
  };
  // Ordered by time, then key: a deterministic order for equal times.
  // Transparent: a bare time finds the first entry due after it.
  struct ByTime {
    using is_transparent = void;
    bool operator()(const std::pair<Clock::time_point, Entry*>& a,
                    const std::pair<Clock::time_point, Entry*>& b) const {
      return a.first != b.first ? a.first < b.first : *a.second->key < *b.second->key;
    }
    bool operator()(const std::pair<Clock::time_point, Entry*>& a, Clock::time_point t) const {
      return a.first < t;
    }
    bool operator()(Clock::time_point t, const std::pair<Clock::time_point, Entry*>& b) const {
      return t < b.first;
    }
  };
  using TimeIndex = std::set<std::pair<Clock::time_point, Entry*>, ByTime>;

  void Release(Entry& e);
  void Queue(Entry& e, Clock::time_point at);
  void Unqueue(Entry& e);
  void WatchStale(Entry& e);
  void UnwatchStale(Entry& e);
  void JoinGroup(const std::string& group);
  void LeaveGroup(const std::string& group);
  Clock::time_point StaleAt(const Entry& e) const;
  static bool Differs(const std::optional<DrainReading>& a, const DrainReading& b);

  ReadScheduleOptions options_;
  std::map<std::string, Entry> entries_;  // node-based: Entry* stay valid
  TimeIndex due_;                         // entries not in flight, by next_read
  TimeIndex stale_;                       // known readings not yet stale, by StaleAt
  std::map<std::string, std::size_t> group_sizes_;
  std::map<std::string, std::size_t> in_flight_by_group_;
  std::size_t in_flight_ = 0;
  uint64_t next_generation_ = 1;
};

}  // namespace baton::drain
