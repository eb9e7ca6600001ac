#include "relay_process.h"

namespace baton::examples::testing {
namespace {

std::vector<std::string> RelayArgs(const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"--max-sessions", "12000"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return args;
}

}  // namespace

RelayProcess::RelayProcess(const std::string& host, const std::string& log_prefix,
                           const std::vector<std::string>& extra_args,
                           const std::vector<std::string>& drain_auth_args)
    : WorkloadProcess(RELAY_BIN, "relay", "sessions", host, log_prefix, RelayArgs(extra_args),
                      drain_auth_args) {}

std::string DirectoryJson(const std::vector<std::pair<std::string, const RelayProcess*>>& relays) {
  return WorkloadDirectoryJson("relay", {relays.begin(), relays.end()});
}

}  // namespace baton::examples::testing
