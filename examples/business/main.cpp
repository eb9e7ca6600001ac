// business: an example request server (message store and chat rooms over
// HTTP) serving the drain contract (docs/drain-protocol.md): its drain refuses
// new requests and waits out the ones in flight. Flags and signals only; the
// work is in BusinessServer.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "business_server.h"
#include "drain_flags.h"
#include "drain_http_server.h"
#include "drain_state.h"
#include "process_setup.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "business: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace ex = baton::examples;
  ex::business::BusinessOptions options;
  ex::DrainFlags drain_flags;
  auto& drain_options = drain_flags.server;
  auto& version = drain_flags.version;
  double grace_seconds = 2;
  CLI::App app{
      "An example business-tier request server, serving the drain contract.\n"
      "Ports 0 (the default) pick free ports; the chosen ones are printed on startup."};
  app.add_option("--host", options.host, "IPv4 address to serve on");
  app.add_option("--port", options.port, "serving port (0: any free port)");
  app.add_option("--threads", options.threads, "HTTP worker threads");
  app.add_option("--sigterm-grace", grace_seconds,
                 "at SIGTERM, seconds to let requests in flight finish before they are cut");
  drain_flags.Register(app);
  if (auto code = ex::ParseCommandLine(app, argc, argv)) return *code;
  drain_flags.DefaultHost(options.host);
  if (options.threads < 4) return Fail("--threads must be >= 4");
  if (grace_seconds < 0) return Fail("--sigterm-grace must be >= 0");

  sigset_t mask = ex::BlockTerminationSignals();

  std::string instance_id = ex::NewInstanceId();
  ex::DrainState drain(instance_id, version);
  ex::business::BusinessServer server(options, drain);
  int port = server.Listen();
  if (port < 0) return Fail(server.error());
  ex::DrainHttpServer drain_server(drain, drain_options);
  int drain_port = drain_server.Start();
  if (drain_port < 0) return Fail(drain_server.error());
  server.Start();
  std::printf("business: listening http=%s:%d drain=%s:%d%s instance=%s version=%s\n",
              options.host.c_str(), port, drain_options.host.c_str(), drain_port,
              drain_options.base_path.c_str(), instance_id.c_str(), version.c_str());
  std::fflush(stdout);

  int signo = 0;
  sigwait(&mask, &signo);
  bool draining = drain.Read().draining();
  long held = server.in_flight();
  long cut = server.Stop(std::chrono::milliseconds(static_cast<long>(grace_seconds * 1000)));
  std::printf("business: SIGTERM %s with %ld requests in flight, cut %ld\n",
              draining ? "while draining" : "while serving", held, cut);
  std::fflush(stdout);
  // Handlers still running cannot be joined; leave without them.
  if (cut > 0) _exit(0);
  drain_server.Stop();
  return 0;
}
