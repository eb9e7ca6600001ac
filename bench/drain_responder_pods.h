// The drain state of every pod the bench drain responder answers for, keyed
// by the pod's IP (the local address a connection was accepted on). Pure: the
// caller passes the clock; the epoll shell lives in drain_responder.cpp.
//
// A pod serves `sessions` sessions until it is asked to drain; `drain_ms`
// after POST /drain/start its count drops to 0 in one step (0 ms: at once).
// That step is "the moment the count reaches the threshold" the reaction
// latency bench measures from, so it is reported via `switched_at`.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

namespace baton::bench {

using SteadyTime = std::chrono::steady_clock::time_point;

enum class PodDrainState { Serving, Draining, Drained };

struct PodStatus {
  std::string instance_id;
  int64_t sessions = 0;
  PodDrainState state = PodDrainState::Serving;
};

struct PodRecord {
  std::string instance_id;
  bool draining = false;
  SteadyTime switch_at{};  // when the count drops to 0 (valid while draining)
};

class ResponderPods {
 public:
  ResponderPods(int64_t sessions, std::chrono::milliseconds drain_time)
      : sessions_(sessions), drain_time_(drain_time), rng_(std::random_device{}()) {}

  PodStatus Status(uint32_t ip, SteadyTime now) {
    PodRecord& p = Get(ip);
    PodStatus s{p.instance_id, sessions_, PodDrainState::Serving};
    if (p.draining) {
      const bool done = now >= p.switch_at;
      s.sessions = done ? 0 : sessions_;
      s.state = done ? PodDrainState::Drained : PodDrainState::Draining;
    }
    return s;
  }

  // Returns the switch time when this call started a drain (a repeat changes
  // nothing, as the contract's idempotent start says).
  std::optional<SteadyTime> Start(uint32_t ip, SteadyTime now) {
    PodRecord& p = Get(ip);
    if (p.draining) return std::nullopt;
    p.draining = true;
    p.switch_at = now + drain_time_;
    return p.switch_at;
  }

  void Cancel(uint32_t ip) { Get(ip).draining = false; }

  // A new pod on a recycled IP is a new process: new instance, serving.
  void Forget(uint32_t ip) { pods_.erase(ip); }

  // The next instant a parked long-poll for `ip` may have to answer.
  std::optional<SteadyTime> NextChange(uint32_t ip) {
    PodRecord& p = Get(ip);
    if (p.draining) return p.switch_at;
    return std::nullopt;
  }

  std::size_t size() const { return pods_.size(); }

 private:
  PodRecord& Get(uint32_t ip) {
    auto [it, inserted] = pods_.try_emplace(ip);
    if (inserted) {
      char buf[40];
      std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(rng_()),
                    static_cast<unsigned long long>(rng_()));
      it->second.instance_id = buf;
    }
    return it->second;
  }

  int64_t sessions_;
  std::chrono::milliseconds drain_time_;
  std::mt19937_64 rng_;
  std::unordered_map<uint32_t, PodRecord> pods_;
};

}  // namespace baton::bench
