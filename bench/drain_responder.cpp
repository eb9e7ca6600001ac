// bench drain responder: answers the drain contract (docs/drain-protocol.md)
// for every kwok pod at once, so a bench can roll hundreds of pods that drain
// at once (or after --drain-ms) without a real process per pod.
//
// kwok gives pods loopback IPs (127.1.x.y) and Linux routes all of 127/8 to
// lo, so one socket bound to 0.0.0.0:PORT receives every pod's drain calls;
// the local address of an accepted connection says which pod is asked.
// One thread, epoll, HTTP/1.1 keep-alive; long-polls are parked, not threads,
// so 10,000 followed endpoints cost one process.
//
//   drain_responder --port 9090 [--sessions 0] [--drain-ms 0] [--switch-log FILE]
//
// --switch-log gets one line per drain started: "<pod ip> <epoch µs>" of the
// instant its count drops to 0 (the reaction latency bench's start time).
// POST /bench/forget?ip=A.B.C.D drops a pod's state (a recycled IP is a new pod).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "drain_responder_pods.h"

namespace {

using baton::bench::PodDrainState;
using baton::bench::ResponderPods;
using baton::bench::SteadyTime;
using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) {
  g_stop = 1;
}

struct Parked {
  SteadyTime deadline;
  std::optional<int64_t> last_sessions;
  std::optional<int64_t> threshold;
  PodDrainState state_at_arrival;
};

struct Connection {
  int fd = -1;
  uint32_t ip = 0;  // host order
  std::string in;
  std::string out;
  bool close_after_write = false;
  std::optional<Parked> parked;
};

std::optional<int64_t> QueryInt(std::string_view query, std::string_view name) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view kv = query.substr(pos, amp - pos);
    if (kv.size() > name.size() && kv.substr(0, name.size()) == name && kv[name.size()] == '=') {
      try {
        return std::stoll(std::string(kv.substr(name.size() + 1)));
      } catch (...) {
        return std::nullopt;
      }
    }
    pos = amp + 1;
  }
  return std::nullopt;
}

std::string_view QueryString(std::string_view query, std::string_view name) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view kv = query.substr(pos, amp - pos);
    if (kv.size() > name.size() && kv.substr(0, name.size()) == name && kv[name.size()] == '=')
      return kv.substr(name.size() + 1);
    pos = amp + 1;
  }
  return {};
}

const char* StateName(PodDrainState s) {
  switch (s) {
    case PodDrainState::Serving:
      return "Serving";
    case PodDrainState::Draining:
      return "Draining";
    case PodDrainState::Drained:
      return "Drained";
  }
  return "Serving";
}

std::string StatusJson(const baton::bench::PodStatus& s) {
  std::string body = R"({"protocol":"baton.dev/drain/v1","instanceId":")" + s.instance_id +
                     R"(","version":"bench","sessions":)" + std::to_string(s.sessions) +
                     R"(,"state":")" + StateName(s.state) + "\"";
  if (s.state != PodDrainState::Serving) body += R"(,"drain":{"pace":1000,"reason":"bench"})";
  return body + "}";
}

void Respond(Connection& c, int code, const std::string& body) {
  const char* reason = code == 200 ? "OK" : code == 404 ? "Not Found" : "Bad Request";
  c.out += "HTTP/1.1 " + std::to_string(code) + " " + reason +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + (c.close_after_write ? "Connection: close\r\n" : "") + "\r\n" + body;
}

class Responder {
 public:
  Responder(ResponderPods& pods, std::FILE* switch_log, std::string base)
      : pods_(pods), switch_log_(switch_log), base_(std::move(base)) {}

  // Handles every complete request in c.in; false: close the connection.
  bool Handle(Connection& c) {
    while (!c.parked) {
      const std::size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return c.in.size() < 65536;
      std::string_view head(c.in.data(), end);
      std::size_t body_len = 0;
      bool close = false;
      {
        std::string lower(head);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        if (auto p = lower.find("\r\ncontent-length:"); p != std::string::npos)
          body_len = std::strtoul(lower.c_str() + p + 17, nullptr, 10);
        close = lower.find("\r\nconnection: close") != std::string::npos;
      }
      if (c.in.size() < end + 4 + body_len) return true;
      const std::size_t sp1 = head.find(' ');
      const std::size_t sp2 = head.find(' ', sp1 + 1);
      if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return false;
      const std::string method(head.substr(0, sp1));
      std::string_view target = head.substr(sp1 + 1, sp2 - sp1 - 1);
      std::string_view query;
      if (auto q = target.find('?'); q != std::string_view::npos) {
        query = target.substr(q + 1);
        target = target.substr(0, q);
      }
      c.close_after_write = close;
      Dispatch(c, method, std::string(target), std::string(query));
      c.in.erase(0, end + 4 + body_len);
    }
    return true;
  }

