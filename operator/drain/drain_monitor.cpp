#include "drain/drain_monitor.h"

#include <algorithm>
#include <vector>

namespace baton::drain {

DrainMonitor::DrainMonitor(DrainClient& client, std::function<void(const std::string&)> on_change,
                           DrainMonitorOptions options)
    : client_(client), on_change_(std::move(on_change)), options_(options) {
  thread_ = std::thread([this] { Loop(); });
}

DrainMonitor::~DrainMonitor() {
  Stop();
}

void DrainMonitor::Stop() {
  {
    std::unique_lock lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_all();
    // Answers still in flight call back into this object: wait them out.
    cv_.wait(lock, [this] { return in_flight_ == 0; });
  }
  if (thread_.joinable()) thread_.join();
}

void DrainMonitor::Track(const std::string& key, const FollowSpec& spec) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& e = it->second;
  bool endpoint_changed = inserted || e.spec.endpoint.Key() != spec.endpoint.Key() ||
                          e.spec.endpoint.bearer_token != spec.endpoint.bearer_token;
  bool mode_changed = e.spec.follow != spec.follow || e.spec.threshold != spec.threshold ||
                      e.spec.poll_interval != spec.poll_interval;
  if (!endpoint_changed && !mode_changed) return;
  if (endpoint_changed) e.latest.reset();
  e.spec = spec;
  // A new generation makes the answer of a read issued under the old spec
  // (e.g. a 10 s long-poll) count as stale, and frees the slot at once.
  e.generation = next_generation_++;
  e.in_flight = false;
  e.next_read = Clock::now();
  cv_.notify_all();
}

void DrainMonitor::Untrack(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  client_.Forget(it->second.spec.endpoint);
  entries_.erase(it);
}

void DrainMonitor::Poke(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  it->second.next_read = Clock::now();
  if (it->second.in_flight) {
    // Replace a long-poll that may sleep for seconds with a fresh read.
    it->second.generation = next_generation_++;
    it->second.in_flight = false;
  }
  cv_.notify_all();
}

std::optional<DrainReading> DrainMonitor::Latest(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.latest;
}

std::size_t DrainMonitor::Tracked() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

bool DrainMonitor::Differs(const std::optional<DrainReading>& a, const DrainReading& b) {
  if (!a) return true;
  if (a->known != b.known) return true;
  if (!b.known) return a->error != b.error;
  return a->sessions != b.sessions || a->state != b.state || a->instance_id != b.instance_id;
}

DrainMonitor::PendingRead DrainMonitor::Prepare(const std::string& key, Entry& e) {
  e.in_flight = true;
  ++in_flight_;
  PendingRead read{key, e.spec.endpoint, LongPoll{}, e.generation};
  if (e.spec.follow && e.latest && e.latest->known) {
    read.poll.wait = e.spec.long_poll_wait;
    read.poll.last_sessions = e.latest->sessions;
    read.poll.threshold = e.spec.threshold;
  }
  return read;
}

void DrainMonitor::OnAnswer(const std::string& key, uint64_t generation, DrainReading reading) {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.generation == generation) {
      Entry& e = it->second;
      e.in_flight = false;
      changed = Differs(e.latest, reading);
      auto now = Clock::now();
      if (!reading.known) {
        e.next_read = now + options_.retry_after_error;
      } else if (e.spec.follow) {
        e.next_read = now;  // the next long-poll right away
      } else {
        e.next_read = now + e.spec.poll_interval;
      }
      e.latest = std::move(reading);
    }
  }
  if (changed && on_change_) on_change_(key);
  // Only now may Stop() return and the monitor be destroyed: counted down
  // before on_change_, a stopping monitor could be freed under the callback
  // (seen as a double free at exit in the drain-fault tests).
  std::lock_guard lock(mu_);
  --in_flight_;
  cv_.notify_all();
}

void DrainMonitor::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = Clock::now();
    auto wake = now + std::chrono::seconds(1);
    std::vector<PendingRead> due;
    for (auto& [key, e] : entries_) {
      if (e.in_flight) continue;
      if (e.next_read <= now) {
        if (in_flight_ >= options_.max_in_flight) break;
        due.push_back(Prepare(key, e));
      } else {
        wake = std::min(wake, e.next_read);
      }
    }
    if (!due.empty()) {
      // Outside the lock: a client may answer synchronously (a malformed
      // address fails at once), and the answer takes the lock.
      lock.unlock();
      for (auto& read : due) {
        client_.Read(read.endpoint, read.poll,
                     [this, key = read.key, generation = read.generation](DrainReading r) {
                       OnAnswer(key, generation, std::move(r));
                     });
      }
      lock.lock();
      continue;
    }
    cv_.wait_until(lock, wake);
  }
}

}  // namespace baton::drain
