// The operator's own HTTP endpoints: /metrics (Prometheus text format),
// /healthz (the process is alive and its loops are turning) and /readyz
// (caches synced; a follower is ready too — it is ready to take over).
// A probe answers 200 "ok", or 503 with the reason it failed.
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

struct HttpEndpointsOptions {
  std::string address = "0.0.0.0";
  int port = 8080;  // 0: pick a free port (tests)
};

class HttpEndpoints {
 public:
  // nullopt: passing; otherwise why not. An unset probe always passes.
  using Probe = std::function<std::optional<std::string>()>;
  HttpEndpoints(HttpEndpointsOptions options, std::shared_ptr<prometheus::Registry> registry,
                Probe healthy, Probe ready);
  ~HttpEndpoints();
  HttpEndpoints(const HttpEndpoints&) = delete;
  HttpEndpoints& operator=(const HttpEndpoints&) = delete;

  // Binds and starts serving; throws std::runtime_error if the port is taken.
  void Start();
  void Stop();
  int port() const { return port_; }

 private:
  HttpEndpointsOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  Probe healthy_;
  Probe ready_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace baton::serve
