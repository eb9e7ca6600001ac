// relay: an example chat relay holding client TCP sessions, serving the drain
// contract (docs/drain-protocol.md). Flags only; the work is in RelayServer.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "drain_flags.h"
#include "drain_http_server.h"
#include "drain_state.h"
#include "fd_limit.h"
#include "process_setup.h"
#include "relay_server.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "relay: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace ex = baton::examples;
  ex::relay::RelayOptions options;
  ex::DrainFlags drain_flags;
  auto& drain_options = drain_flags.server;
  auto& version = drain_flags.version;
  CLI::App app{
      "An example chat relay serving the drain contract (docs/drain-protocol.md).\n"
      "Ports 0 (the default) pick free ports; the chosen ones are printed on startup."};
  app.add_option("--host", options.host, "IPv4 address to serve sessions on");
  app.add_option("--port", options.port, "session port (0: any free port)");
  app.add_option("--max-sessions", options.max_sessions, "sessions this relay may hold");
  app.add_option("--directory", options.directory_path,
                 "serving directory file (Baton's ConfigMap <tier>-serving, key directory.json): "
                 "moved sessions go where its weights say, never to a full relay");
  drain_flags.Register(app);
  if (auto code = ex::ParseCommandLine(app, argc, argv)) return *code;
  drain_flags.DefaultHost(options.host);
  if (options.max_sessions <= 0) return Fail("--max-sessions must be > 0");

  // Each session is a descriptor; keep headroom for the drain server and logs.
  auto limit = ex::RaiseFdLimit(static_cast<unsigned long>(options.max_sessions) + 128);
  if (!limit.ok) return Fail(limit.error + " (lower --max-sessions or raise the hard limit)");

  // Signals are read by the session loop through a signalfd, so every thread
  // (including the drain server's, started below) must have them blocked.
  ex::BlockTerminationSignals();

  options.instance_id = ex::NewInstanceId();
  ex::DrainState drain(options.instance_id, version);
  drain.SetCapacity(options.max_sessions);
  drain.RequireAcknowledgement();  // the session loop closes the listener itself
  ex::relay::RelayServer server(options, drain);
  int port = server.Listen();
  if (port < 0) return Fail(server.error());
  ex::DrainHttpServer drain_server(drain, drain_options);
  int drain_port = drain_server.Start();
  if (drain_port < 0) return Fail(drain_server.error());

  std::printf("relay: listening sessions=%s:%d drain=%s:%d%s instance=%s version=%s fds=%lu\n",
              options.host.c_str(), port, drain_options.host.c_str(), drain_port,
              drain_options.base_path.c_str(), options.instance_id.c_str(), version.c_str(),
              limit.soft);
  std::fflush(stdout);
  server.Run();
  drain_server.Stop();
  return 0;
}
