#include "enrich/os_guess.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

namespace darkscope {
namespace {

PacketRecord syn(std::uint8_t ttl, std::uint16_t window, std::initializer_list<std::uint8_t> layout) {
  PacketRecord r;
  r.ip_version = 4;
  r.protocol = kProtoTcp;
  r.tcp_flags = kTcpSyn;
  r.ttl = ttl;
  r.tcp_window = window;
  for (const auto k : layout) r.tcp_options.layout[r.tcp_options.layout_len++] = k;
  return r;
}

TEST(OsGuess, StackDefaults) {
  // Linux: MSS, SACK-permitted, timestamps, NOP, window scale; TTL 64 seen after hops.
  EXPECT_EQ(guess_os(syn(52, 64240, {2, 4, 8, 1, 3})), kOsLinux);
  EXPECT_EQ(guess_os(syn(64, 29200, {2, 1, 1, 4, 1, 3})), kOsLinux);
  // Windows: TTL 128, MSS, NOP, WS, NOP, NOP, SACK.
  EXPECT_EQ(guess_os(syn(117, 64240, {2, 1, 3, 1, 1, 4})), kOsWindows);
  EXPECT_EQ(guess_os(syn(128, 8192, {2, 1, 1, 4})), kOsWindows);
  // macOS: MSS, NOP, WS, NOP, NOP, TS, SACK, EOL.
  EXPECT_EQ(guess_os(syn(60, 65535, {2, 1, 3, 1, 1, 8, 4, 0})), kOsBsdMacos);
  EXPECT_EQ(guess_os(syn(50, 5840, {2})), kOsEmbedded);
  EXPECT_EQ(os_guess_name(kOsLinux), "linux");
  EXPECT_EQ(os_guess_name(kOsNone), "");
  EXPECT_EQ(os_guess_name(200), "");
}

TEST(OsGuess, NoGuessWithoutAMatchingSyn) {
  // Mirai and zmap build SYNs without options (zmap with TTL 255): no stack to name.
  EXPECT_EQ(guess_os(syn(255, 65535, {})), kOsNone);
  EXPECT_EQ(guess_os(syn(50, 14600, {})), kOsNone);
  // Linux options but a TTL of 128: not a known default.
  EXPECT_EQ(guess_os(syn(120, 64240, {2, 4, 8, 1, 3})), kOsNone);
  // MSS only with a large window is not the embedded default.
  EXPECT_EQ(guess_os(syn(50, 65535, {2})), kOsNone);
  auto synack = syn(52, 64240, {2, 4, 8, 1, 3});
  synack.tcp_flags = kTcpSyn | kTcpAck;
  EXPECT_EQ(guess_os(synack), kOsNone);
  auto udp = syn(52, 0, {});
  udp.protocol = kProtoUdp;
  EXPECT_EQ(guess_os(udp), kOsNone);
}

}  // namespace
}  // namespace darkscope
