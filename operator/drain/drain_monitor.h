// Follows the live session count of every pod Baton manages.
//
// Serving pods are read every poll interval (to choose the fewest-sessions
// pod when a drain must start); draining pods are followed with the
// contract's long-poll, so a count reaching the threshold is seen within
// milliseconds instead of a poll interval later. Whenever what is known about
// a pod changes, `on_change(key)` is called so the controller can reconcile
// its tier.
//
// Threading: one scheduler thread issues reads; answers arrive on
// cpprestsdk's pool (DrainClient::Read) and only update state under a mutex
// and call on_change, which must not block. In-flight reads are capped so a
// tier of 10,000 pods cannot open 10,000 connections at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "drain/drain_client.h"

namespace baton::drain {

struct FollowSpec {
  DrainEndpoint endpoint;
  // Serving pods: how often to read. Draining pods: 0 (long-poll continuously).
  std::chrono::milliseconds poll_interval{5000};
  bool follow = false;    // long-poll instead of polling
  int64_t threshold = 0;  // long-poll answers as soon as sessions <= threshold
  std::chrono::milliseconds long_poll_wait{10000};
};

struct DrainMonitorOptions {
  std::size_t max_in_flight = 512;
  // After a failed read, wait this long before the next (a refused
  // connection answers at once; without a pause we would spin).
  std::chrono::milliseconds retry_after_error{500};
};

// What the controller needs of a monitor; DrainMonitor is the real one,
// tests use plain data.
class DrainFollower {
 public:
  virtual ~DrainFollower() = default;
  virtual void Track(const std::string& key, const FollowSpec& spec) = 0;
  virtual void Untrack(const std::string& key) = 0;
  virtual void Poke(const std::string& key) = 0;
  virtual std::optional<DrainReading> Latest(const std::string& key) const = 0;
};

class DrainMonitor final : public DrainFollower {
 public:
  using Clock = std::chrono::steady_clock;

  DrainMonitor(DrainClient& client, std::function<void(const std::string& key)> on_change,
               DrainMonitorOptions options = {});
  ~DrainMonitor() override;
  DrainMonitor(const DrainMonitor&) = delete;
  DrainMonitor& operator=(const DrainMonitor&) = delete;

  // Starts or updates following `key` (e.g. "namespace/pod"). An update that
  // changes the endpoint forgets the old reading (a new pod IP is a new process).
  void Track(const std::string& key, const FollowSpec& spec) override;
  void Untrack(const std::string& key) override;
  // Reads now, out of schedule (e.g. right after a drain request).
  void Poke(const std::string& key) override;

  std::optional<DrainReading> Latest(const std::string& key) const override;
  std::size_t Tracked() const;

  void Stop();

 private:
  struct Entry {
    FollowSpec spec;
    std::optional<DrainReading> latest;
    Clock::time_point next_read{};
    bool in_flight = false;
    uint64_t generation = 0;  // bumps when the spec changes: late answers are dropped
  };

  struct PendingRead {
    std::string key;
    DrainEndpoint endpoint;
    LongPoll poll;
    uint64_t generation;
  };

  void Loop();
  PendingRead Prepare(const std::string& key, Entry& e);
  void OnAnswer(const std::string& key, uint64_t generation, DrainReading reading);
  static bool Differs(const std::optional<DrainReading>& a, const DrainReading& b);

  DrainClient& client_;
  std::function<void(const std::string&)> on_change_;
  DrainMonitorOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> entries_;
  std::size_t in_flight_ = 0;
  uint64_t next_generation_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace baton::drain
