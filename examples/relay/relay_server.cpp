#include "relay_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "chat_protocol.h"

namespace baton::examples::relay {
namespace {

constexpr std::uint64_t kListenerTag = 0;
constexpr std::uint64_t kSignalTag = ~std::uint64_t{0};
constexpr int kAcceptBatch = 256;
constexpr std::chrono::seconds kWaitForOwnExit{5};  // see MoveSome

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

RelayServer::RelayServer(RelayOptions options, DrainState& drain, RelaySignals& signals)
    : options_(std::move(options)),
      drain_(drain),
      signals_out_(signals),
      dropper_(options_.drop_message_share),
      handover_(std::hash<std::string>{}(options_.instance_id)) {
  if (!options_.directory_path.empty()) directory_.emplace(options_.directory_path);
}

RelayServer::~RelayServer() = default;

bool RelayServer::OpenListener() {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    error_ = Errno("socket");
    return false;
  }
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(bound_port_ != 0 ? bound_port_ : options_.port));
  if (inet_pton(AF_INET, options_.host.c_str(), &addr.sin_addr) != 1) {
    error_ = "not an IPv4 address: " + options_.host;
    return false;
  }
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    error_ = Errno(("bind " + options_.host).c_str());
    return false;
  }
  if (listen(fd.get(), 4096) != 0) {
    error_ = Errno("listen");
    return false;
  }
  socklen_t len = sizeof(addr);
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  bound_port_ = ntohs(addr.sin_port);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerTag;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &ev) != 0) {
    error_ = Errno("epoll_ctl listener");
    return false;
  }
  listener_ = std::move(fd);
  return true;
}

void RelayServer::CloseListener() {
  // Closing (not just ignoring) the socket makes new clients fail fast with a
  // refused connection instead of waiting in a backlog nobody reads.
  listener_.Reset();
}

int RelayServer::Listen() {
  epoll_ = UniqueFd(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) {
    error_ = Errno("epoll_create1");
    return -1;
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  signals_ = UniqueFd(signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signals_.valid()) {
    error_ = Errno("signalfd");
    return -1;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kSignalTag;
  epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, signals_.get(), &ev);
  if (!OpenListener()) return -1;
  listening_since_ = std::chrono::steady_clock::now();
  return bound_port_;
}

void RelayServer::AcceptSome() {
  for (int i = 0; i < kAcceptBatch && listener_.valid(); ++i) {
    if (static_cast<long>(connections_.size()) >= options_.max_sessions) {
      // Full: leave the rest in the backlog until someone leaves.
      epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
      return;
    }
    UniqueFd fd(accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) return;  // EAGAIN, or a transient error the next turn retries
    if (Refusing(std::chrono::steady_clock::now())) {
      ++turn_counts_.refused;
      continue;  // fd closes here: accepted, then closed at once
    }
    int one = 1;
    setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto c = std::make_unique<Connection>();
    c->id = next_id_++;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c->id;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &ev) != 0) continue;
    c->fd = std::move(fd);
    connections_.emplace(c->id, std::move(c));
    ++not_logged_in_;
  }
}

bool RelayServer::Refusing(std::chrono::steady_clock::time_point now) {
  if (refusing_) return true;
  if (!options_.refuse_sessions_after || now - listening_since_ < *options_.refuse_sessions_after)
    return false;
  refusing_ = true;
  signals_out_.SetRefusing();
  std::printf("relay: refusing new sessions (--refuse-sessions-after-seconds)\n");
  std::fflush(stdout);
  return true;
}

void RelayServer::UpdateInterest(Connection& c) {
  bool want = c.out_sent < c.out.size();
  if (want == c.want_write) return;
  c.want_write = want;
  epoll_event ev{};
  ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
  ev.data.u64 = c.id;
  epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
}

