// Follows the live session count of every pod Baton manages.
//
// Serving pods are read every poll interval (to choose the fewest-sessions
// pod when a drain must start); draining pods are followed with the
// contract's long-poll, so a count reaching the threshold is seen within
// milliseconds instead of a poll interval later. Whenever what is known about
// a pod changes — an answer, or a known count going stale — `on_change(key)`
// is called so the controller can reconcile its tier.
//
// What to read when, the in-flight budget with each tier's fair share, and
// staleness are ReadSchedule's (read_schedule.h); this class is the thread
// around it.
//
// Threading: one scheduler thread issues reads; answers arrive on the
// client's I/O thread (DrainClient::Read) and only update state under a mutex
// and call on_change, which must not block. The clock is injected; built
// with ManualStepping, the monitor has no thread and its caller calls Step()
// (tests move a fake clock and step, so they never sleep for a schedule).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "drain/drain_client.h"
#include "drain/read_schedule.h"

namespace baton::drain {

using DrainMonitorOptions = ReadScheduleOptions;

// What the controller needs of a monitor; DrainMonitor is the real one,
// tests use plain data.
class DrainFollower {
 public:
  virtual ~DrainFollower() = default;
  virtual void Track(const std::string& key, const FollowSpec& spec) = 0;
  virtual void Untrack(const std::string& key) = 0;
  virtual void Poke(const std::string& key) = 0;
  // Unknown when the last known count is stale (read_schedule.h).
  virtual std::optional<DrainReading> Latest(const std::string& key) const = 0;
};

class DrainMonitor final : public DrainFollower {
 public:
  using Clock = ReadSchedule::Clock;
  using Now = std::function<Clock::time_point()>;
  using OnChange = std::function<void(const std::string& key)>;
  struct ManualStepping {};  // no thread: the caller calls Step()

  // Runs its own thread, which sleeps in Clock's time: keep Clock::now.
  DrainMonitor(DrainClient& client, OnChange on_change, DrainMonitorOptions options = {},
               Now now = Clock::now);
  // No thread: reads go out only from Step(), scheduled by `now`.
  DrainMonitor(DrainClient& client, OnChange on_change, DrainMonitorOptions options, Now now,
               ManualStepping);
  ~DrainMonitor() override;
  DrainMonitor(const DrainMonitor&) = delete;
  DrainMonitor& operator=(const DrainMonitor&) = delete;

  // Starts or updates following `key` (e.g. "namespace/pod").
  void Track(const std::string& key, const FollowSpec& spec) override;
  void Untrack(const std::string& key) override;
  // Reads now, out of schedule (e.g. right after a drain request).
  void Poke(const std::string& key) override;

  std::optional<DrainReading> Latest(const std::string& key) const override;
  std::size_t Tracked() const;

  void Stop();

  // Issues the reads that are due at now() and reports pods whose count went
  // stale. The thread does this whenever something is due; a monitor built
  // with ManualStepping does it only here.
  void Step();

 private:
  struct Work {
    std::vector<PendingRead> due;
    std::vector<std::string> stale;
    bool empty() const { return due.empty() && stale.empty(); }
  };
  Work TakeWork(Clock::time_point now);  // under mu_
  void DoWork(Work& work);               // without mu_: a client may answer at once
  void Loop();
  void OnAnswer(const std::string& key, uint64_t generation, DrainReading reading);

  DrainClient& client_;
  OnChange on_change_;
  Now now_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  ReadSchedule schedule_;
  // Reads issued and not yet answered, whatever the schedule thinks of them
  // (a re-spec frees a slot at once, but its callback is still to come).
  std::size_t callbacks_pending_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace baton::drain
