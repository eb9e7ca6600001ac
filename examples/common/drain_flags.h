// The drain endpoint's command-line flags, shared by every example workload:
// --drain-port, --drain-host, --drain-path, --drain-token-file, the TokenReview
// flags (--drain-allowed-identity, --drain-audience, --token-review-kubeconfig),
// --drain-allow-unauthenticated, --version.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "drain_http_server.h"

namespace baton::examples {

class DrainFlags {
 public:
  // Binds the flags to `server` and `version`; this object must outlive parsing.
  void Register(CLI::App& app);
  // After parsing: the drain endpoint serves on the workload's own host
  // unless --drain-host said otherwise.
  void DefaultHost(const std::string& host);

  DrainServerOptions server;
  std::string version = "dev";

 private:
  CLI::Option* host_ = nullptr;
};

}  // namespace baton::examples