  // A parked long-poll answers when its condition holds or its wait ends.
  bool TryAnswerParked(Connection& c, SteadyTime now) {
    if (!c.parked) return false;
    auto s = pods_.Status(c.ip, now);
    const Parked& p = *c.parked;
    const bool ready = now >= p.deadline || s.state != p.state_at_arrival ||
                       (p.last_sessions && s.sessions != *p.last_sessions) ||
                       (p.threshold && s.sessions <= *p.threshold);
    if (!ready) return false;
    c.parked.reset();
    Respond(c, 200, StatusJson(s));
    return true;
  }

  // The pod whose drain state a request just changed (start/cancel), once.
  std::optional<uint32_t> TakeChanged() { return std::exchange(changed_, std::nullopt); }

  // When the earliest parked poll of `c` must be looked at again.
  SteadyTime WakeAt(Connection& c) {
    SteadyTime t = c.parked->deadline;
    if (auto n = pods_.NextChange(c.ip)) t = std::min(t, *n);
    return t;
  }

 private:
  void Dispatch(Connection& c, const std::string& method, const std::string& target,
                const std::string& query) {
    const SteadyTime now = Clock::now();
    if (method == "POST" && target == "/bench/forget") {
      in_addr a{};
      if (inet_pton(AF_INET, std::string(QueryString(query, "ip")).c_str(), &a) == 1)
        pods_.Forget(ntohl(a.s_addr));
      Respond(c, 200, "{}");
      return;
    }
    if (method == "GET" && target == base_) {
      const int64_t wait = std::clamp<int64_t>(QueryInt(query, "waitMs").value_or(0), 0, 30000);
      auto s = pods_.Status(c.ip, now);
      Parked p{now + std::chrono::milliseconds(wait), QueryInt(query, "lastSessions"),
               QueryInt(query, "threshold"), s.state};
      c.parked = p;
      TryAnswerParked(c, now);
      return;
    }
    if (method == "POST" && target == base_ + "/start") {
      auto at = pods_.Start(c.ip, now);
      if (at) changed_ = c.ip;
      if (at && switch_log_) {
        const auto wall =
            std::chrono::system_clock::now() +
            std::chrono::duration_cast<std::chrono::system_clock::duration>(*at - now);
        char ip[INET_ADDRSTRLEN];
        in_addr a{htonl(c.ip)};
        inet_ntop(AF_INET, &a, ip, sizeof(ip));
        std::fprintf(switch_log_, "%s %lld\n", ip,
                     static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                wall.time_since_epoch())
                                                .count()));
        std::fflush(switch_log_);
      }
      Respond(c, 200, StatusJson(pods_.Status(c.ip, now)));
      return;
    }
    if (method == "POST" && target == base_ + "/cancel") {
      pods_.Cancel(c.ip);
      changed_ = c.ip;
      Respond(c, 200, StatusJson(pods_.Status(c.ip, now)));
      return;
    }
    Respond(c, 404, R"({"error":"not found"})");
  }

  ResponderPods& pods_;
  std::FILE* switch_log_;
  std::string base_;
  std::optional<uint32_t> changed_;
};

