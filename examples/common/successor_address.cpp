#include "successor_address.h"

#include <string>

namespace baton::examples {

std::optional<HostPort> ResolveSuccessor(std::string_view hint, int own_port,
                                         const ServingDirectory* directory) {
  if (hint.empty()) return std::nullopt;
  if (hint.find(':') != std::string_view::npos) return ParseHostPort(hint);
  if (auto bare = ParseHostPort(std::string(hint) + ":" + std::to_string(own_port))) return bare;
  if (directory) {
    for (const auto& e : directory->endpoints) {
      if (e.pod == hint) return ParseHostPort(e.address + ":" + std::to_string(e.port));
    }
  }
  return std::nullopt;
}

}  // namespace baton::examples
