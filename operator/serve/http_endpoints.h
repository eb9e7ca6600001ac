// The operator's own HTTP endpoints, one server per port:
//  - metrics: /metrics (Prometheus text format), over HTTPS with a bearer
//    token checked by a RequestAuthorizer when given both, as
//    controller-runtime's secure metrics server does;
//  - probes: /healthz (the process is alive and its loops are turning) and
//    /readyz (caches synced; a follower is ready too — it is ready to take
//    over), plain HTTP for the kubelet, answering 200 "ok" or 503 with the
//    reason, and nothing else.
// Served by cpp-httplib on its own thread pool, away from the controller.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace httplib {
class Server;
}
namespace prometheus {
class Registry;
}

namespace baton::serve {

class RequestAuthorizer;
class ServingCertificate;

struct HttpEndpointsOptions {
  std::string address = "0.0.0.0";
  int port = 8080;  // 0: pick a free port (tests)
  // HTTPS with this certificate; plain HTTP when null.
  std::shared_ptr<ServingCertificate> certificate;
};

class HttpEndpoints {
 public:
  // nullopt: passing; otherwise why not. An unset probe always passes.
  using Probe = std::function<std::optional<std::string>()>;
  // Throws std::runtime_error when the TLS context cannot be set up.
  explicit HttpEndpoints(HttpEndpointsOptions options);
  ~HttpEndpoints();
  HttpEndpoints(const HttpEndpoints&) = delete;
  HttpEndpoints& operator=(const HttpEndpoints&) = delete;

  // Before Start(). A null authorizer serves /metrics to anyone (loopback
  // binds, tests).
  void ServeMetrics(std::shared_ptr<prometheus::Registry> registry,
                    std::shared_ptr<RequestAuthorizer> authorizer);
  void ServeProbes(Probe healthy, Probe ready);

  // Binds and starts serving; throws std::runtime_error if the port is taken.
  void Start();
  void Stop();
  int port() const { return port_; }

 private:
  HttpEndpointsOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<RequestAuthorizer> authorizer_;
  Probe healthy_;
  Probe ready_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace baton::serve
