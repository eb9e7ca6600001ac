#include "fault_responder.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace baton::drain_faults {
namespace {

using namespace std::chrono_literals;

// Binds a TCP socket to 127.0.0.1 on a free port; returns fd and port.
std::pair<int, int> BindLoopback() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return {fd, ntohs(addr.sin_port)};
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string StatusBody(const std::string& instance, long long sessions, const std::string& state) {
  return R"({"protocol":"baton.dev/drain/v1","instanceId":")" + instance +
         R"(","version":"v1","sessions":)" + std::to_string(sessions) + R"(,"state":")" + state +
         R"("})";
}

// ---------------------------------------------------------------------------

ScriptedDrainServer::ScriptedDrainServer(std::vector<ScriptedAnswer> script,
                                         ScriptedServerOptions options)
    : script_(std::move(script)), server_(std::make_unique<httplib::Server>()) {
  if (script_.empty()) throw std::invalid_argument("empty script");
  const std::string path = options.path;
  if (options.keep_alive) {
    server_->set_keep_alive_max_count(1000);
    server_->set_keep_alive_timeout(options.keep_alive_timeout.count());
  } else {
    // One request per connection: an idle keep-alive connection would hold
    // Stop() (and so each test's teardown) for httplib's 5 s keep-alive wait.
    server_->set_keep_alive_max_count(1);
  }
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    const std::size_t i = requests_.fetch_add(1);
    {
      // Each connection comes from its own client port.
      std::lock_guard lock(mu_);
      client_ports_.insert(req.remote_port);
    }
    if (req.method == "GET") {
      std::lock_guard lock(mu_);
      std::string q;
      for (const auto& [k, v] : req.params) q += (q.empty() ? "" : "&") + k + "=" + v;
      queries_.push_back(q);
    }
    const ScriptedAnswer& a = script_[std::min(i, script_.size() - 1)];
    if (a.delay.count() > 0) std::this_thread::sleep_for(a.delay);
    res.status = a.status;
    res.set_content(a.body, "application/json");
  };
  server_->Get(path, handle);
  server_->Post(path + "/start", handle);
  server_->Post(path + "/cancel", handle);
  port_ = server_->bind_to_any_port(options.host);
  if (port_ <= 0) throw std::runtime_error("cannot bind the scripted drain server");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 200 && !server_->is_running(); ++i) std::this_thread::sleep_for(10ms);
}

ScriptedDrainServer::~ScriptedDrainServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> ScriptedDrainServer::queries() const {
  std::lock_guard lock(mu_);
  return queries_;
}

std::size_t ScriptedDrainServer::connections() const {
  std::lock_guard lock(mu_);
  return client_ports_.size();
}

// ---------------------------------------------------------------------------

RawFaultServer::RawFaultServer(RawFault fault, std::chrono::milliseconds interval)
    : fault_(fault), interval_(interval) {
  auto [fd, port] = BindLoopback();
  listen_fd_ = fd;
  port_ = port;
  if (::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("listen failed");
  }
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

RawFaultServer::~RawFaultServer() {
  stopping_ = true;
  if (accept_thread_.joinable()) accept_thread_.join();
  ::close(listen_fd_);
  std::vector<Connection> connections;
  {
    std::lock_guard lock(mu_);
    connections.swap(connections_);
  }
  for (auto& c : connections) c.thread.join();
}

void RawFaultServer::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++accepted_;
    ++open_;
    std::lock_guard lock(mu_);
    std::erase_if(connections_, [](Connection& c) {
      if (!*c.done) return false;
      c.thread.join();
      return true;
    });
    auto done = std::make_shared<std::atomic<bool>>(false);
    connections_.push_back({std::thread([this, fd, done] {
                              Serve(fd);
                              *done = true;
                            }),
                            done});
  }
}

void RawFaultServer::Serve(int fd) {
  // Waits up to `ms` for the peer; false when it closed or we are stopping.
  auto peer_alive = [&](int ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return !stopping_.load();
    char buf[4096];
    return ::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0 && !stopping_;
  };
  auto finish = [&] {
    ::close(fd);
    --open_;
  };
  if (fault_ == RawFault::kCloseOnAccept) {
    // RST rather than FIN: the harshest way a connection can end.
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    finish();
    return;
  }
  // Read the request head (bounded: 2 s).
  std::string head;
  for (int i = 0; i < 40 && head.find("\r\n\r\n") == std::string::npos && !stopping_; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      finish();
      return;
    }
    head.append(buf, static_cast<std::size_t>(n));
  }
  const std::string body = StatusBody("raw-instance", 0, "Drained");
  switch (fault_) {
    case RawFault::kHang:
      while (peer_alive(50)) {
      }
      break;
    case RawFault::kTrickleBody: {
      SendAll(fd,
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
              "Content-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n");
      for (char c : body) {
        if (stopping_ || !SendAll(fd, std::string_view(&c, 1))) break;
        std::this_thread::sleep_for(interval_);
      }
      break;
    }
    case RawFault::kNotHttp:
      SendAll(fd, "SSH-2.0-OpenSSH_9.2p1\r\n\xff\xfe garbage\r\n\r\n" + body);
      break;
    case RawFault::kTruncatedBody:
      SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size() + 100) + "\r\n\r\n" + body.substr(0, 20));
      break;
    case RawFault::kOversizedBody: {
      SendAll(fd,
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
              "Content-Length: " +
                  std::to_string(kOversizedBytes + body.size()) + "\r\n\r\n");
      const std::string spaces(64 * 1024, ' ');
      bool ok = true;
      for (std::size_t sent = 0; ok && sent < kOversizedBytes && !stopping_;
           sent += spaces.size()) {
        ok = SendAll(fd, spaces);
      }
      if (ok) SendAll(fd, body);
      break;
    }
    case RawFault::kEndlessChunked: {
      if (!SendAll(fd,
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n")) {
        break;
      }
      const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
      while (!stopping_ && SendAll(fd, chunk)) {
      }
      break;
    }
    case RawFault::kEndlessUntilClose: {
      if (!SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")) break;
      const std::string spaces(64 * 1024, ' ');
      while (!stopping_ && SendAll(fd, spaces)) {
      }
      break;
    }
    case RawFault::kEndlessHeaders: {
      if (!SendAll(fd, "HTTP/1.1 200 OK\r\n")) break;
      const std::string line = "X-Padding: " + std::string(1000, 'a') + "\r\n";
      while (!stopping_ && SendAll(fd, line)) {
      }
      break;
    }
    case RawFault::kEndlessHeaderLine: {
      if (!SendAll(fd, "HTTP/1.1 200 OK\r\nX-Padding: ")) break;
      const std::string pad(64 * 1024, 'a');
      while (!stopping_ && SendAll(fd, pad)) {
      }
      break;
    }
    case RawFault::kCloseOnAccept:
      break;
  }
  finish();
}

// ---------------------------------------------------------------------------

ClosedPort::ClosedPort() {
  auto [fd, port] = BindLoopback();
  fd_ = fd;
  port_ = port;
}

ClosedPort::~ClosedPort() {
  ::close(fd_);
}

}  // namespace baton::drain_faults
