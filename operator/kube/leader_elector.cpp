#include "kube/leader_elector.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <random>
#include <stdexcept>
#include <thread>

#include "kube/api_error.h"
#include "kube/transport_error.h"
#include "timestamp/rfc3339.h"

namespace baton::kube {

void ValidateLeaderElectionConfig(const LeaderElectionConfig& c) {
  if (c.retry_period.count() <= 0) throw std::invalid_argument("retry period must be positive");
  if (c.renew_deadline <= c.retry_period) {
    throw std::invalid_argument("renew deadline must exceed the retry period");
  }
  if (std::chrono::duration_cast<std::chrono::milliseconds>(c.lease_duration) <= c.renew_deadline) {
    throw std::invalid_argument("lease duration must exceed the renew deadline");
  }
}

LeaseDecision DecideLease(const std::optional<LeaderElectionRecord>& current,
                          std::chrono::steady_clock::time_point observed_change,
                          std::chrono::steady_clock::time_point now, std::string_view identity,
                          std::chrono::seconds lease_duration, const std::string& now_wall) {
  LeaseDecision d;
  LeaderElectionRecord next;
  next.holder_identity = std::string(identity);
  next.lease_duration_seconds = static_cast<int>(lease_duration.count());
  next.renew_time = now_wall;
  if (!current) {
    next.acquire_time = now_wall;
    d.write = next;
    d.create = true;
    return d;
  }
  const bool mine = current->holder_identity == identity;
  const bool held = !current->holder_identity.empty();
  const bool valid =
      held && observed_change + std::chrono::seconds(current->lease_duration_seconds) > now;
  if (held && valid && !mine) return d;  // someone else leads
  if (mine) {
    next.acquire_time = current->acquire_time;
    next.lease_transitions = current->lease_transitions;
  } else {
    next.acquire_time = now_wall;
    next.lease_transitions = current->lease_transitions + 1;
  }
  d.write = next;
  return d;
}

LeaderElector::LeaderElector(LeaseLock lock, LeaderElectionConfig config)
    : lock_(std::move(lock)), config_(std::move(config)) {
  ValidateLeaderElectionConfig(config_);
}

std::string LeaderElector::CurrentLeader() const {
  std::lock_guard guard(mutex_);
  return observed_ ? observed_->holder_identity : std::string();
}

bool LeaderElector::Sleep(std::stop_token stop, std::chrono::milliseconds d) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  cv.wait_for(lock, stop, d, [] { return false; });
  return !stop.stop_requested();
}

bool LeaderElector::TryAcquireOrRenew() {
  const auto now = std::chrono::steady_clock::now();
  std::optional<LeaderElectionRecord> current;
  try {
    current = lock_.Get();
  } catch (const std::exception& e) {
    spdlog::warn("leader election {}: reading the lease: {}", lock_.Describe(), e.what());
    return false;
  }
  std::string new_leader;
  bool leader_changed = false;
  {
    std::lock_guard guard(mutex_);
    if (current != observed_) {
      leader_changed =
          !observed_ || !current || observed_->holder_identity != current->holder_identity;
      observed_ = current;
      observed_at_ = now;
    }
    if (current) new_leader = current->holder_identity;
  }
  if (leader_changed && current && new_leader != reported_leader_) {
    reported_leader_ = new_leader;
    if (config_.on_new_leader) config_.on_new_leader(new_leader);
  }
  LeaseDecision d;
  {
    std::lock_guard guard(mutex_);
    d = DecideLease(current, observed_at_, now, lock_.identity(), config_.lease_duration,
                    timestamp::FormatMicroTime(std::chrono::system_clock::now()));
  }
  if (!d.write) return false;
  try {
    if (d.create) {
      lock_.Create(*d.write);
    } else {
      lock_.Update(*d.write);
    }
  } catch (const ApiError& e) {
    // Conflict / AlreadyExists: another contender wrote first; it wins.
    // Anything else (e.g. Forbidden: RBAC without create on leases) means
    // this replica can never lead, which people must see.
    if (IsConflict(e) || IsAlreadyExists(e)) {
      spdlog::debug("leader election {}: {}", lock_.Describe(), e.what());
    } else {
      spdlog::warn("leader election {}: writing the lease: {}", lock_.Describe(), e.what());
    }
    return false;
  } catch (const TransportError& e) {
    spdlog::warn("leader election {}: {}", lock_.Describe(), e.what());
    return false;
  }
  {
    std::lock_guard guard(mutex_);
    observed_ = *d.write;
    observed_at_ = std::chrono::steady_clock::now();
  }
  if (reported_leader_ != lock_.identity()) {
    reported_leader_ = lock_.identity();
    if (config_.on_new_leader) config_.on_new_leader(reported_leader_);
  }
  return true;
}

void LeaderElector::Release() {
  std::optional<LeaderElectionRecord> record;
  {
    std::lock_guard guard(mutex_);
    if (!observed_ || observed_->holder_identity != lock_.identity()) return;
    record = *observed_;
  }
  const std::string now = timestamp::FormatMicroTime(std::chrono::system_clock::now());
  record->holder_identity.clear();
  record->lease_duration_seconds = 1;
  record->renew_time = now;
  record->acquire_time = now;
  try {
    lock_.Update(*record);
    spdlog::info("leader election {}: released", lock_.Describe());
  } catch (const std::exception& e) {
    spdlog::warn("leader election {}: release failed: {}", lock_.Describe(), e.what());
  }
}

bool LeaderElector::Run(std::stop_token stop) {
  std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(1.0, 1.2);
  // Campaign.
  while (!stop.stop_requested()) {
    if (TryAcquireOrRenew()) break;
    const auto wait = std::chrono::milliseconds(
        static_cast<int64_t>(static_cast<double>(config_.retry_period.count()) * jitter(rng)));
    if (!Sleep(stop, wait)) return false;
  }
  if (stop.stop_requested()) return false;
  leading_ = true;
  spdlog::info("leader election {}: {} is leading", lock_.Describe(), lock_.identity());
  if (config_.on_started_leading) config_.on_started_leading();

  // Renew until a renewal fails for renew_deadline, or stop.
  bool stopped = false;
  auto last_renew = std::chrono::steady_clock::now();
  for (;;) {
    if (!Sleep(stop, config_.retry_period)) {
      stopped = true;
      break;
    }
    if (TryAcquireOrRenew()) {
      last_renew = std::chrono::steady_clock::now();
      continue;
    }
    if (std::chrono::steady_clock::now() - last_renew >= config_.renew_deadline) break;
    // Lost the CAS to another holder: the lease is gone now, not later.
    if (CurrentLeader() != lock_.identity() && !CurrentLeader().empty()) break;
  }
  leading_ = false;
  if (!stopped) {
    spdlog::error("leader election {}: {} lost the lease", lock_.Describe(), lock_.identity());
  }
  // Work stops before the lease is released: a successor must not overlap.
  if (config_.on_stopped_leading) config_.on_stopped_leading();
  if (stopped && config_.release_on_cancel) Release();
  return stopped;
}

}  // namespace baton::kube