void RaiseFdLimit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"drain responder for benchmarks: the drain contract for every pod IP"};
  int port = 9090;
  int64_t sessions = 0;
  int drain_ms = 0;
  std::string switch_log_path, base = "/drain", bind = "0.0.0.0";
  app.add_option("--port", port, "0: any free port (printed)")->required();
  app.add_option("--bind", bind, "address to listen on (0.0.0.0: every pod IP)");
  app.add_option("--sessions", sessions, "sessions each pod reports while serving/draining");
  app.add_option("--drain-ms", drain_ms, "time from /drain/start until the count is 0");
  app.add_option("--base-path", base);
  app.add_option("--switch-log", switch_log_path, "where to log each drain's switch to 0");
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  RaiseFdLimit();

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> switch_log(nullptr, std::fclose);
  if (!switch_log_path.empty()) switch_log.reset(std::fopen(switch_log_path.c_str(), "a"));
  ResponderPods pods(sessions, std::chrono::milliseconds(drain_ms));
  Responder responder(pods, switch_log.get(), base);

  const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, bind.c_str(), &addr.sin_addr);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(lfd, 4096) != 0) {
    std::fprintf(stderr, "drain_responder: cannot listen on %s:%d: %s\n", bind.c_str(), port,
                 std::strerror(errno));
    return 1;
  }
  socklen_t addr_len = sizeof(addr);
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &addr_len);
  port = ntohs(addr.sin_port);  // --port 0: the kernel chose one
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  std::unordered_map<int, Connection> conns;
  // Parked long-polls by the instant they must be looked at again.
  std::multimap<SteadyTime, int> wakeups;
  std::printf("drain_responder: listening on %s:%d (sessions %lld, drain %d ms)\n", bind.c_str(),
              port, static_cast<long long>(sessions), drain_ms);
  std::fflush(stdout);

  auto close_conn = [&](int fd) {
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    conns.erase(fd);
  };
  // Writes what is pending; parks or unparks; false when the connection is done.
  auto flush = [&](Connection& c) {
    while (!c.out.empty()) {
      const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) return false;
      c.out.erase(0, static_cast<std::size_t>(n));
    }
    epoll_event ev{};
    ev.events = EPOLLIN | (c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT));
    ev.data.fd = c.fd;
    epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
    return !(c.out.empty() && c.close_after_write);
  };
  auto serve = [&](Connection& c) {
    if (!responder.Handle(c)) return false;
    if (c.parked) wakeups.emplace(responder.WakeAt(c), c.fd);
    // Polls parked on other connections answer on a state change.
    if (auto ip = responder.TakeChanged()) {
      for (auto& [ofd, o] : conns)
        if (ofd != c.fd && o.parked && o.ip == *ip) wakeups.emplace(Clock::now(), ofd);
    }
    return flush(c);
  };

  std::vector<epoll_event> events(1024);
  while (!g_stop) {
    int timeout_ms = 1000;
    if (!wakeups.empty()) {
      const auto wait = wakeups.begin()->first - Clock::now();
      timeout_ms = static_cast<int>(
          std::clamp<int64_t>(std::chrono::ceil<std::chrono::milliseconds>(wait).count(), 0, 1000));
    }
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), timeout_ms);
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == lfd) {
        for (;;) {
          const int cfd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) break;
          sockaddr_in local{};
          socklen_t len = sizeof(local);
          getsockname(cfd, reinterpret_cast<sockaddr*>(&local), &len);
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          Connection& c = conns[cfd];
          c.fd = cfd;
          c.ip = ntohl(local.sin_addr.s_addr);
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.fd = cfd;
          epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      Connection& c = it->second;
      bool ok = true;
      if (events[static_cast<std::size_t>(i)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        char buf[16384];
        for (;;) {
          const ssize_t r = recv(fd, buf, sizeof(buf), 0);
          if (r > 0) {
            c.in.append(buf, static_cast<std::size_t>(r));
            continue;
          }
          if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) ok = false;
          break;
        }
        // A client that hung up while parked: nothing left to answer.
        if (ok) ok = serve(c);
      } else if (events[static_cast<std::size_t>(i)].events & EPOLLOUT) {
        ok = flush(c);
      }
      if (!ok) close_conn(fd);
    }
    const SteadyTime now = Clock::now();
    while (!wakeups.empty() && wakeups.begin()->first <= now) {
      const int fd = wakeups.begin()->second;
      wakeups.erase(wakeups.begin());
      auto it = conns.find(fd);
      if (it == conns.end() || !it->second.parked) continue;
      Connection& c = it->second;
      if (!responder.TryAnswerParked(c, now)) {
        wakeups.emplace(responder.WakeAt(c), fd);
        continue;
      }
      if (!serve(c)) close_conn(fd);  // pipelined requests behind the poll
    }
  }
  for (auto& [fd, c] : conns) close(fd);
  close(lfd);
  close(ep);
  std::printf("drain_responder: stopped, %zu pods seen\n", pods.size());
  return 0;
}
