// The drain contract over HTTP (docs/drain-protocol.md), as Baton calls it.
//
// Threading: Read() is asynchronous — it returns at once and calls `done` on
// one of cpprestsdk's pool threads when the answer (or the failure) is in, so
// following thousands of pods costs no thread each. `done` must not block.
// Start() and Cancel() are synchronous and must be called from the caller's
// own threads (the controller's workers), never from a cpprestsdk callback:
// blocking on a task inside cpprestsdk's pool deadlocks once it is exhausted.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "drain/drain_reading.h"

namespace baton::drain {

struct DrainEndpoint {
  std::string host;  // the pod IP
  int port = 0;
  std::string path = "/drain";
  std::string bearer_token;  // empty: no Authorization header

  // "host:port" as a URL needs it: an IPv6 pod IP in brackets ("[fd00::7]:9090").
  std::string Authority() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
  std::string Key() const { return Authority() + path; }
};

struct LongPoll {
  std::chrono::milliseconds wait{0};  // 0: answer at once
  std::optional<int64_t> last_sessions;
  std::optional<int64_t> threshold;
};

struct DrainRequest {
  double pace = 0;  // sessions per second, > 0
  std::chrono::system_clock::time_point deadline;
  std::string successor;
  std::string reason;
};

class DrainClient {
 public:
  virtual ~DrainClient() = default;
  virtual void Read(const DrainEndpoint& ep, const LongPoll& poll,
                    std::function<void(DrainReading)> done) = 0;
  virtual DrainReading Start(const DrainEndpoint& ep, const DrainRequest& req) = 0;
  virtual DrainReading Cancel(const DrainEndpoint& ep) = 0;
  // Drops cached connections to an endpoint that is gone.
  virtual void Forget(const DrainEndpoint& ep) = 0;
};

struct HttpDrainClientOptions {
  // Bound on a read that should answer at once, and on start/cancel; a
  // long-poll gets its wait plus this.
  std::chrono::milliseconds request_timeout{2000};
};

std::unique_ptr<DrainClient> MakeHttpDrainClient(HttpDrainClientOptions options = {});

// RFC 3339 UTC with a Z suffix, as the contract writes times.
std::string FormatRfc3339(std::chrono::system_clock::time_point t);

}  // namespace baton::drain
