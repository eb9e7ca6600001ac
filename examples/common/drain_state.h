#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "drain_request.h"

namespace baton::examples {

inline constexpr const char* kDrainProtocol = "baton.dev/drain/v1";
inline constexpr std::chrono::milliseconds kMaxLongPoll{30000};

// The status object's optional `verdict`: the workload's own opinion of its
// health, which a canary bake in Baton fails on when unhealthy.
struct WorkloadVerdict {
  bool healthy = true;
  std::string reason;
  bool operator==(const WorkloadVerdict&) const = default;
};

struct DrainSnapshot {
  std::string instance_id;
  std::string version;
  long sessions = 0;
  // Sessions this process can hold (the contract's optional `capacity`);
  // nullopt: not reported.
  std::optional<long> capacity;
  std::optional<DrainRequest> drain;       // set while draining
  std::optional<WorkloadVerdict> verdict;  // nullopt: none reported
  std::chrono::system_clock::time_point started_at;
  std::uint64_t generation = 0;  // bumps on every start/cancel/parameter change

  bool draining() const { return drain.has_value(); }
  // "Serving", "Draining" or "Drained".
  const char* StateName() const;
};

// The status object of docs/drain-protocol.md.
nlohmann::json ToJson(const DrainSnapshot& s);

// When a long-poll read answers (see GET <base> in the contract).
struct LongPoll {
  std::chrono::milliseconds wait{0};
  std::optional<long> last_sessions;
  std::optional<long> threshold;
};

// A workload's drain state, shared between its serving loop (which reports
// the session count and acts on the drain) and the HTTP handlers (which read
// it and change it). Thread-safe.
class DrainState {
 public:
  DrainState(std::string instance_id, std::string version);

  void SetSessions(long sessions);
  void SetCapacity(long capacity);
  // Idempotent: the same request twice changes nothing; different parameters
  // replace the old ones but keep started_at.
  DrainSnapshot Start(const DrainRequest& request, std::chrono::system_clock::time_point now);
  DrainSnapshot Cancel();
  DrainSnapshot Read() const;
  // Blocks until the LongPoll condition holds, the wait elapses, or Shutdown.
  DrainSnapshot Wait(const LongPoll& poll) const;
  // Releases every waiter (process exit).
  void Shutdown();

  // For workloads whose serving loop acts on the drain asynchronously: once
  // called, Start and Cancel answers wait (bounded) until the loop reports
  // with Applied() that it acts on the new state, so that when POST start
  // returns the workload has already stopped accepting.
  void RequireAcknowledgement();
  void Applied(std::uint64_t generation);
  // True once `generation` was applied (or acknowledgement is not required).
  bool WaitApplied(std::uint64_t generation, std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  DrainSnapshot state_;
  bool shutdown_ = false;
  bool require_ack_ = false;
  std::uint64_t applied_ = 0;
};

// 128 random bits as 32 hex characters.
std::string NewInstanceId();

}  // namespace baton::examples