void RelayServer::Flush(Connection& c) {
  while (c.out_sent < c.out.size()) {
    ssize_t n =
        send(c.fd.get(), c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    c.broken = true;
    pending_close_.push_back(c.id);
    return;
  }
  if (c.out_sent == c.out.size()) {
    c.out.clear();
    c.out_sent = 0;
    // After BYE and a full flush: half-close and let the client close first,
    // so nothing it has not read yet is lost to a reset.
    if (c.phase == Phase::kClosing) shutdown(c.fd.get(), SHUT_WR);
  }
  UpdateInterest(c);
}

void RelayServer::Queue(Connection& c, const std::string& line) {
  if (c.broken) return;
  if (c.out.size() - c.out_sent + line.size() > options_.max_pending_output) {
    c.broken = true;
    pending_close_.push_back(c.id);
    return;
  }
  c.out += line;
  Flush(c);
}

void RelayServer::OnLine(Connection& c, const std::string& line) {
  auto command = chat::ParseClientCommand(line);
  if (!command) {
    c.broken = true;
    pending_close_.push_back(c.id);
    return;
  }
  if (auto* hello = std::get_if<chat::Hello>(&*command)) {
    if (c.phase != Phase::kConnected) return;
    c.user = hello->user;
    users_[c.user] = c.id;  // a newer login of the same user wins
    LeaveConnected(c, Phase::kLoggedIn);
    Queue(c, chat::FormatWelcome(options_.instance_id));
    if (draining_) to_move_.push_back(c.id);
    return;
  }
  if (auto* send = std::get_if<chat::Send>(&*command)) {
    if (c.phase != Phase::kLoggedIn && c.phase != Phase::kMoving) return;
    auto to = users_.find(send->to);
    Connection* recipient = nullptr;
    if (to != users_.end()) {
      auto it = connections_.find(to->second);
      if (it != connections_.end() && !it->second->broken) recipient = it->second.get();
    }
    if (recipient == nullptr) {
      Queue(c, chat::FormatNack(send->seq, "not-here"));
      return;
    }
    if (dropper_.Next()) {
      // The defect on purpose: the sender is told it was delivered.
      ++turn_counts_.dropped;
      Queue(c, chat::FormatAck(send->seq));
      return;
    }
    // ACK only once the delivery sits in the recipient's ordered output:
    // MOVE is queued behind it and the socket is flushed before it closes.
    Queue(*recipient, chat::FormatDeliver(c.user, send->seq, send->text));
    if (recipient->broken) {
      Queue(c, chat::FormatNack(send->seq, "recipient-gone"));
      return;
    }
    ++turn_counts_.relayed;
    Queue(c, chat::FormatAck(send->seq));
    return;
  }
  if (std::holds_alternative<chat::Bye>(*command)) {
    auto it = users_.find(c.user);
    if (it != users_.end() && it->second == c.id) users_.erase(it);
    LeaveConnected(c, Phase::kClosing);
    if (c.moved_at == std::chrono::steady_clock::time_point{})
      c.moved_at = std::chrono::steady_clock::now();
    Flush(c);
  }
}

void RelayServer::OnReadable(Connection& c) {
  char buf[16384];
  for (int i = 0; i < 4; ++i) {
    ssize_t n = recv(c.fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      if (!c.in.Append(std::string_view(buf, static_cast<std::size_t>(n)))) {
        c.broken = true;
        pending_close_.push_back(c.id);
        return;
      }
      while (auto line = c.in.Next()) {
        OnLine(c, *line);
        if (c.broken) return;
      }
      if (static_cast<std::size_t>(n) < sizeof(buf)) return;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    c.broken = true;  // EOF or error
    pending_close_.push_back(c.id);
    return;
  }
}

void RelayServer::Close(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  auto user = users_.find(c.user);
  if (user != users_.end() && user->second == id) users_.erase(user);
  if (c.phase == Phase::kConnected) --not_logged_in_;
  connections_.erase(it);  // the UniqueFd closes the socket (and leaves epoll)
  if (listener_.valid() && !draining_ &&
      static_cast<long>(connections_.size()) == options_.max_sessions - 1) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenerTag;
    epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener_.get(), &ev);
  }
}

