#include <gtest/gtest.h>

#include <vector>

#include "analyze/dos_detector.hpp"
#include "core/prefix.hpp"
#include "events_support.hpp"

namespace darkscope {
namespace {

using events_test::kT0;
using events_test::probe;
using events_test::v4;

struct Collected {
  std::vector<DosEvent> events;
  DosDetector::EventCallback sink() {
    return [this](const DosEvent& e) { events.push_back(e); };
  }
};

double slash16() { return PrefixSet::parse_list("10.20.0.0/16").ipv4_size(); }

// A SYN-ACK from the victim's port 80 to darknet address n of 10.20.0.0/16, t seconds after kT0.
PacketRecord synack(double t, std::uint32_t n, const char* victim = "192.0.2.80") {
  PacketRecord r = probe(kT0, t, victim, IpAddress::v4(0x0A140000u + n), 40000,
                         TrafficClass::kTcpBackscatter);
  r.src_port = 80;
  r.tcp_flags = kTcpSyn | kTcpAck;
  r.ip_total_len = 44;
  return r;
}

// Backscatter to every address of a 512-address darknet: the sketch alone says 547,
// the attack at most 512.
TEST(EventsDos, AddressEstimateNeverExceedsTheDarknet) {
  const PrefixSet darknet = PrefixSet::parse_list("198.51.100.0/24,203.0.113.0/24");
  Collected c;
  DosDetector d(DosOptions{}, darknet.ipv4_size(), c.sink());
  for (std::uint32_t i = 0; i < 512; ++i) {
    PacketRecord r = synack(i * 0.5, 0);
    r.dst = IpAddress::v4((i % 2 == 0 ? 0xC6336400u : 0xCB007100u) + i / 2);
    d.on_packet(r);
  }
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].packets, 512u);
  EXPECT_EQ(c.events[0].darknet_addresses, 512u);
}

TEST(EventsDos, AttackJustAboveEveryThreshold) {
  Collected c;
  DosDetector d(DosOptions{}, slash16(), c.sink());
  // 30 packets in 0..58 s (one 60 s window), then one at 60 s: 31 packets, 60 s.
  for (int i = 0; i < 30; ++i) d.on_packet(synack(i * 2.0, static_cast<std::uint32_t>(i)));
  d.on_packet(synack(60.0, 0));
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  const DosEvent& e = c.events[0];
  EXPECT_EQ(e.victim, v4("192.0.2.80"));
  EXPECT_EQ(e.protocol, kProtoTcp);
  EXPECT_EQ(e.start_ns, kT0);
  EXPECT_EQ(e.end_ns, kT0 + 60 * kNsPerSecond);
  EXPECT_EQ(e.packets, 31u);
  EXPECT_EQ(e.bytes, 31u * 44u);
  EXPECT_EQ(e.darknet_addresses, 30u);
  EXPECT_EQ(e.ports, 1u);
  EXPECT_EQ(e.peak_window_packets, 30u);
  EXPECT_DOUBLE_EQ(e.peak_pps, 0.5);
  // 31 packets in 60 s scaled by 2^32 / 2^16 = 65536.
  EXPECT_DOUBLE_EQ(e.estimated_pps, 31.0 * 65536.0 / 60.0);
  EXPECT_EQ(d.attacks(), 1u);
}

TEST(EventsDos, NoAttackJustBelowWindowThreshold) {
  Collected c;
  DosDetector d(DosOptions{}, slash16(), c.sink());
  // 29 packets in 0..56 s, then 1 at 60 s: 30 packets over 60 s, but no 60 s window
  // holds 30 (the window from 10 s holds 24 + 1).
  for (int i = 0; i < 29; ++i) d.on_packet(synack(i * 2.0, 1));
  d.on_packet(synack(60.0, 1));
  d.flush();
  EXPECT_TRUE(c.events.empty());
  EXPECT_EQ(d.below_threshold(), 1u);
}

TEST(EventsDos, NoAttackJustBelowDurationThreshold) {
  Collected c;
  DosDetector d(DosOptions{}, slash16(), c.sink());
  for (int i = 0; i < 40; ++i) d.on_packet(synack(i * 1.5, 1));  // 0 .. 58.5 s
  d.flush();
  EXPECT_TRUE(c.events.empty());
  // One more packet at exactly 60 s makes it an attack.
  Collected c2;
  DosDetector d2(DosOptions{}, slash16(), c2.sink());
  for (int i = 0; i < 40; ++i) d2.on_packet(synack(i * 1.5, 1));
  d2.on_packet(synack(60.0, 1));
  d2.flush();
  ASSERT_EQ(c2.events.size(), 1u);
  EXPECT_EQ(c2.events[0].packets, 41u);
  // The window that reaches 60 s has lost the packets of 0..9 s (7) and gained one.
  EXPECT_EQ(c2.events[0].peak_window_packets, 40u);
}

