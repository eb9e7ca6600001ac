#include "chat_protocol.h"

#include <gtest/gtest.h>

namespace baton::examples::chat {
namespace {

std::string Strip(std::string line) {
  EXPECT_EQ(line.back(), '\n');
  line.pop_back();
  return line;
}

TEST(ChatProtocol, ClientCommandsRoundTrip) {
  auto hello = ParseClientCommand(Strip(FormatHello("alice")));
  ASSERT_TRUE(hello);
  EXPECT_EQ(std::get<Hello>(*hello).user, "alice");
  auto send = ParseClientCommand(Strip(FormatSend("bob", 42, "hello there")));
  ASSERT_TRUE(send);
  EXPECT_EQ(std::get<Send>(*send).to, "bob");
  EXPECT_EQ(std::get<Send>(*send).seq, 42u);
  EXPECT_EQ(std::get<Send>(*send).text, "hello there");
  auto bye = ParseClientCommand(Strip(FormatBye()));
  ASSERT_TRUE(bye);
  EXPECT_TRUE(std::holds_alternative<Bye>(*bye));
}

TEST(ChatProtocol, RelayMessagesRoundTrip) {
  auto welcome = ParseRelayMessage(Strip(FormatWelcome("abc123")));
  ASSERT_TRUE(welcome);
  EXPECT_EQ(std::get<Welcome>(*welcome).relay_instance, "abc123");
  EXPECT_EQ(std::get<Ack>(*ParseRelayMessage(Strip(FormatAck(7)))).seq, 7u);
  auto nack = ParseRelayMessage(Strip(FormatNack(8, "not-here")));
  EXPECT_EQ(std::get<Nack>(*nack).seq, 8u);
  EXPECT_EQ(std::get<Nack>(*nack).reason, "not-here");
  auto deliver = ParseRelayMessage(Strip(FormatDeliver("carol", 9, "hi")));
  EXPECT_EQ(std::get<Deliver>(*deliver).from, "carol");
  EXPECT_EQ(std::get<Deliver>(*deliver).seq, 9u);
  EXPECT_EQ(std::get<Deliver>(*deliver).text, "hi");
  EXPECT_EQ(std::get<Move>(*ParseRelayMessage(Strip(FormatMove("relay-b")))).hint, "relay-b");
}

TEST(ChatProtocol, MoveWithoutUsableHintCarriesADash) {
  EXPECT_EQ(FormatMove(""), "MOVE -\n");
  EXPECT_EQ(FormatMove("two words"), "MOVE -\n");
  EXPECT_EQ(std::get<Move>(*ParseRelayMessage("MOVE -")).hint, "");
}

TEST(ChatProtocol, RejectsMalformedLines) {
  EXPECT_FALSE(ParseClientCommand(""));
  EXPECT_FALSE(ParseClientCommand("HELLO"));
  EXPECT_FALSE(ParseClientCommand("HELLO a b"));
  EXPECT_FALSE(ParseClientCommand("SEND bob x hi"));
  EXPECT_FALSE(ParseClientCommand("SEND bob -1 hi"));
  EXPECT_FALSE(ParseClientCommand("SEND bob"));
  EXPECT_FALSE(ParseClientCommand("BYE now"));
  EXPECT_FALSE(ParseClientCommand("hello a"));
  EXPECT_FALSE(ParseRelayMessage("ACK"));
  EXPECT_FALSE(ParseRelayMessage("ACK 1 2"));
  EXPECT_FALSE(ParseRelayMessage("DELIVER a"));
  EXPECT_FALSE(ParseRelayMessage("MOVE"));
  EXPECT_FALSE(ParseRelayMessage("WHAT 1"));
}

}  // namespace
}  // namespace baton::examples::chat
