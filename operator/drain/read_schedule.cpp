#include "drain/read_schedule.h"

#include <algorithm>

#include "drain/serving_interval.h"

namespace baton::drain {

void ReadSchedule::Queue(Entry& e, Clock::time_point at) {
  Unqueue(e);
  e.next_read = at;
  e.queued_at = at;
  due_.emplace(at, &e);
}

void ReadSchedule::Unqueue(Entry& e) {
  if (!e.queued_at) return;
  due_.erase({*e.queued_at, &e});
  e.queued_at.reset();
}

void ReadSchedule::WatchStale(Entry& e) {
  UnwatchStale(e);
  if (e.stale_reported || !e.latest || !e.latest->known) return;
  e.stale_at = StaleAt(e);
  stale_.emplace(*e.stale_at, &e);
}

void ReadSchedule::UnwatchStale(Entry& e) {
  if (!e.stale_at) return;
  stale_.erase({*e.stale_at, &e});
  e.stale_at.reset();
}

void ReadSchedule::JoinGroup(const std::string& group) {
  ++group_sizes_[group];
}

void ReadSchedule::LeaveGroup(const std::string& group) {
  auto g = group_sizes_.find(group);
  if (g != group_sizes_.end() && --g->second == 0) group_sizes_.erase(g);
}

bool ReadSchedule::Track(const std::string& key, const FollowSpec& spec, Clock::time_point now) {
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& e = it->second;
  e.key = &it->first;
  bool endpoint_changed = inserted || e.spec.endpoint.Key() != spec.endpoint.Key() ||
                          e.spec.endpoint.bearer_token != spec.endpoint.bearer_token;
  bool mode_changed = e.spec.follow != spec.follow || e.spec.threshold != spec.threshold ||
                      e.spec.poll_interval != spec.poll_interval ||
                      e.spec.long_poll_wait != spec.long_poll_wait || e.spec.group != spec.group ||
                      e.spec.may_rest != spec.may_rest;
  if (!endpoint_changed && !mode_changed) return false;
  if (endpoint_changed) {
    e.latest.reset();
    e.stale_reported = false;
  }
  // A new generation makes the answer of a read issued under the old spec
  // (e.g. a 10 s long-poll) count as stale, and frees its slot at once.
  Release(e);
  if (!inserted) LeaveGroup(e.spec.group);
  JoinGroup(spec.group);
  e.spec = spec;
  e.generation = next_generation_++;
  e.steady_reads = 0;
  e.interval = spec.poll_interval;
  Queue(e, now);
  WatchStale(e);
  return true;
}

std::optional<DrainEndpoint> ReadSchedule::Untrack(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  Entry& e = it->second;
  Release(e);
  Unqueue(e);
  UnwatchStale(e);
  LeaveGroup(e.spec.group);
  auto endpoint = e.spec.endpoint;
  entries_.erase(it);
  return endpoint;
}

bool ReadSchedule::Poke(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  Entry& e = it->second;
  if (e.in_flight) {
    // Replace a long-poll that may sleep for seconds with a fresh read.
    Release(e);
    e.generation = next_generation_++;
  }
  Queue(e, now);
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
  // One share more than there are groups, kept free: a tier that appears
  // while the others hold their shares finds slots at once instead of
  // waiting for a hanging read to time out (found under ASan, where the
  // monitor planned reads before the second tier was tracked).
  return std::max<std::size_t>(1, options_.max_in_flight / (group_sizes_.size() + 1));
}

std::size_t ReadSchedule::InFlight(const std::string& group) const {
  auto it = in_flight_by_group_.find(group);
  return it == in_flight_by_group_.end() ? 0 : it->second;
}

std::vector<PendingRead> ReadSchedule::TakeDue(Clock::time_point now) {
  std::vector<PendingRead> due;
  const std::size_t share = ShareOfEachGroup();
  // Once every group holds its share nothing more can go out: stop there
  // rather than walk every read that is due (thousands at start).
  std::size_t groups_at_share = 0;
  for (const auto& [group, n] : in_flight_by_group_) groups_at_share += n >= share;
  for (auto it = due_.begin(); it != due_.end() && it->first <= now;) {
    if (in_flight_ >= options_.max_in_flight || groups_at_share >= group_sizes_.size()) break;
    Entry& e = *it->second;
    auto& group_in_flight = in_flight_by_group_[e.spec.group];
    if (group_in_flight >= share) {  // this tier has its share; others may not
      ++it;
      continue;
    }
    if (group_in_flight + 1 >= share) ++groups_at_share;
    it = due_.erase(it);
    e.queued_at.reset();
    e.in_flight = true;
    ++in_flight_;
    ++group_in_flight;
    PendingRead read{*e.key, e.spec.endpoint, LongPoll{}, e.generation};
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
  return a->sessions != b.sessions || a->state != b.state || a->instance_id != b.instance_id ||
         a->verdict != b.verdict;  // a canary bake fails on a verdict turning unhealthy
}

bool ReadSchedule::Answer(const std::string& key, uint64_t generation, DrainReading reading,
                          Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.generation != generation) return false;
  Entry& e = it->second;
  Release(e);
  // A reading that had gone stale was reported unknown: any answer now is news.
  const bool changed = Differs(e.latest, reading) || e.stale_reported;
  ++e.answers;
  if (!reading.known) {
    e.steady_reads = 0;
    e.interval = e.spec.poll_interval;
    Queue(e, now + options_.retry_after_error);
  } else if (e.spec.follow) {
    Queue(e, now);  // the next long-poll right away
  } else {
    const bool moved = !e.latest || CountMoved(*e.latest, reading);
    e.steady_reads = moved || !e.spec.may_rest ? 0 : e.steady_reads + 1;
    e.interval = ServingInterval(e.steady_reads, e.spec.poll_interval, options_.rest_interval,
                                 JitterOf(key, e.answers));
    Queue(e, now + e.interval);
  }
  e.latest = std::move(reading);
  e.answered_at = now;
  e.stale_reported = false;
  WatchStale(e);
  return changed;
}

ReadSchedule::Clock::time_point ReadSchedule::StaleAt(const Entry& e) const {
  // Worked numbers: a serving pod polled every 5 s goes stale 2 x 5 + 10 =
  // 20 s after its last answer (one at rest, read every 45 s: 100 s); a
  // draining pod long-polled with a 10 s wait, 2 x 10 + 10 = 30 s after.
  const auto between = e.spec.follow ? e.spec.long_poll_wait : e.interval;
  return e.answered_at + 2 * between + options_.stale_grace;
}

std::vector<std::string> ReadSchedule::TakeNewlyStale(Clock::time_point now) {
  std::vector<std::string> stale;
  while (!stale_.empty() && stale_.begin()->first <= now) {
    Entry& e = *stale_.begin()->second;
    stale_.erase(stale_.begin());
    e.stale_at.reset();
    e.stale_reported = true;
    stale.push_back(*e.key);
  }
  return stale;
}

ReadSchedule::Clock::time_point ReadSchedule::NextWake(Clock::time_point now) const {
  // A read already due but held back by the budget is not a reason to wake:
  // the answer that frees its slot wakes the monitor (no busy loop).
  auto wake = now + std::chrono::seconds(1);
  if (auto next = due_.upper_bound(now); next != due_.end()) wake = std::min(wake, next->first);
  if (!stale_.empty()) wake = std::min(wake, stale_.begin()->first);
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