TEST(EventsDos, PacketThresholdAloneJustAboveAndBelow) {
  DosOptions o;
  o.min_window_packets = 1;  // isolate the 25-packet rule
  for (const int packets : {24, 25}) {
    Collected c;
    DosDetector d(o, slash16(), c.sink());
    for (int i = 0; i < packets - 1; ++i) d.on_packet(synack(i * 2.0, 1));
    d.on_packet(synack(60.0, 1));
    d.flush();
    EXPECT_EQ(c.events.size(), packets == 25 ? 1u : 0u) << packets;
  }
}

TEST(EventsDos, IcmpErrorNamesQuotedVictimAndProtocol) {
  Collected c;
  DosDetector d(DosOptions{}, slash16(), c.sink());
  for (int i = 0; i <= 60; ++i) {
    // A router answers a spoofed UDP flood towards 198.51.100.53:53 with port unreachable.
    PacketRecord r = probe(kT0, i, "203.0.113.1", IpAddress::v4(0x0A140000u + (i % 7)), 0,
                           TrafficClass::kIcmpBackscatter);
    r.icmp_type = 3;
    r.icmp_code = 3;
    r.ip_total_len = 56;
    r.quoted.present = true;
    r.quoted.src = IpAddress::v4(0x0A140000u + (i % 7));
    r.quoted.dst = v4("198.51.100.53");
    r.quoted.protocol = kProtoUdp;
    r.quoted.src_port = 1234;
    r.quoted.dst_port = i < 30 ? 53 : 123;
    d.on_packet(r);
  }
  // An ICMP error without its quoted header names no victim and is ignored.
  PacketRecord bare = probe(kT0, 62, "203.0.113.1", v4("10.20.0.1"), 0,
                            TrafficClass::kIcmpBackscatter);
  bare.icmp_type = 3;
  d.on_packet(bare);
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  const DosEvent& e = c.events[0];
  EXPECT_EQ(e.victim, v4("198.51.100.53"));
  EXPECT_EQ(e.protocol, kProtoUdp);
  EXPECT_EQ(e.packets, 61u);
  EXPECT_EQ(e.bytes, 61u * 56u);
  EXPECT_EQ(e.darknet_addresses, 7u);
  EXPECT_EQ(e.ports, 2u);
  EXPECT_EQ(e.end_ns - e.start_ns, 60 * kNsPerSecond);
  EXPECT_TRUE(d.active() == 0);
}

TEST(EventsDos, EchoReplyVictimIsTheSource) {
  PacketRecord r = probe(kT0, 0, "192.0.2.9", v4("10.20.0.1"), 0, TrafficClass::kIcmpBackscatter);
  r.icmp_type = 0;
  const DosVictim v = dos_victim_of(r);
  EXPECT_TRUE(v.valid);
  EXPECT_EQ(v.victim, v4("192.0.2.9"));
  EXPECT_EQ(v.protocol, kProtoIcmp);
  EXPECT_FALSE(v.has_port);
  EXPECT_FALSE(dos_victim_of(probe(kT0, 0, "192.0.2.9", v4("10.20.0.1"), 23)).valid);
}

TEST(EventsDos, IdleGapOverThreeHundredSecondsEndsTheAttack) {
  Collected c;
  DosDetector d(DosOptions{}, slash16(), c.sink());
  for (int i = 0; i <= 60; ++i) d.on_packet(synack(i, 1));         // 0 .. 60 s
  for (int i = 0; i <= 60; ++i) d.on_packet(synack(361 + i, 1));   // 301 s later
  for (int i = 0; i <= 60; ++i) d.on_packet(synack(721 + i, 1));   // exactly 300 s later: same
  d.flush();
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0].packets, 61u);
  EXPECT_EQ(c.events[0].end_ns, kT0 + 60 * kNsPerSecond);
  EXPECT_EQ(c.events[1].start_ns, kT0 + 361 * kNsPerSecond);
  EXPECT_EQ(c.events[1].end_ns, kT0 + 781 * kNsPerSecond);
  EXPECT_EQ(c.events[1].packets, 122u);
}

TEST(EventsDos, VictimsAndProtocolsAreSeparate) {
  Collected c;
  DosDetector d(DosOptions{}, slash16(), c.sink());
  for (int i = 0; i <= 60; ++i) {
    d.on_packet(synack(i, 1, "192.0.2.80"));
    d.on_packet(synack(i, 1, "192.0.2.81"));
    PacketRecord echo = probe(kT0, i, "192.0.2.80", v4("10.20.0.1"), 0,
                              TrafficClass::kIcmpBackscatter);
    d.on_packet(echo);
  }
  d.flush();
  EXPECT_EQ(c.events.size(), 3u);
}

}  // namespace
}  // namespace darkscope
