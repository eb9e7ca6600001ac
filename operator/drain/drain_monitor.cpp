#include "drain/drain_monitor.h"

#include <vector>

namespace baton::drain {

DrainMonitor::DrainMonitor(DrainClient& client, OnChange on_change, DrainMonitorOptions options,
                           Now now)
    : DrainMonitor(client, std::move(on_change), options, std::move(now), ManualStepping{}) {
  thread_ = std::thread([this] { Loop(); });
}

DrainMonitor::DrainMonitor(DrainClient& client, OnChange on_change, DrainMonitorOptions options,
                           Now now, ManualStepping)
    : client_(client), on_change_(std::move(on_change)), now_(std::move(now)), schedule_(options) {}

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
  if (schedule_.Track(key, spec, now_())) cv_.notify_all();
}

void DrainMonitor::Untrack(const std::string& key) {
  std::lock_guard lock(mu_);
  if (auto endpoint = schedule_.Untrack(key)) client_.Forget(*endpoint);
}

void DrainMonitor::Poke(const std::string& key) {
  std::lock_guard lock(mu_);
  if (schedule_.Poke(key, now_())) cv_.notify_all();
}

std::optional<DrainReading> DrainMonitor::Latest(const std::string& key) const {
  std::lock_guard lock(mu_);
  return schedule_.Latest(key, now_());
}

std::size_t DrainMonitor::Tracked() const {
  std::lock_guard lock(mu_);
  return schedule_.Tracked();
}

void DrainMonitor::OnAnswer(const std::string& key, uint64_t generation, DrainReading reading) {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    changed = schedule_.Answer(key, generation, std::move(reading), now_());
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

DrainMonitor::Work DrainMonitor::TakeWork(Clock::time_point now) {
  Work work{schedule_.TakeDue(now), schedule_.TakeNewlyStale(now)};
  callbacks_pending_ += work.due.size();
  return work;
}

void DrainMonitor::DoWork(Work& work) {
  for (auto& read : work.due) {
    client_.Read(read.endpoint, read.poll,
                 [this, key = read.key, generation = read.generation](DrainReading r) {
                   OnAnswer(key, generation, std::move(r));
                 });
  }
  for (const auto& key : work.stale) {
    if (on_change_) on_change_(key);
  }
}

void DrainMonitor::Step() {
  Work work;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    work = TakeWork(now_());
  }
  DoWork(work);
}

void DrainMonitor::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto now = now_();
    Work work = TakeWork(now);
    if (!work.empty()) {
      lock.unlock();
      DoWork(work);
      lock.lock();
      continue;
    }
    // Under the lock since TakeWork: a Track or Poke in between is not missed.
    cv_.wait_until(lock, schedule_.NextWake(now));
  }
}

}  // namespace baton::drain
