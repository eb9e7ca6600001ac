// relay: an example chat relay holding client TCP sessions, serving the drain
// contract (docs/drain-protocol.md). Flags only; the work is in RelayServer.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "drain_flags.h"
#include "drain_http_server.h"
#include "drain_state.h"
#include "fd_limit.h"
#include "process_setup.h"
#include "relay_server.h"
#include "relay_signals.h"

namespace {

constexpr std::chrono::seconds kVerdictWindow{10};

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
  // A bad version on purpose, for the canary tests (off by default).
  double refuse_after_seconds = -1;
  double exit_after_seconds = -1;
  double verdict_max_drop_share = 0.01;
  app.add_option("--drop-message-share", options.drop_message_share,
                 "acknowledge this share (0..1) of chat messages without delivering them");
  app.add_option("--refuse-sessions-after-seconds", refuse_after_seconds,
                 "from this many seconds after start, accept and close every new connection");
  app.add_option("--exit-after-seconds", exit_after_seconds,
                 "exit with code 1 this many seconds after start, cutting every session");
  app.add_option("--verdict-max-drop-share", verdict_max_drop_share,
                 "the status' verdict is unhealthy above this share of dropped messages over "
                 "the last 10 s (or after any refused session)");
  drain_flags.Register(app);
  if (auto code = ex::ParseCommandLine(app, argc, argv)) return *code;
  drain_flags.DefaultHost(options.host);
  if (options.max_sessions <= 0) return Fail("--max-sessions must be > 0");
  if (!(options.drop_message_share >= 0 && options.drop_message_share <= 1))
    return Fail("--drop-message-share must be within 0..1");
  if (!(verdict_max_drop_share >= 0 && verdict_max_drop_share <= 1))
    return Fail("--verdict-max-drop-share must be within 0..1");
  auto seconds = [](double s) {
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
  };
  if (refuse_after_seconds >= 0) options.refuse_sessions_after = seconds(refuse_after_seconds);
  if (exit_after_seconds >= 0) options.exit_after = seconds(exit_after_seconds);

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
  ex::relay::RelaySignals signals(kVerdictWindow, verdict_max_drop_share);
  ex::relay::RelayServer server(options, drain, signals);
  int port = server.Listen();
  if (port < 0) return Fail(server.error());
  drain_options.verdict = [&signals] {
    return std::optional(signals.Verdict(ex::relay::RelaySignals::Clock::now()));
  };
  drain_options.metrics = [&signals, &drain] { return signals.Metrics(drain.Read().sessions); };
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
  return server.exited_on_purpose() ? 1 : 0;
}
