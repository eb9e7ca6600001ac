// Misbehaving drain endpoints on 127.0.0.1, for testing the drain client and
// monitor against real sockets (tests/integration/drain_faults).
//
// ScriptedDrainServer is a well-framed HTTP server (cpp-httplib) whose answers
// come from a script: bad JSON, impossible counts, flapping counts, a
// restarted instance, slow answers. RawFaultServer speaks raw TCP for what an
// HTTP library would not let us do: accept and never answer, trickle a body,
// send bytes that are not HTTP, cut a response short. ClosedPort is a port
// on which nothing listens (connection refused).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace baton::drain_faults {

struct ScriptedAnswer {
  int status = 200;
  std::string body;
  std::chrono::milliseconds delay{0};  // before answering
};

struct ScriptedServerOptions {
  std::string path = "/drain";
  std::string host = "127.0.0.1";  // "::1" for IPv6
  // Off: one request per connection, so that teardown does not wait out an
  // idle keep-alive connection. On: connections idle longer than this are
  // closed by the server, as a pod's HTTP server does.
  bool keep_alive = false;
  std::chrono::seconds keep_alive_timeout{1};
};

// Answers GET <path> and POST <path>/start|cancel with the script's entries
// in order; the last one repeats.
class ScriptedDrainServer {
 public:
  explicit ScriptedDrainServer(std::vector<ScriptedAnswer> script,
                               ScriptedServerOptions options = {});
  ~ScriptedDrainServer();
  ScriptedDrainServer(const ScriptedDrainServer&) = delete;
  ScriptedDrainServer& operator=(const ScriptedDrainServer&) = delete;

  int port() const { return port_; }
  std::size_t requests() const { return requests_.load(); }
  // TCP connections the server accepted.
  std::size_t connections() const;
  // The query strings of the GETs received, in order ("" for none).
  std::vector<std::string> queries() const;

 private:
  std::vector<ScriptedAnswer> script_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<std::size_t> requests_{0};
  mutable std::mutex mu_;
  std::vector<std::string> queries_;
  std::set<int> client_ports_;
};

enum class RawFault {
  kHang,           // accepts, reads the request, never answers
  kTrickleBody,    // valid headers, then the body one byte per interval
  kNotHttp,        // answers with bytes that are not an HTTP response
  kTruncatedBody,  // Content-Length larger than what is sent, then close
  kCloseOnAccept,  // accepts and closes at once
  kOversizedBody,  // a valid answer padded with megabytes of whitespace
  // Endless bodies that declare no length (issue 18: a hostile pod streaming
  // gigabytes to exhaust the operator's memory), until the peer goes away.
  kEndlessChunked,     // Transfer-Encoding: chunked, chunk after chunk
  kEndlessUntilClose,  // no Content-Length: the body ends when the server closes
  // Endless headers: header line after header line, or one line that never ends.
  kEndlessHeaders,
  kEndlessHeaderLine,
};

class RawFaultServer {
 public:
  RawFaultServer(RawFault fault,
                 std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~RawFaultServer();
  RawFaultServer(const RawFaultServer&) = delete;
  RawFaultServer& operator=(const RawFaultServer&) = delete;

  int port() const { return port_; }
  std::size_t accepted() const { return accepted_.load(); }
  // Connections currently open (the client's side has not been closed).
  std::size_t open_connections() const { return open_.load(); }

  // Bytes of the body kOversizedBody sends.
  static constexpr std::size_t kOversizedBytes = 8u << 20;

 private:
  void AcceptLoop();
  void Serve(int fd);

  RawFault fault_;
  std::chrono::milliseconds interval_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> open_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  // One thread per connection; finished ones are joined as new ones come,
  // so that a long test's memory is the client's, not this server's.
  struct Connection {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Connection> connections_;
};

// A loopback port that refuses connections: bound (so no one else takes it
// during the test) but never listening.
class ClosedPort {
 public:
  ClosedPort();
  ~ClosedPort();
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A well-formed v1 status body.
std::string StatusBody(const std::string& instance, long long sessions, const std::string& state);

}  // namespace baton::drain_faults
