// Leader election on a Lease, after client-go's leaderelection package:
// only one process of a fleet does the work; the others wait to take over.
//
//   - A contender takes the lease when it is free (empty holder) or when its
//     holder has not renewed it for leaseDurationSeconds, as measured on the
//     contender's own monotonic clock from the moment it last SAW the record
//     change (no trust in other machines' wall clocks).
//   - The leader renews every retry_period; if no renewal succeeds for
//     renew_deadline it stops leading (on_stopped_leading) — before the lease
//     can expire for others, since renew_deadline < lease_duration.
//   - On a clean stop the leader releases: holder "" and
//     leaseDurationSeconds 1, so a successor need not wait out the lease.
//
// The RestClient given to the LeaseLock should have a request timeout well
// under renew_deadline: a hung request must not outlive the deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "kube/lease_lock.h"

namespace baton::kube {

struct LeaderElectionConfig {
  std::chrono::seconds lease_duration{15};
  std::chrono::milliseconds renew_deadline{10'000};
  std::chrono::milliseconds retry_period{2'000};
  bool release_on_cancel = true;
  // Called on the elector's thread; must return promptly (start work on
  // other threads).
  std::function<void()> on_started_leading;
  // Leadership is over (lost, or stopping): stop ALL work now, before
  // returning — on a clean stop the lease is released right after, and a
  // successor may start at once. Called once per Run() that led.
  std::function<void()> on_stopped_leading;
  // The holder changed (including to this process); "" when released.
  std::function<void(const std::string& identity)> on_new_leader;
};

// Throws std::invalid_argument unless 0 < retry < renew_deadline < lease_duration.
void ValidateLeaderElectionConfig(const LeaderElectionConfig& config);

// The decision of one acquire-or-renew attempt. Pure.
struct LeaseDecision {
  // The record to write, or nullopt when another holder's lease is still valid.
  std::optional<LeaderElectionRecord> write;
  bool create = false;  // no Lease exists yet
};
// `current`: the record read (nullopt: no Lease). `observed_change`: when
// this process first saw `current` as it is now. `now_wall`: the wall time
// to stamp (timestamp::FormatMicroTime).
LeaseDecision DecideLease(const std::optional<LeaderElectionRecord>& current,
                          std::chrono::steady_clock::time_point observed_change,
                          std::chrono::steady_clock::time_point now, std::string_view identity,
                          std::chrono::seconds lease_duration, const std::string& now_wall);

class LeaderElector {
 public:
  LeaderElector(LeaseLock lock, LeaderElectionConfig config);
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Campaigns until leading, leads until the lease is lost or `stop` is
  // requested, then returns (releasing the lease on stop when configured).
  // Returns true when it led and stopped because of `stop`, false when the
  // lease was lost (or never won before `stop`).
  bool Run(std::stop_token stop);

  bool IsLeader() const { return leading_.load(); }
  std::string CurrentLeader() const;
  const std::string& identity() const { return lock_.identity(); }

 private:
  // One attempt; true when this process holds the lease afterwards.
  bool TryAcquireOrRenew();
  void Release();
  bool Sleep(std::stop_token stop, std::chrono::milliseconds d);

  LeaseLock lock_;
  LeaderElectionConfig config_;
  std::atomic<bool> leading_{false};
  mutable std::mutex mutex_;
  std::optional<LeaderElectionRecord> observed_;
  std::chrono::steady_clock::time_point observed_at_{};
  std::string reported_leader_;
};

}  // namespace baton::kube
