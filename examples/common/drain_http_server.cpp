#include "drain_http_server.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "api_server_credentials.h"
#include "exclusive_port.h"

namespace baton::examples {
namespace {

// Base paths are plain so they can go into httplib's regex routes unescaped.
bool IsPlainPath(const std::string& path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/') return false;
  for (char c : path) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

void Reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// Reads an optional integer query parameter; false when present but malformed.
bool QueryLong(const httplib::Request& req, const char* name, std::optional<long>& out) {
  if (!req.has_param(name)) return true;
  std::string text = req.get_param_value(name);
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  out = value;
  return true;
}

}  // namespace

DrainHttpServer::DrainHttpServer(DrainState& state, DrainServerOptions options)
    : state_(state), options_(std::move(options)) {}

DrainHttpServer::~DrainHttpServer() {
  Stop();
}

bool DrainHttpServer::Authorized(const httplib::Request& req, httplib::Response& res) const {
  if (auth_mode_ == DrainAuthMode::kUnauthenticated) return true;
  const std::string authorization = req.get_header_value("Authorization");
  if (reviewer_) {
    switch (reviewer_->Check(authorization)) {
      case AuthVerdict::kAccepted:
        return true;
      case AuthVerdict::kUnavailable:
        // Not the caller's fault, but still no access: Baton reads it as unknown.
        Reply(res, 503, {{"error", "cannot review the token now"}});
        return false;
      case AuthVerdict::kRefused:
        break;
    }
  } else if (token_ && token_->Accepts(authorization)) {
    return true;
  }
  res.set_header("WWW-Authenticate", "Bearer");
  Reply(res, 401, {{"error", "unauthorized"}});
  return false;
}

nlohmann::json DrainHttpServer::Status(DrainSnapshot s) const {
  if (options_.verdict) s.verdict = options_.verdict();
  return ToJson(s);
}

void DrainHttpServer::Route() {
  const std::string& base = options_.base_path;
  server_.Get(base, [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    LongPoll poll;
    std::optional<long> wait_ms;
    if (!QueryLong(req, "waitMs", wait_ms) || !QueryLong(req, "lastSessions", poll.last_sessions) ||
        !QueryLong(req, "threshold", poll.threshold)) {
      Reply(res, 400, {{"error", "waitMs, lastSessions and threshold must be integers"}});
      return;
    }
    poll.wait = std::chrono::milliseconds(wait_ms.value_or(0));
    DrainSnapshot snapshot = poll.wait.count() > 0 ? state_.Wait(poll) : state_.Read();
    Reply(res, 200, Status(snapshot));
  });
  server_.Post(base + "/start", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    DrainRequestParse parsed = ParseDrainRequest(req.body);
    if (!parsed.request) {
      Reply(res, 400, {{"error", parsed.error}});
      return;
    }
    auto now = std::chrono::system_clock::now();
    DrainSnapshot s = state_.Start(*parsed.request, now);
    // One line per request, so a test can count from the workload's own log
    // how often it was asked to drain (a takeover must not start one twice).
    std::printf(
        "drain: start requested at_ms=%lld began=%d successor=%s pace=%g\n",
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()),
        s.started_at == now ? 1 : 0,
        parsed.request->successor.empty() ? "-" : parsed.request->successor.c_str(),
        parsed.request->pace);
    std::fflush(stdout);
    state_.WaitApplied(s.generation, std::chrono::seconds(2));
    Reply(res, 200, Status(state_.Read()));
  });
  server_.Post(base + "/cancel", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    DrainSnapshot s = state_.Cancel();
    state_.WaitApplied(s.generation, std::chrono::seconds(2));
    Reply(res, 200, Status(state_.Read()));
  });
  if (options_.metrics) {
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.status = 200;
      res.set_content(options_.metrics(), "text/plain; version=0.0.4; charset=utf-8");
    });
  }
}

bool DrainHttpServer::SetUpAuthentication() {
  const DrainAuthFlags& auth = options_.auth;
  const DrainAuthChoice choice = ChooseDrainAuth(auth);
  auth_mode_ = choice.mode;
  switch (choice.mode) {
    case DrainAuthMode::kInvalid:
      error_ = choice.error;
      return false;
    case DrainAuthMode::kUnauthenticated:
      std::fprintf(stderr,
                   "drain: WARNING: accepting unauthenticated calls "
                   "(--drain-allow-unauthenticated): anyone who reaches the port can drain\n");
      return true;
    case DrainAuthMode::kStaticToken:
      token_.emplace(auth.token_file);
      std::printf("drain: callers authenticated by the token in %s\n", auth.token_file.c_str());
      std::fflush(stdout);
      return true;
    case DrainAuthMode::kTokenReview:
      break;
  }
  auto found = FindApiServerCredentials({auth.token_review_kubeconfig,
                                         [](const char* name) {
                                           const char* value = std::getenv(name);
                                           return std::string(value ? value : "");
                                         }},
                                        error_);
  if (!found) {
    error_ = "TokenReview: " + error_;
    return false;
  }
  std::printf("drain: callers authenticated by TokenReview as %s for audience %s, using %s\n",
              auth.allowed_identity.c_str(), auth.audience.c_str(), found->origin.c_str());
  std::fflush(stdout);
  reviewer_ =
      std::make_unique<TokenReviewer>(TokenReviewPolicy{auth.audience, auth.allowed_identity},
                                      HttpsTokenReviewPoster(std::move(found->credentials)),
                                      [] { return TokenReviewer::Clock::now(); });
  return true;
}

int DrainHttpServer::Start() {
  if (!IsPlainPath(options_.base_path)) {
    error_ =
        "drain base path must look like /a/b (letters, digits, - and _): " + options_.base_path;
    return -1;
  }
  if (options_.metrics && options_.base_path == "/metrics") {
    error_ = "drain base path /metrics is taken by the metrics endpoint";
    return -1;
  }
  if (!SetUpAuthentication()) return -1;
  server_.set_payload_max_length(64 * 1024);
  // Long-polls hold a worker up to 30 s; the reply must not time out first.
  server_.set_write_timeout(5, 0);
  Route();
  ListenExclusively(server_);
  int port = options_.port;
  if (port == 0) {
    port = server_.bind_to_any_port(options_.host);
  } else if (!server_.bind_to_port(options_.host, port)) {
    port = -1;
  }
  if (port < 0) {
    error_ = "cannot bind drain endpoint on " + options_.host + ":" + std::to_string(options_.port);
    return -1;
  }
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  return port;
}

void DrainHttpServer::Stop() {
  state_.Shutdown();
  if (!thread_.joinable()) return;
  // stop() is a no-op until the listener thread is running: wait for it (bounded).
  for (int i = 0; i < 1000 && !server_.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_.stop();
  thread_.join();
}

}  // namespace baton::examples
