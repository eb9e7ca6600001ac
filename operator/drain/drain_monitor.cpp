#include "drain/drain_monitor.h"

#include <vector>

namespace baton::drain {

DrainMonitor::DrainMonitor(DrainClient& client, std::function<void(const std::string&)> on_change,
                           DrainMonitorOptions options)
    : client_(client), on_change_(std::move(on_change)), schedule_(options) {
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
    cv_.wait(lock, [this] { return callbacks_pending_ == 0; });
  }
  if (thread_.joinable()) thread_.join();
}

void DrainMonitor::Track(const std::string& key, const FollowSpec& spec) {
  std::lock_guard lock(mu_);
  if (schedule_.Track(key, spec, Clock::now())) cv_.notify_all();
}

void DrainMonitor::Untrack(const std::string& key) {
  std::lock_guard lock(mu_);
  if (auto endpoint = schedule_.Untrack(key)) client_.Forget(*endpoint);
}

void DrainMonitor::Poke(const std::string& key) {
  std::lock_guard lock(mu_);
  if (schedule_.Poke(key, Clock::now())) cv_.notify_all();
}

std::optional<DrainReading> DrainMonitor::Latest(const std::string& key) const {
  std::lock_guard lock(mu_);
  return schedule_.Latest(key, Clock::now());
}

std::size_t DrainMonitor::Tracked() const {
  std::lock_guard lock(mu_);
  return schedule_.Tracked();
}

void DrainMonitor::OnAnswer(const std::string& key, uint64_t generation, DrainReading reading) {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    changed = schedule_.Answer(key, generation, std::move(reading), Clock::now());
    cv_.notify_all();  // a slot is free
  }
  if (changed && on_change_) on_change_(key);
  // Only now may Stop() return and the monitor be destroyed: counted down
  // before on_change_, a stopping monitor could be freed under the callback
  // (seen as a double free at exit in the drain-fault tests).
  std::lock_guard lock(mu_);
  --callbacks_pending_;
  cv_.notify_all();
}

void DrainMonitor::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto now = Clock::now();
    auto due = schedule_.TakeDue(now);
    auto stale = schedule_.TakeNewlyStale(now);
    if (!due.empty() || !stale.empty()) {
      callbacks_pending_ += due.size();
      // Outside the lock: a client may answer synchronously (a malformed
      // address fails at once), and the answer takes the lock.
      lock.unlock();
      for (auto& read : due) {
        client_.Read(read.endpoint, read.poll,
                     [this, key = read.key, generation = read.generation](DrainReading r) {
                       OnAnswer(key, generation, std::move(r));
                     });
      }
      for (const auto& key : stale) {
        if (on_change_) on_change_(key);
      }
      lock.lock();
      continue;
    }
    cv_.wait_until(lock, schedule_.NextWake(now));
  }
}

}  // namespace baton::drain
