#include "serve/http_endpoints.h"

#include <httplib.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <chrono>
#include <stdexcept>

#include "serve/request_authorizer.h"
#include "serve/serving_certificate.h"

namespace baton::serve {

HttpEndpoints::HttpEndpoints(HttpEndpointsOptions options) : options_(std::move(options)) {
  if (options_.certificate) {
    auto certificate = options_.certificate;
    auto server = std::make_unique<httplib::SSLServer>(
        [certificate](SSL_CTX& ctx) { return certificate->Configure(ctx); });
    if (!server->is_valid()) throw std::runtime_error("cannot set up TLS for the metrics server");
    server_ = std::move(server);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  // cpp-httplib sets SO_REUSEPORT by default, which lets a second process
  // bind the same port and silently take half the scrapes. SO_REUSEADDR
  // alone still allows a quick restart.
  server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
}

HttpEndpoints::~HttpEndpoints() {
  Stop();
}

void HttpEndpoints::ServeMetrics(std::shared_ptr<prometheus::Registry> registry,
                                 std::shared_ptr<RequestAuthorizer> authorizer) {
  registry_ = std::move(registry);
  authorizer_ = std::move(authorizer);
  server_->Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
    if (authorizer_) {
      const AccessDecision decision = authorizer_->Authorize(req.get_header_value("Authorization"));
      if (decision.status != 200) {
        res.status = decision.status;
        if (decision.status == 401) res.set_header("WWW-Authenticate", "Bearer");
        res.set_content(decision.message, "text/plain");
        return;
      }
    }
    prometheus::TextSerializer serializer;
    res.set_content(serializer.Serialize(registry_->Collect()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
}

void HttpEndpoints::ServeProbes(Probe healthy, Probe ready) {
  healthy_ = std::move(healthy);
  ready_ = std::move(ready);
  auto probe = [](const Probe& check) {
    return [&check](const httplib::Request&, httplib::Response& res) {
      const std::optional<std::string> failing = check ? check() : std::nullopt;
      res.status = failing ? 503 : 200;
      res.set_content(failing ? "not ok: " + *failing + "\n" : "ok\n", "text/plain");
    };
  };
  server_->Get("/healthz", probe(healthy_));
  server_->Get("/readyz", probe(ready_));
}

void HttpEndpoints::Start() {
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.address);
  } else if (server_->bind_to_port(options_.address, options_.port)) {
    port_ = options_.port;
  }
  if (port_ <= 0) {
    throw std::runtime_error("cannot listen on " + options_.address + ":" +
                             std::to_string(options_.port));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() before the accept loop has started is lost and the loop would
  // then run forever: return only once it runs.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpEndpoints::Stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

}  // namespace baton::serve
