#include "drain/read_schedule.h"

#include <algorithm>
#include <set>

namespace baton::drain {

bool ReadSchedule::Track(const std::string& key, const FollowSpec& spec, Clock::time_point now) {
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& e = it->second;
  bool endpoint_changed = inserted || e.spec.endpoint.Key() != spec.endpoint.Key() ||
                          e.spec.endpoint.bearer_token != spec.endpoint.bearer_token;
  bool mode_changed = e.spec.follow != spec.follow || e.spec.threshold != spec.threshold ||
                      e.spec.poll_interval != spec.poll_interval ||
                      e.spec.long_poll_wait != spec.long_poll_wait || e.spec.group != spec.group;
  if (!endpoint_changed && !mode_changed) return false;
  if (endpoint_changed) {
    e.latest.reset();
    e.stale_reported = false;
  }
  // A new generation makes the answer of a read issued under the old spec
  // (e.g. a 10 s long-poll) count as stale, and frees its slot at once.
  Release(e);
  e.spec = spec;
  e.generation = next_generation_++;
  e.next_read = now;
  return true;
}

std::optional<DrainEndpoint> ReadSchedule::Untrack(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  Release(it->second);
  auto endpoint = it->second.spec.endpoint;
  entries_.erase(it);
  return endpoint;
}

bool ReadSchedule::Poke(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  Entry& e = it->second;
  e.next_read = now;
  if (e.in_flight) {
    // Replace a long-poll that may sleep for seconds with a fresh read.
    Release(e);
    e.generation = next_generation_++;
  }
  return true;
}

void ReadSchedule::Release(Entry& e) {
  if (!e.in_flight) return;
  e.in_flight = false;
  --in_flight_;
  auto g = in_flight_by_group_.find(e.spec.group);
  if (g != in_flight_by_group_.end() && --g->second == 0) in_flight_by_group_.erase(g);
}

std::size_t ReadSchedule::ShareOfEachGroup() const {
  std::set<std::string_view> groups;
  for (const auto& [key, e] : entries_) groups.insert(e.spec.group);
  // One share more than there are groups, kept free: a tier that appears
  // while the others hold their shares finds slots at once instead of
  // waiting for a hanging read to time out (found under ASan, where the
  // monitor planned reads before the second tier was tracked).
  return std::max<std::size_t>(1, options_.max_in_flight / (groups.size() + 1));
}

std::size_t ReadSchedule::InFlight(const std::string& group) const {
  auto it = in_flight_by_group_.find(group);
  return it == in_flight_by_group_.end() ? 0 : it->second;
}

std::vector<PendingRead> ReadSchedule::TakeDue(Clock::time_point now) {
  std::vector<PendingRead> due;
  const std::size_t share = ShareOfEachGroup();
  for (auto& [key, e] : entries_) {
    if (in_flight_ >= options_.max_in_flight) break;
    if (e.in_flight || e.next_read > now) continue;
    auto& group_in_flight = in_flight_by_group_[e.spec.group];
    if (group_in_flight >= share) continue;  // this tier has its share; others may not
    e.in_flight = true;
    ++in_flight_;
    ++group_in_flight;
    PendingRead read{key, e.spec.endpoint, LongPoll{}, e.generation};
    if (e.spec.follow && e.latest && e.latest->known) {
      read.poll.wait = e.spec.long_poll_wait;
      read.poll.last_sessions = e.latest->sessions;
      read.poll.threshold = e.spec.threshold;
    }
    due.push_back(std::move(read));
  }
  for (auto it = in_flight_by_group_.begin(); it != in_flight_by_group_.end();) {
    it = it->second == 0 ? in_flight_by_group_.erase(it) : std::next(it);
  }
  return due;
}

bool ReadSchedule::Differs(const std::optional<DrainReading>& a, const DrainReading& b) {
  if (!a) return true;
  if (a->known != b.known) return true;
  if (!b.known) return a->error != b.error;
  return a->sessions != b.sessions || a->state != b.state || a->instance_id != b.instance_id;
}

bool ReadSchedule::Answer(const std::string& key, uint64_t generation, DrainReading reading,
                          Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.generation != generation) return false;
  Entry& e = it->second;
  Release(e);
  // A reading that had gone stale was reported unknown: any answer now is news.
  const bool changed = Differs(e.latest, reading) || e.stale_reported;
  if (!reading.known) {
    e.next_read = now + options_.retry_after_error;
  } else if (e.spec.follow) {
    e.next_read = now;  // the next long-poll right away
  } else {
    e.next_read = now + e.spec.poll_interval;
  }
  e.latest = std::move(reading);
  e.answered_at = now;
  e.stale_reported = false;
  return changed;
}

ReadSchedule::Clock::time_point ReadSchedule::StaleAt(const Entry& e) const {
  // Worked numbers: a serving pod polled every 5 s goes stale 2 x 5 + 10 =
  // 20 s after its last answer; a draining pod long-polled with a 10 s wait,
  // 2 x 10 + 10 = 30 s after.
  const auto between = e.spec.follow ? e.spec.long_poll_wait : e.spec.poll_interval;
  return e.answered_at + 2 * between + options_.stale_grace;
}

std::vector<std::string> ReadSchedule::TakeNewlyStale(Clock::time_point now) {
  std::vector<std::string> stale;
  for (auto& [key, e] : entries_) {
    if (e.stale_reported || !e.latest || !e.latest->known) continue;
    if (now >= StaleAt(e)) {
      e.stale_reported = true;
      stale.push_back(key);
    }
  }
  return stale;
}

ReadSchedule::Clock::time_point ReadSchedule::NextWake(Clock::time_point now) const {
  // A read already due but held back by the budget is not a reason to wake:
  // the answer that frees its slot wakes the monitor (no busy loop).
  auto wake = now + std::chrono::seconds(1);
  for (const auto& [key, e] : entries_) {
    if (!e.in_flight && e.next_read > now) wake = std::min(wake, e.next_read);
    if (!e.stale_reported && e.latest && e.latest->known) wake = std::min(wake, StaleAt(e));
  }
  return wake;
}

std::optional<DrainReading> ReadSchedule::Latest(const std::string& key,
                                                 Clock::time_point now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || !it->second.latest) return std::nullopt;
  const Entry& e = it->second;
  if (e.latest->known && now >= StaleAt(e)) {
    auto age = std::chrono::duration_cast<std::chrono::seconds>(now - e.answered_at);
    return DrainReading::Unknown(
        "no answer for " + std::to_string(age.count()) + "s: the last count is stale",
        e.latest->read_at);
  }
  return e.latest;
}

}  // namespace baton::drain
