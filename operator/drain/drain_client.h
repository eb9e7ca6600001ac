// The drain contract over HTTP (docs/drain-protocol.md), as Baton calls it.
//
// Threading: Read() is asynchronous — it returns at once and calls `done` on
// the client's I/O thread when the answer (or the failure) is in, so
// following thousands of pods costs no thread each. `done` must not block.
// Start() and Cancel() are synchronous and must be called from the caller's
// own threads (the controller's workers), never from a `done` callback: the
// I/O thread would wait on itself.
//
// Whatever a pod sends, one answer costs at most 16 KiB of headers and
// 64 KiB of body, and a request ends by its deadline; failures of any kind
// are unknown readings (drain_reading.h).
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

}  // namespace baton::drain
