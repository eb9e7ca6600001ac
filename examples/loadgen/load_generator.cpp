#include "load_generator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "chat_protocol.h"

namespace baton::examples::loadgen {
namespace {

constexpr std::uint64_t kSignalTag = 0;
constexpr auto kDirectoryPoll = std::chrono::milliseconds(100);
// Versions of the directory kept for the report (a rollout writes a few per pod).
constexpr std::size_t kMaxSightings = 100000;

std::chrono::microseconds Micros(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d);
}

}  // namespace

LoadGenerator::LoadGenerator(LoadOptions options)
    : options_(std::move(options)),
      picker_(options_.seed),
      rng_(options_.seed ^ 0x9e3779b97f4a7c15) {}

LoadGenerator::~LoadGenerator() = default;

bool LoadGenerator::Setup() {
  epoll_ = UniqueFd(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) {
    error_ = std::string("epoll_create1: ") + std::strerror(errno);
    return false;
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  signals_ = UniqueFd(signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signals_.valid()) {
    error_ = std::string("signalfd: ") + std::strerror(errno);
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kSignalTag;
  epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, signals_.get(), &ev);
  if (!options_.directory_path.empty()) directory_.emplace(options_.directory_path);
  RefreshTargets(true);
  users_.resize(static_cast<std::size_t>(options_.sessions));
  for (std::size_t i = 0; i < users_.size(); ++i) {
    users_[i].name = options_.user_prefix + std::to_string(i);
  }
  counts_.sessions = users_.size();
  return true;
}

void LoadGenerator::RefreshTargets(bool force) {
  if (directory_) {
    if (directory_->Refresh() && directory_->current()) {
      picker_.SetTargets(TargetsFromDirectory(*directory_->current()));
      if (sightings_.size() < kMaxSightings) {
        auto seen = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch());
        sightings_.push_back({directory_->current()->updated_at,
                              directory_->current_mtime_unix_us(), seen.count(),
                              PodsTakingSessions(*directory_->current())});
      }
    }
  } else if (force) {
    std::vector<Target> targets;
    // --targets: no directory, so no counts to doubt; every target is open.
    for (const auto& t : options_.targets) targets.push_back({"", t, std::nullopt, Room::kOpen});
    picker_.SetTargets(std::move(targets));
  }
}

void LoadGenerator::Connect(std::size_t user, const HostPort& target) {
  auto now = Clock::now();
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    AttemptFailed(user, target, now);
    return;
  }
  int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(target.port));
  inet_pton(AF_INET, target.host.c_str(), &addr.sin_addr);
  int rc = connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  if (rc != 0 && errno != EINPROGRESS) {
    AttemptFailed(user, target, now);
    return;
  }
  auto link = std::make_unique<Link>();
  link->id = next_link_++;
  link->user = user;
  link->target = target;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u64 = link->id;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &ev) != 0) {
    AttemptFailed(user, target, now);
    return;
  }
  link->fd = std::move(fd);
  users_[user].link = link->id;
  ++handshaking_;
  links_.emplace(link->id, std::move(link));
}

void LoadGenerator::StartReconnect(std::size_t user, Clock::time_point now) {
  User& u = users_[user];
  auto target = picker_.Next(u.hint, u.avoid);
  if (!target) {
    AttemptFailed(user, u.avoid.value_or(HostPort{}), now);
    return;
  }
  Connect(user, *target);
}

void LoadGenerator::AttemptFailed(std::size_t user, const HostPort& target, Clock::time_point now) {
  User& u = users_[user];
  u.link = 0;
  u.avoid = target;
  u.hint.clear();  // the hinted place did not work: any other will do
  if (++u.attempts > options_.reconnect_attempts) {
    u.gave_up = true;
    return;
  }
  auto backoff = std::chrono::milliseconds(std::min(20 * u.attempts, 500));
  retries_.emplace(now + backoff, user);
}

void LoadGenerator::SetWriteInterest(Link& link, bool want) {
  if (want == link.want_write) return;
  link.want_write = want;
  epoll_event ev{};
  ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
  ev.data.u64 = link.id;
  epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, link.fd.get(), &ev);
}

