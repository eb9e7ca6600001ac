#pragma once

#include <string>
#include <vector>

#include "workload_process.h"

namespace baton::examples::testing {

// The real relay binary (sessions served on "sessions=HOST:PORT").
class RelayProcess : public WorkloadProcess {
 public:
  RelayProcess(const std::string& host, const std::string& log_prefix,
               const std::vector<std::string>& extra_args = {},
               const std::vector<std::string>& drain_auth_args = kUnauthenticatedDrain);

  int session_port() const { return serve_port(); }
  std::string session_address() const { return serve_address(); }
};

// A serving-directory document listing the given relays (pod name, relay).
std::string DirectoryJson(const std::vector<std::pair<std::string, const RelayProcess*>>& relays);

}  // namespace baton::examples::testing
