#include <gtest/gtest.h>

#include <string>

#include "honeypot/telnet_protocol.hpp"

namespace darkscope {
namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s.push_back(static_cast<char>(b));
  return s;
}

TEST(TelnetProtocol, GreetingIsBusyboxTelnetdNegotiation) {
  EXPECT_EQ(telnet_server_greeting(), bytes({255, 253, 1, 255, 253, 31, 255, 251, 1, 255, 251, 3}));
}

TEST(TelnetProtocol, MiraiAnswersNeedNoFurtherReplies) {
  // Mirai's consume_iacs: DO NAWS -> WILL NAWS + SB NAWS 0 80 0 24; other DO -> WONT; WILL -> DO.
  TelnetParser p;
  std::string data;
  std::string replies;
  p.feed(bytes({255, 252, 1, 255, 251, 31, 255, 250, 31, 0, 80, 0, 24, 255, 240, 255, 253, 1, 255, 253, 3}),
         data, replies);
  EXPECT_EQ(data, "");
  EXPECT_EQ(replies, "");
  EXPECT_EQ(p.width(), 80);
  EXPECT_EQ(p.height(), 24);
  EXPECT_EQ(p.commands(), 5u);
}

TEST(TelnetProtocol, LineEndingsAndNulBytes) {
  TelnetParser p;
  std::string data;
  std::string replies;
  p.feed(std::string("root\r\nxc3511\r\0ls\n\0\0pwd\r", 23), data, replies);
  EXPECT_EQ(data, "root\nxc3511\nls\npwd\n");
  data.clear();
  p.feed(std::string("\n", 1), data, replies);  // LF of a CR LF split over two reads
  EXPECT_EQ(data, "");
}

TEST(TelnetProtocol, EscapedIacIsData) {
  TelnetParser p;
  std::string data;
  std::string replies;
  p.feed(bytes({'a', 255, 255, 'b'}), data, replies);
  EXPECT_EQ(data, bytes({'a', 255, 'b'}));
}

TEST(TelnetProtocol, UnknownOptionsRefusedOnceEach) {
  TelnetParser p;
  std::string data;
  std::string replies;
  std::string flood;
  for (int i = 0; i < 1000; ++i) flood += bytes({255, 253, 39, 255, 251, 40});
  p.feed(flood, data, replies);
  EXPECT_EQ(replies, bytes({255, 252, 39, 255, 254, 40}));
  EXPECT_EQ(p.commands(), 2000u);
}

TEST(TelnetProtocol, DontEchoStopsEchoAndTtypeIsAsked) {
  TelnetParser p;
  std::string data;
  std::string replies;
  EXPECT_TRUE(p.echo_enabled());
  p.feed(bytes({255, 254, 1, 255, 251, 24}), data, replies);
  EXPECT_FALSE(p.echo_enabled());
  EXPECT_EQ(replies, bytes({255, 250, 24, 1, 255, 240}));
  replies.clear();
  p.feed(bytes({255, 250, 24, 0, 'x', 't', 'e', 'r', 'm', 255, 240}), data, replies);
  EXPECT_EQ(p.terminal_type(), "xterm");
}

TEST(TelnetProtocol, OversizedSubnegotiationIsCut) {
  TelnetParser p;
  std::string data;
  std::string replies;
  std::string sb = bytes({255, 250, 24, 0});
  sb += std::string(500, 'A');
  sb += bytes({255, 240, 'o', 'k'});
  p.feed(sb, data, replies);
  EXPECT_EQ(p.oversized_subnegotiations(), 1u);
  EXPECT_EQ(p.terminal_type().size(), TelnetParser::kMaxSubnegotiation - 2);
  EXPECT_EQ(data, "ok");
}

}  // namespace
}  // namespace darkscope
