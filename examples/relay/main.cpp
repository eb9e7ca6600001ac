// relay: an example chat relay holding client TCP sessions, serving the drain
// contract (docs/drain-protocol.md). Flags only; the work is in RelayServer.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "drain_http_server.h"
#include "drain_state.h"
#include "fd_limit.h"
#include "relay_server.h"

namespace {

constexpr const char* kUsage =
    "usage: relay --host IP [--port N] [--drain-port N] [--drain-host IP] [--drain-path /drain]\n"
    "             [--drain-token-file PATH] [--max-sessions N] [--version TAG]\n"
    "Ports 0 (the default) pick free ports; the chosen ones are printed on startup.\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "relay: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace ex = baton::examples;
  ex::relay::RelayOptions options;
  ex::DrainServerOptions drain_options;
  std::string version = "dev";
  bool drain_host_set = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) return Fail("missing value for " + std::string(flag) + "\n" + kUsage);
    std::string value = argv[++i];
    try {
      if (flag == "--host") {
        options.host = value;
      } else if (flag == "--port") {
        options.port = std::stoi(value);
      } else if (flag == "--drain-port") {
        drain_options.port = std::stoi(value);
      } else if (flag == "--drain-host") {
        drain_options.host = value;
        drain_host_set = true;
      } else if (flag == "--drain-path") {
        drain_options.base_path = value;
      } else if (flag == "--drain-token-file") {
        drain_options.token_file = value;
      } else if (flag == "--max-sessions") {
        options.max_sessions = std::stol(value);
      } else if (flag == "--version") {
        version = value;
      } else {
        return Fail("unknown flag " + std::string(flag) + "\n" + kUsage);
      }
    } catch (const std::exception&) {
      return Fail("bad value for " + std::string(flag) + ": " + value);
    }
  }
  if (!drain_host_set) drain_options.host = options.host;
  if (options.max_sessions <= 0) return Fail("--max-sessions must be > 0");

  // Each session is a descriptor; keep headroom for the drain server and logs.
  auto limit = ex::RaiseFdLimit(static_cast<unsigned long>(options.max_sessions) + 128);
  if (!limit.ok) return Fail(limit.error + " (lower --max-sessions or raise the hard limit)");

  // Signals are read by the session loop through a signalfd, so every thread
  // (including the drain server's, started below) must have them blocked.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);

  options.instance_id = ex::NewInstanceId();
  ex::DrainState drain(options.instance_id, version);
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
