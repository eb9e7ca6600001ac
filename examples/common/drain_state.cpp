#include "drain_state.h"

#include <algorithm>
#include <random>

namespace baton::examples {

const char* DrainSnapshot::StateName() const {
  if (!draining()) return "Serving";
  return sessions > 0 ? "Draining" : "Drained";
}

nlohmann::json ToJson(const DrainSnapshot& s) {
  nlohmann::json j = {{"protocol", kDrainProtocol},
                      {"instanceId", s.instance_id},
                      {"version", s.version},
                      {"sessions", s.sessions},
                      {"state", s.StateName()}};
  if (s.capacity) j["capacity"] = *s.capacity;
  if (s.verdict) {
    j["verdict"] = {{"healthy", s.verdict->healthy}};
    if (!s.verdict->reason.empty()) j["verdict"]["reason"] = s.verdict->reason;
  }
  if (s.drain) {
    nlohmann::json d = {{"pace", s.drain->pace},
                        {"deadline", FormatRfc3339(s.drain->deadline)},
                        {"reason", s.drain->reason},
                        {"startedAt", FormatRfc3339(s.started_at)}};
    if (!s.drain->successor.empty()) d["successor"] = s.drain->successor;
    j["drain"] = std::move(d);
  }
  return j;
}

DrainState::DrainState(std::string instance_id, std::string version) {
  state_.instance_id = std::move(instance_id);
  state_.version = std::move(version);
}

void DrainState::SetCapacity(long capacity) {
  std::lock_guard lock(mu_);
  state_.capacity = capacity;
}

void DrainState::SetSessions(long sessions) {
  {
    std::lock_guard lock(mu_);
    if (state_.sessions == sessions) return;
    state_.sessions = sessions;
  }
  changed_.notify_all();
}

DrainSnapshot DrainState::Start(const DrainRequest& request,
                                std::chrono::system_clock::time_point now) {
  DrainSnapshot out;
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    if (!state_.drain) state_.started_at = now;
    if (state_.drain != request) {
      state_.drain = request;
      ++state_.generation;
      changed = true;
    }
    out = state_;
  }
  if (changed) changed_.notify_all();
  return out;
}

DrainSnapshot DrainState::Cancel() {
  DrainSnapshot out;
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    if (state_.drain) {
      state_.drain.reset();
      ++state_.generation;
      changed = true;
    }
    out = state_;
  }
  if (changed) changed_.notify_all();
  return out;
}

DrainSnapshot DrainState::Read() const {
  std::lock_guard lock(mu_);
  return state_;
}

DrainSnapshot DrainState::Wait(const LongPoll& poll) const {
  std::unique_lock lock(mu_);
  std::uint64_t generation = state_.generation;
  auto wait = std::clamp(poll.wait, std::chrono::milliseconds(0), kMaxLongPoll);
  changed_.wait_for(lock, wait, [&] {
    return shutdown_ || state_.generation != generation ||
           (poll.last_sessions && state_.sessions != *poll.last_sessions) ||
           (poll.threshold && state_.sessions <= *poll.threshold);
  });
  return state_;
}

void DrainState::Shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  changed_.notify_all();
}

void DrainState::RequireAcknowledgement() {
  std::lock_guard lock(mu_);
  require_ack_ = true;
}

void DrainState::Applied(std::uint64_t generation) {
  {
    std::lock_guard lock(mu_);
    if (generation <= applied_) return;
    applied_ = generation;
  }
  changed_.notify_all();
}

bool DrainState::WaitApplied(std::uint64_t generation, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout,
                           [&] { return !require_ack_ || shutdown_ || applied_ >= generation; });
}

std::string NewInstanceId() {
  std::random_device rd;
  std::uniform_int_distribution<int> nibble(0, 15);
  std::string id;
  for (int i = 0; i < 32; ++i) id += "0123456789abcdef"[nibble(rd)];
  return id;
}

}  // namespace baton::examples
