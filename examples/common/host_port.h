#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::examples {

struct HostPort {
  std::string host;  // a dotted IPv4 address
  int port = 0;

  std::string ToString() const { return host + ":" + std::to_string(port); }
  bool operator==(const HostPort&) const = default;
};

// "127.0.0.2:7000" -> {127.0.0.2, 7000}. IPv4 literals only: the examples
// never resolve names.
std::optional<HostPort> ParseHostPort(std::string_view text);
// Comma-separated list; nullopt if any entry is malformed or the list is empty.
std::optional<std::vector<HostPort>> ParseHostPortList(std::string_view text);

}  // namespace baton::examples
