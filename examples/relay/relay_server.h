#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "drain_state.h"
#include "event_window.h"
#include "handover_choice.h"
#include "line_splitter.h"
#include "message_dropper.h"
#include "relay_signals.h"
#include "serving_directory.h"
#include "token_bucket.h"
#include "unique_fd.h"

namespace baton::examples::relay {

struct RelayOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  long max_sessions = 10000;
  std::string instance_id;
  // A client told to MOVE that neither says BYE nor closes is cut after this.
  std::chrono::milliseconds move_grace{10000};
  // SIGTERM while draining: the few sessions left (Baton deletes a draining
  // pod once it is at or below the tier's sessionThreshold) are told to MOVE
  // at once, unpaced, and get this long to go before they are cut.
  std::chrono::milliseconds final_handover{2000};
  // Past this much unsent output a client is too slow to keep.
  std::size_t max_pending_output = 1 << 20;
  // The serving directory file (docs/drain-protocol.md), re-read while
  // draining; empty: none. With it, each MOVE names a pod drawn by the
  // directory's weights that has room, and a session no pod has room for
  // stays here (counted) instead of being sent to a full relay. Without it,
  // MOVE carries the drain's successor hint.
  std::string directory_path;
  // Deliberate defects, so that tests have a real bad version (all off by
  // default): the share of messages acknowledged but never delivered; when,
  // after Listen, every new connection starts being closed at once; when,
  // after Listen, the process stops with exit code 1 (a crash loop).
  double drop_message_share = 0;
  std::optional<std::chrono::milliseconds> refuse_sessions_after;
  std::optional<std::chrono::milliseconds> exit_after;
};

// The relay's session side: one epoll loop holding every client TCP session
// of the chat line protocol, routing SENDs between the users logged in here,
// and carrying out the drain that the DrainState asks for.
class RelayServer {
 public:
  // `signals` receives the loop's counts once per turn.
  RelayServer(RelayOptions options, DrainState& drain, RelaySignals& signals);
  ~RelayServer();
  RelayServer(const RelayServer&) = delete;
  RelayServer& operator=(const RelayServer&) = delete;

  // Binds the session port; returns it, or -1 with error().
  int Listen();
  // Runs until SIGTERM or SIGINT (which the caller has blocked in every
  // thread); returns the number of sessions held when the signal came.
  long Run();
  const std::string& error() const { return error_; }
  // True when Run returned because --exit-after-seconds elapsed.
  bool exited_on_purpose() const { return exited_on_purpose_; }

 private:
  enum class Phase { kConnected, kLoggedIn, kMoving, kClosing };
  struct Connection {
    std::uint64_t id = 0;
    UniqueFd fd;
    LineSplitter in;
    std::string out;
    std::size_t out_sent = 0;
    std::string user;
    Phase phase = Phase::kConnected;
    std::chrono::steady_clock::time_point moved_at;
    bool want_write = false;
    bool broken = false;  // closed at the end of the loop turn, never mid-dispatch
  };

  bool OpenListener();
  void CloseListener();
  void AcceptSome();
  // True from --refuse-sessions-after-seconds on; the first time, tells
  // signals_out_ and logs it.
  bool Refusing(std::chrono::steady_clock::time_point now);
  void OnReadable(Connection& c);
  void OnLine(Connection& c, const std::string& line);
  void Queue(Connection& c, const std::string& line);
  void Flush(Connection& c);
  void Close(std::uint64_t id);
  void ApplyDrain(std::chrono::steady_clock::time_point now);
  void ApplyDrainSnapshot(const DrainSnapshot& s, std::chrono::steady_clock::time_point now);
  void MoveSome(std::chrono::steady_clock::time_point now);
  // The hint for the next MOVE; nullopt when no relay has room for it.
  std::optional<std::string> NextHint();
  void RefreshDirectory(std::chrono::steady_clock::time_point now);
  void ReapStragglers(std::chrono::steady_clock::time_point now);
  // Serves the connections' I/O (not the listener, not signals) for one epoll round.
  void ServeConnections(const ::epoll_event* events, int n);
  // SIGTERM while draining: MOVE everyone left, wait for them to go; returns
  // how many were still connected at the deadline (cut).
  long HandOverRemaining();
  void UpdateInterest(Connection& c);
  // Sessions: connections whose client said HELLO (logged in, moving or
  // leaving). A connection that has not (a TCP readiness probe, a client
  // mid-handshake) is not one: counting it made a relay read one above
  // what it held whenever the kubelet's probe connected.
  long Sessions() const { return static_cast<long>(connections_.size()) - not_logged_in_; }
  void LeaveConnected(Connection& c, Phase next);

  RelayOptions options_;
  DrainState& drain_;
  RelaySignals& signals_out_;
  MessageDropper dropper_;
  EventCounts turn_counts_;  // this loop turn's, handed to signals_out_ at its end
  std::chrono::steady_clock::time_point listening_since_{};
  bool refusing_ = false;
  bool exited_on_purpose_ = false;
  UniqueFd epoll_;
  UniqueFd listener_;
  UniqueFd signals_;
  int bound_port_ = 0;
  std::string error_;
  std::uint64_t next_id_ = 1;
  long not_logged_in_ = 0;  // connections in Phase::kConnected
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::unordered_map<std::string, std::uint64_t> users_;
  std::deque<std::uint64_t> to_move_;
  std::optional<TokenBucket> pacer_;
  std::uint64_t drain_generation_ = 0;
  bool draining_ = false;
  std::string move_hint_;
  std::optional<ServingDirectoryFile> directory_;
  HandoverChoice handover_;
  std::chrono::steady_clock::time_point directory_read_at_{};
  std::chrono::steady_clock::time_point drain_began_{};
  bool holding_ = false;  // logged once per stretch of "no relay has room"
  std::deque<std::uint64_t> pending_close_;
};

}  // namespace baton::examples::relay
