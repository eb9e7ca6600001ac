// The I/O shell of `kubectl baton`: each subcommand as reads and writes over
// the operator's own REST client (operator/kube). Decisions and text come
// from the pure files beside it (status_watch, pod_tree, spec_edits).
#pragma once

#include <iosfwd>
#include <string>

#include "plugin/command_line.h"

namespace baton::kube {
class RestClient;
}

namespace baton::plugin {

// Runs one invocation; returns the process exit code. Output to `out`,
// errors to `err`.
int RunCommand(const Invocation& inv, kube::RestClient& client, const std::string& ns,
               std::ostream& out, std::ostream& err);

}  // namespace baton::plugin
