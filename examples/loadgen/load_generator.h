#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "directory_sighting.h"
#include "host_port.h"
#include "line_splitter.h"
#include "load_report.h"
#include "reconnect_stats.h"
#include "sequence_ledger.h"
#include "serving_directory.h"
#include "target_picker.h"
#include "token_bucket.h"
#include "unique_fd.h"

namespace baton::examples::loadgen {

struct LoadOptions {
  std::string directory_path;     // serving directory file, or
  std::vector<HostPort> targets;  // fixed targets
  long sessions = 100;
  double rate = 100;  // messages per second, all sessions together
  std::chrono::milliseconds duration{10000};
  std::chrono::milliseconds settle{3000};  // after sending stops: wait for answers
  int connect_concurrency = 200;
  int reconnect_attempts = 40;
  std::string user_prefix = "u";
  std::uint64_t seed = 1;
};

// Many chat clients in one epoll loop: they log in across relays, send to
// each other at a bounded rate, follow MOVE hints to other relays, and keep
// the books (SequenceLedger, ReconnectStats) the report is made from.
class LoadGenerator {
 public:
  explicit LoadGenerator(LoadOptions options);
  ~LoadGenerator();
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Runs for the duration or until SIGINT/SIGTERM (which the caller blocked),
  // then settles and reports. nullopt with error() on a setup failure.
  std::optional<LoadReport> Run();
  const std::string& error() const { return error_; }

 private:
  using Clock = std::chrono::steady_clock;
  enum class LinkPhase { kConnecting, kHello, kActive, kLeaving };
  struct Link {
    std::uint64_t id = 0;
    UniqueFd fd;
    std::size_t user = 0;
    HostPort target;
    LinkPhase phase = LinkPhase::kConnecting;
    LineSplitter in;
    std::string out;
    std::size_t out_sent = 0;
    bool want_write = true;
    bool dead = false;
  };
  struct User {
    std::string name;
    std::uint64_t link = 0;  // the link being set up or in use (not a leaving one)
    bool established = false;
    bool moving = false;
    bool recovering = false;
    bool gave_up = false;
    Clock::time_point move_started;
    std::string hint;
    std::optional<HostPort> avoid;
    int attempts = 0;
    std::string relay;  // key of the relay it is active on ("" when not active)
    std::size_t relay_pos = 0;
    std::size_t all_pos = 0;
  };

  bool Setup();
  void RefreshTargets(bool force);
  void Connect(std::size_t user, const HostPort& target);
  void StartReconnect(std::size_t user, Clock::time_point now);
  void AttemptFailed(std::size_t user, const HostPort& target, Clock::time_point now);
  void OnConnected(Link& link);
  void OnReadable(Link& link, Clock::time_point now);
  void OnLine(Link& link, const std::string& line, Clock::time_point now);
  void OnLinkEnded(Link& link, Clock::time_point now);
  void Queue(Link& link, const std::string& line);
  void Flush(Link& link);
  void SetWriteInterest(Link& link, bool want);
  void Activate(std::size_t user, const std::string& relay);
  void Deactivate(std::size_t user);
  void SendSome(Clock::time_point now);
  void Kill(Link& link);
  bool Settled() const;

  LoadOptions options_;
  std::string error_;
  UniqueFd epoll_;
  UniqueFd signals_;
  std::optional<ServingDirectoryFile> directory_;
  TargetPicker picker_;
  std::vector<User> users_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Link>> links_;
  std::vector<std::uint64_t> dead_links_;
  std::uint64_t next_link_ = 1;
  std::size_t next_initial_ = 0;
  long handshaking_ = 0;
  std::multimap<Clock::time_point, std::size_t> retries_;
  std::unordered_map<std::string, std::vector<std::size_t>> active_by_relay_;
  std::vector<std::size_t> active_;
  SequenceLedger ledger_;
  ReconnectStats reconnects_;
  LoadReport counts_;  // the session counters; messages and reconnects are filled at the end
  std::vector<DirectorySighting> sightings_;
  Clock::time_point started_;
  std::chrono::system_clock::time_point started_wall_;
  std::optional<TokenBucket> send_pacer_;
  std::mt19937_64 rng_;
  bool announced_ = false;
};

}  // namespace baton::examples::loadgen