void RelayServer::LeaveConnected(Connection& c, Phase next) {
  if (c.phase == Phase::kConnected) --not_logged_in_;
  c.phase = next;
}

void RelayServer::ApplyDrain(std::chrono::steady_clock::time_point now) {
  DrainSnapshot s = drain_.Read();
  if (s.generation == drain_generation_) return;
  drain_generation_ = s.generation;
  ApplyDrainSnapshot(s, now);
  drain_.Applied(s.generation);
}

void RelayServer::ApplyDrainSnapshot(const DrainSnapshot& s,
                                     std::chrono::steady_clock::time_point now) {
  if (!s.drain) {
    if (draining_) {
      draining_ = false;
      to_move_.clear();
      pacer_.reset();
      if (!OpenListener())
        std::fprintf(stderr, "relay: cannot reopen listener: %s\n", error_.c_str());
    }
    return;
  }
  // Capacity of 10 ms worth: the relay loop wakes every millisecond while
  // moving, so it never needs more, and any 100 ms sees at most pace/10 + 1%.
  double capacity = std::max(1.0, s.drain->pace * 0.01);
  move_hint_ = s.drain->successor;
  if (!draining_) {
    draining_ = true;
    drain_began_ = now;
    CloseListener();
    pacer_.emplace(s.drain->pace, capacity, now);
    to_move_.clear();
    for (const auto& [id, c] : connections_) {
      if (c->phase == Phase::kLoggedIn) to_move_.push_back(id);
    }
  } else {
    pacer_->SetRate(s.drain->pace, capacity, now);
  }
}

void RelayServer::RefreshDirectory(std::chrono::steady_clock::time_point now) {
  if (!directory_ || now - directory_read_at_ < std::chrono::milliseconds(100)) return;
  directory_read_at_ = now;
  if (directory_->Refresh() && directory_->current()) {
    handover_.SetDirectory(*directory_->current(), HostPort{options_.host, bound_port_});
  }
}

std::optional<std::string> RelayServer::NextHint() {
  // No directory configured, or none readable yet: the drain's own hint.
  if (!directory_ || !handover_.known()) return move_hint_;
  return handover_.Next();
}

void RelayServer::MoveSome(std::chrono::steady_clock::time_point now) {
  if (!draining_ || !pacer_) return;
  RefreshDirectory(now);
  // Wait for the directory Baton publishes once it has marked this relay
  // draining: the one before does not count this drain, and handing over by
  // it piled sessions on the pod that took the previous drain (seen in CI:
  // 114 sessions in the 0.2 s before the new pod's weight arrived). A few
  // seconds at most: a directory that never comes must not stall the drain.
  if (directory_ && handover_.known() && handover_.lists_self() &&
      now - drain_began_ < kWaitForOwnExit) {
    return;
  }
  while (!to_move_.empty()) {
    auto it = connections_.find(to_move_.front());
    if (it == connections_.end() || it->second->phase != Phase::kLoggedIn || it->second->broken) {
      to_move_.pop_front();
      continue;
    }
    if (!pacer_->TryTake(now)) return;
    std::optional<std::string> hint = NextHint();
    if (!hint) {
      // Kept, not cut: the count stays, so Baton holds the drain until a
      // relay has room (a new directory) or its timeout policy applies.
      if (!holding_) {
        std::printf("relay: holding %zu sessions: no relay in the directory has room\n",
                    to_move_.size());
        std::fflush(stdout);
        holding_ = true;
      }
      return;
    }
    holding_ = false;
    to_move_.pop_front();
    Connection& c = *it->second;
    c.phase = Phase::kMoving;
    c.moved_at = now;
    Queue(c, chat::FormatMove(*hint));
  }
  // Connections that never logged in get no MOVE; they are cut with the rest
  // only at SIGTERM (a client that connects but never says HELLO is broken).
}

void RelayServer::ReapStragglers(std::chrono::steady_clock::time_point now) {
  for (const auto& [id, c] : connections_) {
    if ((c->phase == Phase::kMoving || c->phase == Phase::kClosing) && !c->broken &&
        now - c->moved_at > options_.move_grace) {
      c->broken = true;
      pending_close_.push_back(id);
    }
  }
}

