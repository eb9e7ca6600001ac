// session: one shard of an example session registry (which relay each user
// is on), serving the drain contract (docs/drain-protocol.md): its drain
// hands the shard's entries to the successor named in the drain request.
// Flags and signals only; the work is in RegistryServer.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "drain_flags.h"
#include "drain_http_server.h"
#include "drain_state.h"
#include "process_setup.h"
#include "registry_server.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "session: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace ex = baton::examples;
  ex::session::RegistryOptions options;
  ex::DrainFlags drain_flags;
  auto& drain_options = drain_flags.server;
  auto& version = drain_flags.version;
  CLI::App app{
      "One shard of an example session registry, serving the drain contract.\n"
      "Ports 0 (the default) pick free ports; the chosen ones are printed on startup."};
  app.add_option("--host", options.host, "IPv4 address to serve the registry on");
  app.add_option("--port", options.port, "registry port (0: any free port)");
  app.add_option("--shard", options.shard, "this shard's ordinal (0..shards-1)");
  app.add_option("--shards", options.shards, "the fixed shard count of the registry");
  app.add_option("--directory", options.directory_path,
                 "serving directory file, to resolve a successor given as a pod name");
  app.add_option("--threads", options.threads, "HTTP worker threads");
  drain_flags.Register(app);
  if (auto code = ex::ParseCommandLine(app, argc, argv)) return *code;
  drain_flags.DefaultHost(options.host);
  if (options.shards <= 0 || options.shard < 0 || options.shard >= options.shards)
    return Fail("--shard must be in 0..--shards-1");
  if (options.threads < 4) return Fail("--threads must be >= 4");

  // Signals are taken by sigwait below: block them in every thread first.
  sigset_t mask = ex::BlockTerminationSignals();

  options.instance_id = ex::NewInstanceId();
  ex::DrainState drain(options.instance_id, version);
  // POST start answers once the handover loop has taken the drain on (the
  // successor knows its predecessor by then).
  drain.RequireAcknowledgement();
  ex::session::RegistryServer server(options, drain);
  int port = server.Listen();
  if (port < 0) return Fail(server.error());
  ex::DrainHttpServer drain_server(drain, drain_options);
  int drain_port = drain_server.Start();
  if (drain_port < 0) return Fail(drain_server.error());
  server.Start();
  std::printf(
      "session: listening registry=%s:%d drain=%s:%d%s shard=%d/%d instance=%s version=%s\n",
      options.host.c_str(), port, drain_options.host.c_str(), drain_port,
      drain_options.base_path.c_str(), options.shard, options.shards, options.instance_id.c_str(),
      version.c_str());
  std::fflush(stdout);

  int signo = 0;
  sigwait(&mask, &signo);
  long held = drain.Read().sessions;
  auto stopped = server.Stop();
  if (stopped.draining) {
    std::printf("session: handed over %zu entries at SIGTERM, left %zu\n", stopped.handed_over,
                stopped.left);
  } else {
    std::printf("session: SIGTERM with %ld entries\n", held);
  }
  std::fflush(stdout);
  drain_server.Stop();
  return 0;
}
