#include "chat_protocol.h"

#include <charconv>

namespace baton::examples::chat {
namespace {

// Splits off the first space-separated word of `rest`.
std::string_view TakeWord(std::string_view& rest) {
  std::size_t space = rest.find(' ');
  std::string_view word = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  return word;
}

std::optional<std::uint64_t> ParseSeq(std::string_view s) {
  std::uint64_t value = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

bool IsToken(std::string_view s) {
  return !s.empty() && s.find_first_of(" \r\n") == std::string_view::npos;
}

std::optional<ClientCommand> ParseClientCommand(std::string_view line) {
  std::string_view rest = line;
  std::string_view verb = TakeWord(rest);
  if (verb == "HELLO") {
    if (!IsToken(rest)) return std::nullopt;
    return Hello{std::string(rest)};
  }
  if (verb == "SEND") {
    std::string_view to = TakeWord(rest);
    auto seq = ParseSeq(TakeWord(rest));
    if (!IsToken(to) || !seq) return std::nullopt;
    return Send{std::string(to), *seq, std::string(rest)};
  }
  if (verb == "BYE" && rest.empty()) return Bye{};
  return std::nullopt;
}

std::optional<RelayMessage> ParseRelayMessage(std::string_view line) {
  std::string_view rest = line;
  std::string_view verb = TakeWord(rest);
  if (verb == "WELCOME") {
    if (!IsToken(rest)) return std::nullopt;
    return Welcome{std::string(rest)};
  }
  if (verb == "ACK") {
    auto seq = ParseSeq(rest);
    if (!seq) return std::nullopt;
    return Ack{*seq};
  }
  if (verb == "NACK") {
    auto seq = ParseSeq(TakeWord(rest));
    if (!seq) return std::nullopt;
    return Nack{*seq, std::string(rest)};
  }
  if (verb == "DELIVER") {
    std::string_view from = TakeWord(rest);
    auto seq = ParseSeq(TakeWord(rest));
    if (!IsToken(from) || !seq) return std::nullopt;
    return Deliver{std::string(from), *seq, std::string(rest)};
  }
  if (verb == "MOVE") {
    if (!IsToken(rest)) return std::nullopt;
    return Move{rest == "-" ? std::string() : std::string(rest)};
  }
  return std::nullopt;
}

std::string FormatHello(std::string_view user) {
  return "HELLO " + std::string(user) + "\n";
}

std::string FormatSend(std::string_view to, std::uint64_t seq, std::string_view text) {
  return "SEND " + std::string(to) + " " + std::to_string(seq) + " " + std::string(text) + "\n";
}

std::string FormatBye() {
  return "BYE\n";
}

std::string FormatWelcome(std::string_view relay_instance) {
  return "WELCOME " + std::string(relay_instance) + "\n";
}

std::string FormatAck(std::uint64_t seq) {
  return "ACK " + std::to_string(seq) + "\n";
}

std::string FormatNack(std::uint64_t seq, std::string_view reason) {
  return "NACK " + std::to_string(seq) + " " + std::string(reason) + "\n";
}

std::string FormatDeliver(std::string_view from, std::uint64_t seq, std::string_view text) {
  return "DELIVER " + std::string(from) + " " + std::to_string(seq) + " " + std::string(text) +
         "\n";
}

std::string FormatMove(std::string_view hint) {
  return "MOVE " + (IsToken(hint) ? std::string(hint) : std::string("-")) + "\n";
}

}  // namespace baton::examples::chat
