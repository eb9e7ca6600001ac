#pragma once

// The business tier's HTTP API (JSON bodies) on the serving port (--port;
// the drain contract has its own port). Room names match [A-Za-z0-9._-]+.
//
//   POST /rooms/{room}/messages   body {"from":"...","text":"..."}
//                                 -> 201 {"room","seq"}
//   GET  /rooms/{room}/messages   ?after=SEQ&limit=N -> 200
//   {"room","messages":[{"seq","from","text"}]} GET  /rooms                   -> 200
//   {"rooms":{"room":count,...}} every call takes ?delayMs=N (at most 60000): the handler holds the
//   request that long first, so that a test can keep a request in flight.
//
// Its drain ("sessions" = requests in flight): once POST <drain>/start has
// answered, every new request gets 503 {"error":"draining"} with
// Retry-After: 1 and Connection: close (the client goes to another pod);
// requests admitted before run to completion, and the drain reports 0 only
// when the last of them has finished.

#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

#include "drain_state.h"
#include "inflight_gate.h"
#include "message_store.h"

namespace baton::examples::business {

struct BusinessOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  int threads = 64;
};

class BusinessServer {
 public:
  BusinessServer(BusinessOptions options, DrainState& drain);
  ~BusinessServer();
  BusinessServer(const BusinessServer&) = delete;
  BusinessServer& operator=(const BusinessServer&) = delete;

  // Binds the serving port; returns it, or -1 with error().
  int Listen();
  void Start();
  // Stops accepting and waits up to `grace` for requests in flight; returns
  // how many were still running (cut: the process is about to exit).
  long Stop(std::chrono::milliseconds grace);
  long in_flight() const { return gate_.in_flight(); }
  const std::string& error() const { return error_; }

 private:
  void Route();
  // Admits the request (or answers 503) and runs `handle` counted in flight.
  template <typename Handle>
  void Admitted(const httplib::Request& req, httplib::Response& res, Handle handle);

  BusinessOptions options_;
  DrainState& drain_;
  InFlightGate gate_;
  MessageStore store_;
  httplib::Server server_;
  std::thread thread_;
  std::string error_;
};

}  // namespace baton::examples::business
