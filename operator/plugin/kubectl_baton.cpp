// kubectl-baton: the kubectl plugin (`kubectl baton ...` with it on PATH).
// Flags and configuration here; each command in tier_commands.
#include <iostream>

#include "kube/config.h"
#include "kube/rest_client.h"
#include "plugin/command_line.h"
#include "plugin/tier_commands.h"

int main(int argc, char** argv) {
  auto parsed = baton::plugin::ParseCommandLine(argc, argv);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const auto& inv = std::get<baton::plugin::Invocation>(parsed);
  try {
    auto config = inv.kubeconfig.empty() ? baton::kube::LoadDefault(inv.context)
                                         : baton::kube::LoadKubeconfig(inv.kubeconfig, inv.context);
    baton::kube::RestClientOptions options;
    // A person is waiting: fail fast rather than retry for long.
    options.request_timeout = std::chrono::seconds(15);
    baton::kube::RestClient client(config, options);
    const std::string ns = inv.ns.empty() ? config.default_namespace : inv.ns;
    return baton::plugin::RunCommand(inv, client, ns, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return 1;
  }
}
