#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "bearer_token.h"
#include "drain_auth_choice.h"
#include "drain_state.h"
#include "token_review.h"

namespace baton::examples {

struct DrainServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port (Start returns it)
  std::string base_path = "/drain";
  // Who may call: a static token, TokenReview, or (explicitly) anyone.
  // Start() refuses an endpoint that names none (drain_auth_choice.h).
  DrainAuthFlags auth;
  // Set by the workload, not by flags. `verdict`: asked on every status
  // answer (unset or nullopt: no verdict field). `metrics`: the body of an
  // unauthenticated `GET /metrics` in Prometheus text format (unset: no
  // such route); read-only counters, so no token is asked for.
  std::function<std::optional<WorkloadVerdict>()> verdict;
  std::function<std::string()> metrics;
};

// Serves the drain contract (docs/drain-protocol.md) for one DrainState on
// cpp-httplib's thread pool, beside the workload's own serving loop.
class DrainHttpServer {
 public:
  DrainHttpServer(DrainState& state, DrainServerOptions options);
  ~DrainHttpServer();
  DrainHttpServer(const DrainHttpServer&) = delete;
  DrainHttpServer& operator=(const DrainHttpServer&) = delete;

  // Binds and starts serving; returns the bound port, or -1 with a message in
  // error() when the address, base path or authentication is unusable.
  int Start();
  // Releases long-polls, stops serving and joins; idempotent.
  void Stop();
  const std::string& error() const { return error_; }

 private:
  void Route();
  // Sets up token_ or reviewer_ as the flags ask; false with error_ set.
  bool SetUpAuthentication();
  bool Authorized(const httplib::Request& req, httplib::Response& res) const;
  // The status object of `s`, with the workload's verdict when it gives one.
  nlohmann::json Status(DrainSnapshot s) const;

  DrainState& state_;
  DrainServerOptions options_;
  DrainAuthMode auth_mode_ = DrainAuthMode::kInvalid;  // kInvalid refuses every call
  std::optional<BearerTokenFile> token_;
  std::unique_ptr<TokenReviewer> reviewer_;
  httplib::Server server_;
  std::thread thread_;
  std::string error_;
};

}  // namespace baton::examples