void RelayServer::ServeConnections(const epoll_event* events, int n) {
  for (int i = 0; i < n; ++i) {
    auto it = connections_.find(events[i].data.u64);
    if (it == connections_.end()) continue;
    Connection& c = *it->second;
    if (c.broken) continue;
    if (events[i].events & EPOLLOUT) Flush(c);
    if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) OnReadable(c);
  }
  while (!pending_close_.empty()) {
    std::uint64_t id = pending_close_.front();
    pending_close_.pop_front();
    Close(id);
  }
}

long RelayServer::HandOverRemaining() {
  auto now = std::chrono::steady_clock::now();
  directory_read_at_ = {};
  RefreshDirectory(now);
  long kept = 0;
  for (const auto& [id, c] : connections_) {
    if (c->phase == Phase::kLoggedIn && !c->broken) {
      std::optional<std::string> hint = NextHint();
      if (!hint) {
        ++kept;
        continue;
      }
      c->phase = Phase::kMoving;
      c->moved_at = now;
      Queue(*c, chat::FormatMove(*hint));
    }
  }
  if (kept > 0) {
    std::printf("relay: %ld sessions had no relay with room at SIGTERM\n", kept);
    std::fflush(stdout);
  }
  to_move_.clear();
  auto deadline = now + options_.final_handover;
  epoll_event events[512];
  while (Sessions() > 0 && std::chrono::steady_clock::now() < deadline) {
    int n = epoll_wait(epoll_.get(), events, 512, 10);
    // Signal and listener events are ignored here: we are already stopping.
    ServeConnections(events, n);
  }
  return Sessions();
}

long RelayServer::Run() {
  epoll_event events[512];
  auto last_reap = std::chrono::steady_clock::now();
  for (;;) {
    bool moving = draining_ && !to_move_.empty();
    int n = epoll_wait(epoll_.get(), events, 512, moving ? 1 : 10);
    auto now = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      std::uint64_t tag = events[i].data.u64;
      if (tag == kSignalTag) {
        signalfd_siginfo info{};
        ssize_t got = read(signals_.get(), &info, sizeof(info));
        if (got == static_cast<ssize_t>(sizeof(info))) {
          long held = Sessions();
          std::printf("relay: %s with %ld sessions\n",
                      info.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT", held);
          std::fflush(stdout);
          CloseListener();
          if (draining_ && held > 0) {
            long cut = HandOverRemaining();
            std::printf("relay: handed over %ld sessions at SIGTERM, cut %ld\n", held - cut, cut);
            std::fflush(stdout);
          }
          // Cut every session. The count is not set to 0: until the drain
          // server stops, readers must not mistake a dying relay for a drained one.
          connections_.clear();
          not_logged_in_ = 0;
          users_.clear();
          return held;
        }
        continue;
      }
      if (tag == kListenerTag) {
        AcceptSome();
        continue;
      }
      ServeConnections(&events[i], 1);
    }
    ApplyDrain(now);
    MoveSome(now);
    if (now - last_reap > std::chrono::milliseconds(100)) {
      ReapStragglers(now);
      last_reap = now;
    }
    while (!pending_close_.empty()) {
      std::uint64_t id = pending_close_.front();
      pending_close_.pop_front();
      Close(id);
    }
    drain_.SetSessions(Sessions());
    Refusing(now);  // the verdict turns unhealthy on time, not at the next connection
    if (!turn_counts_.empty()) {
      signals_out_.Add(turn_counts_, now);
      turn_counts_ = {};
    }
    if (options_.exit_after && now - listening_since_ >= *options_.exit_after) {
      long held = Sessions();
      std::printf("relay: exiting with code 1 (--exit-after-seconds) with %ld sessions\n", held);
      std::fflush(stdout);
      exited_on_purpose_ = true;
      CloseListener();
      connections_.clear();
      not_logged_in_ = 0;
      users_.clear();
      return held;
    }
  }
}

}  // namespace baton::examples::relay
