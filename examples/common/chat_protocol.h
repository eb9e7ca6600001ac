#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

// The example relay's line protocol (docs/drain-protocol.md, last section).
// Users and hints are single tokens; text is the rest of the line.
namespace baton::examples::chat {

struct Hello {
  std::string user;
};
struct Send {
  std::string to;
  std::uint64_t seq = 0;
  std::string text;
};
struct Bye {};
using ClientCommand = std::variant<Hello, Send, Bye>;

struct Welcome {
  std::string relay_instance;
};
struct Ack {
  std::uint64_t seq = 0;
};
struct Nack {
  std::uint64_t seq = 0;
  std::string reason;
};
struct Deliver {
  std::string from;
  std::uint64_t seq = 0;
  std::string text;
};
struct Move {
  std::string hint;  // empty when the relay has no successor to suggest
};
using RelayMessage = std::variant<Welcome, Ack, Nack, Deliver, Move>;

std::optional<ClientCommand> ParseClientCommand(std::string_view line);
std::optional<RelayMessage> ParseRelayMessage(std::string_view line);

// Each Format* returns one line including its '\n'.
std::string FormatHello(std::string_view user);
std::string FormatSend(std::string_view to, std::uint64_t seq, std::string_view text);
std::string FormatBye();
std::string FormatWelcome(std::string_view relay_instance);
std::string FormatAck(std::uint64_t seq);
std::string FormatNack(std::uint64_t seq, std::string_view reason);
std::string FormatDeliver(std::string_view from, std::uint64_t seq, std::string_view text);
std::string FormatMove(std::string_view hint);

// A token is non-empty and free of spaces and line breaks.
bool IsToken(std::string_view s);

}  // namespace baton::examples::chat
