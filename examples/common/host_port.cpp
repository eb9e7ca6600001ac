#include "host_port.h"

#include <arpa/inet.h>

#include <charconv>

namespace baton::examples {

std::optional<HostPort> ParseHostPort(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  HostPort hp;
  hp.host = std::string(text.substr(0, colon));
  in_addr addr{};
  if (inet_pton(AF_INET, hp.host.c_str(), &addr) != 1) return std::nullopt;
  std::string_view port = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), hp.port);
  if (ec != std::errc() || end != port.data() + port.size() || hp.port <= 0 || hp.port > 65535)
    return std::nullopt;
  return hp;
}

std::optional<std::vector<HostPort>> ParseHostPortList(std::string_view text) {
  std::vector<HostPort> out;
  for (;;) {
    std::size_t comma = text.find(',');
    auto hp = ParseHostPort(text.substr(0, comma));
    if (!hp) return std::nullopt;  // includes empty entries ("a,", ",a", "")
    out.push_back(*hp);
    if (comma == std::string_view::npos) return out;
    text = text.substr(comma + 1);
  }
}

}  // namespace baton::examples
