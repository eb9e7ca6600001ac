#pragma once

#include <optional>
#include <string_view>

#include "host_port.h"
#include "serving_directory.h"

namespace baton::examples {

// Where a drain's successor hint points (docs/drain-protocol.md leaves its
// form to the workload): "host:port", a bare IPv4 address (the successor
// serves on the same port as this pod: same template), or a pod name found in
// the serving directory. nullopt when it names nothing usable.
std::optional<HostPort> ResolveSuccessor(std::string_view hint, int own_port,
                                         const ServingDirectory* directory);

}  // namespace baton::examples