void LoadGenerator::Flush(Link& link) {
  if (link.phase == LinkPhase::kConnecting || link.dead) return;
  while (link.out_sent < link.out.size()) {
    ssize_t n = send(link.fd.get(), link.out.data() + link.out_sent,
                     link.out.size() - link.out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      link.out_sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    Kill(link);
    return;
  }
  if (link.out_sent == link.out.size()) {
    link.out.clear();
    link.out_sent = 0;
  }
  SetWriteInterest(link, !link.out.empty());
}

void LoadGenerator::Queue(Link& link, const std::string& line) {
  link.out += line;
  Flush(link);
}

void LoadGenerator::Kill(Link& link) {
  if (link.dead) return;
  link.dead = true;
  dead_links_.push_back(link.id);
}

void LoadGenerator::OnConnected(Link& link) {
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(link.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    Kill(link);  // OnLinkEnded counts the failed attempt
    return;
  }
  link.phase = LinkPhase::kHello;
  Queue(link, chat::FormatHello(users_[link.user].name));
}

void LoadGenerator::Activate(std::size_t user, const std::string& relay) {
  User& u = users_[user];
  auto& peers = active_by_relay_[relay];
  u.relay = relay;
  u.relay_pos = peers.size();
  peers.push_back(user);
  u.all_pos = active_.size();
  active_.push_back(user);
}

void LoadGenerator::Deactivate(std::size_t user) {
  User& u = users_[user];
  if (u.relay.empty()) return;
  auto& peers = active_by_relay_[u.relay];
  std::size_t last = peers.back();
  peers[u.relay_pos] = last;
  users_[last].relay_pos = u.relay_pos;
  peers.pop_back();
  last = active_.back();
  active_[u.all_pos] = last;
  users_[last].all_pos = u.all_pos;
  active_.pop_back();
  u.relay.clear();
}

void LoadGenerator::OnLine(Link& link, const std::string& line, Clock::time_point now) {
  auto message = chat::ParseRelayMessage(line);
  User& u = users_[link.user];
  if (!message) {
    std::fprintf(stderr, "loadgen: bad line from %s: %s\n", link.target.ToString().c_str(),
                 line.c_str());
    Kill(link);
    return;
  }
  if (std::holds_alternative<chat::Welcome>(*message)) {
    if (link.phase != LinkPhase::kHello) return;
    link.phase = LinkPhase::kActive;
    --handshaking_;
    u.attempts = 0;
    u.avoid.reset();
    Activate(link.user, link.target.ToString());
    if (!u.established) {
      u.established = true;
      ++counts_.established;
    }
    if (u.moving) {
      reconnects_.Record(Micros(u.move_started - started_), Micros(now - u.move_started));
      u.moving = false;
    }
    if (u.recovering) {
      ++counts_.reconnects_after_loss;
      u.recovering = false;
    }
    return;
  }
  if (auto* ack = std::get_if<chat::Ack>(&*message)) {
    ledger_.OnAck(u.name, ack->seq);
    return;
  }
  if (auto* nack = std::get_if<chat::Nack>(&*message)) {
    ledger_.OnNack(u.name, nack->seq);
    return;
  }
  if (auto* deliver = std::get_if<chat::Deliver>(&*message)) {
    ledger_.OnDelivered(deliver->from, deliver->seq);
    return;
  }
  if (auto* move = std::get_if<chat::Move>(&*message)) {
    if (link.phase != LinkPhase::kActive) return;
    // Say BYE and keep reading this link until the relay closes it (pending
    // deliveries arrive there); meanwhile log in elsewhere.
    Queue(link, chat::FormatBye());
    link.phase = LinkPhase::kLeaving;
    Deactivate(link.user);
    ++counts_.moves;
    u.link = 0;
    u.moving = true;
    u.move_started = now;
    u.hint = move->hint;
    u.avoid = link.target;
    StartReconnect(link.user, now);
  }
}

void LoadGenerator::OnReadable(Link& link, Clock::time_point now) {
  char buf[16384];
  for (int i = 0; i < 4 && !link.dead; ++i) {
    ssize_t n = recv(link.fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      if (!link.in.Append(std::string_view(buf, static_cast<std::size_t>(n)))) {
        Kill(link);
        return;
      }
      while (!link.dead) {
        auto line = link.in.Next();
        if (!line) break;
        OnLine(link, *line, now);
      }
      if (static_cast<std::size_t>(n) < sizeof(buf)) return;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    Kill(link);
    return;
  }
}

void LoadGenerator::OnLinkEnded(Link& link, Clock::time_point now) {
  User& u = users_[link.user];
  switch (link.phase) {
    case LinkPhase::kLeaving:
      return;  // the ordinary end of a move
    case LinkPhase::kActive:
      // Cut without MOVE: the session is lost; a real client would come back.
      ++counts_.sessions_lost;
      Deactivate(link.user);
      u.link = 0;
      u.recovering = true;
      u.avoid = link.target;
      u.hint.clear();
      StartReconnect(link.user, now);
      return;
    case LinkPhase::kConnecting:
    case LinkPhase::kHello:
      --handshaking_;
      AttemptFailed(link.user, link.target, now);
      return;
  }
}

void LoadGenerator::SendSome(Clock::time_point now) {
  // Bounded per turn by the bucket's capacity (10 ms worth of messages).
  while (!active_.empty() && send_pacer_->TryTake(now)) {
    std::uniform_int_distribution<std::size_t> pick_sender(0, active_.size() - 1);
    std::size_t from = active_[pick_sender(rng_)];
    const auto& peers = active_by_relay_[users_[from].relay];
    std::uniform_int_distribution<std::size_t> pick_peer(0, peers.size() - 1);
    std::size_t to = peers[pick_peer(rng_)];
    auto it = links_.find(users_[from].link);
    if (it == links_.end() || it->second->phase != LinkPhase::kActive || it->second->dead) continue;
    std::uint64_t seq = ledger_.NextSend(users_[from].name);
    Queue(*it->second, chat::FormatSend(users_[to].name, seq, "hi"));
  }
}

bool LoadGenerator::Settled() const {
  if (handshaking_ > 0 || !retries_.empty()) return false;
  for (const User& u : users_) {
    if (u.moving && !u.gave_up) return false;
  }
  auto totals = ledger_.Summarize();
  return totals.unanswered == 0 && totals.lost == 0;
}

}  // namespace baton::examples::loadgen

namespace baton::examples::loadgen {

std::optional<LoadReport> LoadGenerator::Run() {
  if (!Setup()) return std::nullopt;
  started_ = Clock::now();
  started_wall_ = std::chrono::system_clock::now();
  send_pacer_.emplace(options_.rate, std::max(1.0, options_.rate * 0.01), started_);
  const auto send_until = started_ + options_.duration;
  std::optional<Clock::time_point> settle_until;
  auto last_directory_poll = started_;
  auto last_settle_check = started_;
  epoll_event events[512];
  for (;;) {
    bool busy = handshaking_ > 0 || !retries_.empty() || !settle_until;
    int n = epoll_wait(epoll_.get(), events, 512, busy ? 1 : 10);
    auto now = Clock::now();
    for (int i = 0; i < n; ++i) {
      std::uint64_t tag = events[i].data.u64;
      if (tag == kSignalTag) {
        signalfd_siginfo info{};
        if (read(signals_.get(), &info, sizeof(info)) > 0 && !settle_until) {
          settle_until = now + options_.settle;
        }
        continue;
      }
      auto it = links_.find(tag);
      if (it == links_.end() || it->second->dead) continue;
      Link& link = *it->second;
      if (link.phase == LinkPhase::kConnecting) {
        if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) OnConnected(link);
        continue;
      }
      if (events[i].events & EPOLLOUT) Flush(link);
      if (!link.dead && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) OnReadable(link, now);
    }
    for (std::uint64_t id : dead_links_) {
      auto it = links_.find(id);
      if (it == links_.end()) continue;
      // Out of the map first: OnLinkEnded may connect anew, which inserts.
      std::unique_ptr<Link> link = std::move(it->second);
      links_.erase(it);
      if (users_[link->user].link == id) users_[link->user].link = 0;
      OnLinkEnded(*link, now);
    }
    dead_links_.clear();
    if (now - last_directory_poll >= kDirectoryPoll) {
      RefreshTargets(false);
      last_directory_poll = now;
    }
    while (next_initial_ < users_.size() && handshaking_ < options_.connect_concurrency &&
           !picker_.targets().empty()) {
      auto target = picker_.Initial(next_initial_);
      Connect(next_initial_++, *target);
    }
    while (!retries_.empty() && retries_.begin()->first <= now) {
      std::size_t user = retries_.begin()->second;
      retries_.erase(retries_.begin());
      StartReconnect(user, now);
    }
    if (!announced_ && counts_.established == users_.size()) {
      announced_ = true;
      std::printf("loadgen: established %zu sessions\n", users_.size());
      std::fflush(stdout);
    }
    if (!settle_until && now >= send_until) settle_until = now + options_.settle;
    if (!settle_until) {
      SendSome(now);
    } else if (now >= *settle_until) {
      break;
    } else if (now - last_settle_check >= std::chrono::milliseconds(50)) {
      last_settle_check = now;
      if (Settled()) break;
    }
  }
  LoadReport report = BuildLoadReport(users_.size(), reconnects_, ledger_);
  report.established = counts_.established;
  report.sessions_lost = counts_.sessions_lost;
  report.moves = counts_.moves;
  report.reconnects_after_loss = counts_.reconnects_after_loss;
  report.started_unix_us =
      std::chrono::duration_cast<std::chrono::microseconds>(started_wall_.time_since_epoch())
          .count();
  report.directory_sightings = std::move(sightings_);
  // A session that is not logged in anywhere when the run ends (it gave up,
  // or was still looking for a relay) failed, whatever the reason.
  for (const User& u : users_) {
    if (u.gave_up || u.relay.empty()) {
      ++report.sessions_failed;
    } else {
      ++report.sessions_per_relay[u.relay];
    }
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  links_.clear();
  return report;
}

}  // namespace baton::examples::loadgen
