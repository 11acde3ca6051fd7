#include "decode/decoder.hpp"

#include <gtest/gtest.h>

#include "classify/classifier.hpp"
#include "packet_builder.hpp"

namespace darkscope {
namespace {

using test::Buf;

Buf syn_ipv4(const test::Ipv4& ip = {}, const test::Tcp& tcp = {}) {
  return test::ipv4_packet(ip, test::tcp_bytes(tcp));
}

void expect_plain_syn(const PacketRecord& r) {
  EXPECT_EQ(r.ip_version, 4);
  EXPECT_EQ(r.src, IpAddress::v4(test::kSrc4));
  EXPECT_EQ(r.dst, IpAddress::v4(test::kDst4));
  EXPECT_EQ(r.protocol, kProtoTcp);
  EXPECT_EQ(r.src_port, 40000);
  EXPECT_EQ(r.dst_port, 23);
  EXPECT_EQ(r.tcp_flags, kTcpSyn);
  EXPECT_EQ(r.tcp_window, 1024);
  EXPECT_EQ(r.ip_id, 4242);
  EXPECT_EQ(r.ttl, 64);
  EXPECT_EQ(r.anomalies, 0u);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpSyn);
}

// ---- link types ----

TEST(DecodeLink, EthernetIpv4) {
  const Buf frame = test::ethernet(syn_ipv4(), 0x0800);
  DecodeStatus s{};
  const PacketRecord r = test::decode_bytes(frame, kLinkEthernet, &s);
  EXPECT_EQ(s, DecodeStatus::kOk);
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.captured_len, 54u);
  EXPECT_EQ(r.link_type, kLinkEthernet);
  expect_plain_syn(r);
}

TEST(DecodeLink, EthernetPaddingIsNotAMismatch) {
  Buf frame = test::ethernet(syn_ipv4(), 0x0800);
  frame.resize(60, 0);  // minimum Ethernet frame
  expect_plain_syn(test::decode_bytes(frame, kLinkEthernet));
}

TEST(DecodeLink, VlanQinQAndOldQinQTags) {
  for (auto tags : {std::initializer_list<std::uint16_t>{0x8100},
                    std::initializer_list<std::uint16_t>{0x88a8, 0x8100},
                    std::initializer_list<std::uint16_t>{0x9100, 0x8100},
                    std::initializer_list<std::uint16_t>{0x88a8, 0x8100, 0x8100}}) {
    const Buf frame = test::ethernet(syn_ipv4(), 0x0800, tags);
    DecodeStatus s{};
    const PacketRecord r = test::decode_bytes(frame, kLinkEthernet, &s);
    EXPECT_EQ(s, DecodeStatus::kOk);
    expect_plain_syn(r);
  }
}

TEST(DecodeLink, VlanTagCutShortIsTruncatedLinkHeader) {
  Buf frame = test::ethernet({}, 0x0800, {0x8100});
  frame.resize(16);  // ethertype 0x8100 then half a tag
  DecodeStatus s{};
  const PacketRecord r = test::decode_bytes(frame, kLinkEthernet, &s);
  EXPECT_EQ(s, DecodeStatus::kNonIp);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnTruncatedLinkHeader));
}

TEST(DecodeLink, ArpAndLldpAreNonIp) {
  for (std::uint16_t type : {0x0806, 0x88cc}) {
    DecodeStatus s{};
    const PacketRecord r = test::decode_bytes(test::ethernet(Buf(28, 0), type), kLinkEthernet, &s);
    EXPECT_EQ(s, DecodeStatus::kNonIp);
    EXPECT_EQ(r.ip_version, 0);
    EXPECT_EQ(r.anomalies, 0u);
  }
}

TEST(DecodeLink, ShortEthernetIsNonIpWithAnomaly) {
  for (std::size_t n = 0; n < 14; ++n) {
    DecodeStatus s{};
    const PacketRecord r = test::decode_bytes(Buf(n, 0), kLinkEthernet, &s);
    EXPECT_EQ(s, DecodeStatus::kNonIp) << n;
    EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnTruncatedLinkHeader)) << n;
  }
}

TEST(DecodeLink, LinuxSll) {
  Buf frame = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00};
  test::append(frame, syn_ipv4());
  expect_plain_syn(test::decode_bytes(frame, kLinkLinuxSll));
  DecodeStatus s{};
  test::decode_bytes(Buf(frame.begin(), frame.begin() + 15), kLinkLinuxSll, &s);
  EXPECT_EQ(s, DecodeStatus::kNonIp);
}

TEST(DecodeLink, LinuxSll2) {
  Buf frame = {0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0};
  test::append(frame, test::ipv6_packet(kProtoTcp, {}, kProtoTcp, test::tcp_bytes({})));
  const PacketRecord r = test::decode_bytes(frame, kLinkLinuxSll2);
  EXPECT_EQ(r.ip_version, 6);
  EXPECT_EQ(r.protocol, kProtoTcp);
  EXPECT_EQ(r.dst_port, 23);
  EXPECT_EQ(r.anomalies, 0u);
  EXPECT_EQ(r.dst.to_string(), "2001:db8::2");
}

TEST(DecodeLink, RawLinkTypesPickFamilyByVersionNibble) {
  const Buf v4 = syn_ipv4();
  const Buf v6 = test::ipv6_packet(kProtoUdp, {}, kProtoUdp, test::udp_bytes(1, 53, Buf(4, 7)));
  for (std::uint16_t link : {kLinkRawDlt12, kLinkRawDlt14, kLinkRaw}) {
    expect_plain_syn(test::decode_bytes(v4, link));
    const PacketRecord r = test::decode_bytes(v6, link);
    EXPECT_EQ(r.ip_version, 6);
    EXPECT_EQ(r.dst_port, 53);
    EXPECT_EQ(r.payload_len, 4);
    EXPECT_EQ(r.anomalies, 0u);
  }
  expect_plain_syn(test::decode_bytes(v4, kLinkIpv4));
  EXPECT_EQ(test::decode_bytes(v6, kLinkIpv6).ip_version, 6);
  // The IPv4-only link type does not accept an IPv6 packet.
  const PacketRecord wrong = test::decode_bytes(v6, kLinkIpv4);
  EXPECT_EQ(wrong.ip_version, 0);
  EXPECT_TRUE(wrong.has_anomaly(kAnBadIpVersion));
  EXPECT_EQ(traffic_class_of(wrong), TrafficClass::kMalformed);
}

TEST(DecodeLink, NullInBothByteOrdersAndLoop) {
  const Buf v4 = syn_ipv4();
  const Buf v6 = test::ipv6_packet(kProtoTcp, {}, kProtoTcp, test::tcp_bytes({}));
  Buf le = {2, 0, 0, 0};
  test::append(le, v4);
  Buf be = {0, 0, 0, 2};
  test::append(be, v4);
  expect_plain_syn(test::decode_bytes(le, kLinkNull));
  expect_plain_syn(test::decode_bytes(be, kLinkNull));
  for (std::uint8_t af6 : {24, 28, 30}) {
    Buf f = {af6, 0, 0, 0};
    test::append(f, v6);
    EXPECT_EQ(test::decode_bytes(f, kLinkNull).ip_version, 6) << int{af6};
  }
  Buf loop = {0, 0, 0, 2};
  test::append(loop, v4);
  expect_plain_syn(test::decode_bytes(loop, kLinkLoop));
  Buf other = {7, 0, 0, 0};
  test::append(other, v4);
  DecodeStatus s{};
  test::decode_bytes(other, kLinkNull, &s);
  EXPECT_EQ(s, DecodeStatus::kNonIp);
}

TEST(DecodeLink, UnsupportedLinkAndNames) {
  DecodeStatus s{};
  test::decode_bytes(syn_ipv4(), 105, &s);  // IEEE 802.11
  EXPECT_EQ(s, DecodeStatus::kUnsupportedLink);
  EXPECT_FALSE(is_supported_link_type(105));
  EXPECT_EQ(link_type_name(105), "");
  EXPECT_EQ(link_type_name(0), "NULL");
  EXPECT_EQ(link_type_name(1), "EN10MB");
  EXPECT_EQ(link_type_name(12), "RAW");
  EXPECT_EQ(link_type_name(14), "RAW");
  EXPECT_EQ(link_type_name(101), "RAW");
  EXPECT_EQ(link_type_name(108), "LOOP");
  EXPECT_EQ(link_type_name(113), "LINUX_SLL");
  EXPECT_EQ(link_type_name(228), "IPV4");
  EXPECT_EQ(link_type_name(229), "IPV6");
  EXPECT_EQ(link_type_name(276), "LINUX_SLL2");
  for (std::uint16_t t : {0, 1, 12, 14, 101, 108, 113, 228, 229, 276}) {
    EXPECT_TRUE(is_supported_link_type(t)) << t;
  }
}

TEST(DecodeLink, ResetsPreviousRecordButKeepsSensor) {
  PacketRecord r;
  r.sensor_id = 7;
  r.anomalies = 0xffffffff;
  r.asn = 64500;
  const Buf frame = test::ethernet(Buf(28, 0), 0x0806);
  Frame f{Bytes(frame.data(), frame.size()), 123, 60, kLinkEthernet, 0};
  EXPECT_EQ(decode_frame(f, r), DecodeStatus::kNonIp);
  EXPECT_EQ(r.sensor_id, 7);
  EXPECT_EQ(r.anomalies, 0u);
  EXPECT_EQ(r.asn, 0u);
  EXPECT_EQ(r.ts_ns, 123);
  EXPECT_EQ(r.wire_len, 60u);
  EXPECT_EQ(r.captured_len, 42u);
}

// ---- IPv4 ----

TEST(DecodeIpv4, FieldsFlagsAndOptions) {
  test::Ipv4 ip;
  ip.tos = 0x28;
  ip.df = true;
  ip.ttl = 250;
  ip.options = {0x01, 0x01, 0x01, 0x00};  // NOPs + EOL
  const PacketRecord r = test::decode_bytes(syn_ipv4(ip), kLinkRaw);
  EXPECT_EQ(r.tos, 0x28);
  EXPECT_TRUE(r.dont_fragment);
  EXPECT_FALSE(r.more_fragments);
  EXPECT_EQ(r.ttl, 250);
  EXPECT_EQ(r.ip_total_len, 44);
  EXPECT_EQ(r.dst_port, 23);
  EXPECT_EQ(r.anomalies, 0u);
}

TEST(DecodeIpv4, BadIhlIsAnomalyButClassified) {
  test::Ipv4 ip;
  ip.ihl = 3;
  const PacketRecord r = test::decode_bytes(syn_ipv4(ip), kLinkRaw);
  EXPECT_TRUE(r.has_anomaly(kAnBadIhl));
  EXPECT_EQ(r.dst_port, 23);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpSyn);
}

TEST(DecodeIpv4, OptionsPastCapturedEnd) {
  test::Ipv4 ip;
  ip.ihl = 15;  // 60-byte header, but only 20 + 20 bytes exist
  ip.total_len = 40;
  const PacketRecord r = test::decode_bytes(syn_ipv4(ip), kLinkRaw);
  EXPECT_TRUE(r.has_anomaly(kAnIpOptionsTruncated));
  EXPECT_TRUE(r.has_anomaly(kAnTruncatedTcpHeader));
  EXPECT_TRUE(r.has_anomaly(kAnIpTotalLengthMismatch));
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kMalformed);
  EXPECT_TRUE(r.source_known());
}

TEST(DecodeIpv4, TotalLengthLongerThanCaptured) {
  test::Ipv4 ip;
  ip.total_len = 1500;
  const Buf pkt = syn_ipv4(ip);
  // Same wire and captured length: the header lies.
  PacketRecord r = test::decode_bytes(pkt, kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnIpTotalLengthMismatch));
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpSyn);
  // The wire was longer: the snap length cut it.
  r = test::decode_bytes(pkt, kLinkRaw, nullptr, 1500);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnTruncatedPayload));
  EXPECT_EQ(r.payload_len, 1460);
}

TEST(DecodeIpv4, TotalLengthShorterThanHeader) {
  test::Ipv4 ip;
  ip.total_len = 12;
  const PacketRecord r = test::decode_bytes(syn_ipv4(ip), kLinkRaw);
  EXPECT_TRUE(r.has_anomaly(kAnIpTotalLengthMismatch));
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpSyn);
}

TEST(DecodeIpv4, HeaderChecksum) {
  EXPECT_FALSE(test::decode_bytes(syn_ipv4(), kLinkRaw).has_anomaly(kAnBadIpChecksum));
  test::Ipv4 ip;
  ip.bad_checksum = true;
  const PacketRecord r = test::decode_bytes(syn_ipv4(ip), kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnBadIpChecksum));
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpSyn);
}

TEST(DecodeIpv4, LandAttack) {
  test::Ipv4 ip;
  ip.src = ip.dst;
  const PacketRecord r = test::decode_bytes(syn_ipv4(ip), kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnLandAttack));
}

TEST(DecodeIpv4, FirstFragmentDecodesTransportLaterOnesDoNot) {
  test::Ipv4 first;
  first.protocol = kProtoUdp;
  first.mf = true;
  first.id = 777;
  const Buf udp = test::udp_bytes(5000, 161, Buf(32, 1), 1000);  // UDP length of the whole datagram
  PacketRecord r = test::decode_bytes(test::ipv4_packet(first, udp, 5), kLinkRaw);
  EXPECT_TRUE(r.more_fragments);
  EXPECT_EQ(r.fragment_offset, 0);
  EXPECT_EQ(r.dst_port, 161);
  EXPECT_EQ(r.anomalies, 0u);  // no length or checksum verdict on part of a datagram
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kUdp);

  test::Ipv4 later = first;
  later.frag_offset = 5;  // 40 bytes in
  r = test::decode_bytes(test::ipv4_packet(later, Buf(24, 0xAB)), kLinkRaw);
  EXPECT_EQ(r.fragment_offset, 5);
  EXPECT_EQ(r.ip_id, 777);
  EXPECT_EQ(r.dst_port, 0);
  EXPECT_EQ(r.payload_len, 24);
  EXPECT_EQ(r.anomalies, 0u);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kOther);
}

TEST(DecodeIpv4, BadVersionAndEmpty) {
  Buf pkt = syn_ipv4();
  pkt[0] = 0x55;
  PacketRecord r = test::decode_bytes(pkt, kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnBadIpVersion));
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kMalformed);
  r = test::decode_bytes({}, kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnTruncatedIpHeader));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
}

TEST(DecodeIp, DecodeIpKeepsCaptureFields) {
  PacketRecord r;
  r.ts_ns = 99;
  r.link_type = kLinkRaw;
  r.tcp_seq = 12345;
  const Buf pkt = syn_ipv4();
  EXPECT_EQ(decode_ip(Bytes(pkt.data(), pkt.size()), r), DecodeStatus::kOk);
  EXPECT_EQ(r.ts_ns, 99);
  EXPECT_EQ(r.link_type, kLinkRaw);
  EXPECT_EQ(r.tcp_seq, 1u);
  expect_plain_syn(r);
}

// ---- IPv6 ----

TEST(DecodeIpv6, ExtensionChainToTcp) {
  // hop-by-hop (8) -> routing (8) -> destination options (16) -> TCP
  Buf ext = {43, 0, 1, 4, 0, 0, 0, 0,     60, 0, 0, 0, 0, 0, 0, 0,
             6,  1, 1, 4, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0, 0, 0};
  const PacketRecord r =
      test::decode_bytes(test::ipv6_packet(0, ext, kProtoTcp, test::tcp_bytes({})), kLinkRaw);
  EXPECT_EQ(r.protocol, kProtoTcp);
  EXPECT_EQ(r.dst_port, 23);
  EXPECT_EQ(r.ip_total_len, 40 + 32 + 20);
  EXPECT_EQ(r.anomalies, 0u);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpSyn);
}

TEST(DecodeIpv6, AuthenticationAndMobilityHeaders) {
  // AH: payload length 4 -> (4 + 2) * 4 = 24 bytes; mobility: 8 bytes.
  Buf ext(24, 0);
  ext[0] = 135;
  ext[1] = 4;
  const Buf mob = {kProtoUdp, 0, 0, 0, 0, 0, 0, 0};
  test::append(ext, mob);
  const PacketRecord r = test::decode_bytes(
      test::ipv6_packet(51, ext, kProtoUdp, test::udp_bytes(1, 2, Buf(3, 0))), kLinkRaw);
  EXPECT_EQ(r.protocol, kProtoUdp);
  EXPECT_EQ(r.dst_port, 2);
  EXPECT_EQ(r.anomalies, 0u);
}

TEST(DecodeIpv6, EspAndNoNextHeaderEndTheChain) {
  for (std::uint8_t next : {50, 59}) {
    const PacketRecord r = test::decode_bytes(test::ipv6_packet(next, {}, next, Buf(16, 0)),
                                              kLinkRaw);
    EXPECT_EQ(r.protocol, next);
    EXPECT_EQ(r.anomalies, 0u);
    EXPECT_EQ(traffic_class_of(r), TrafficClass::kOther);
  }
}

TEST(DecodeIpv6, FragmentHeader) {
  // First fragment: offset 0, M=1, id 0x01020304 -> ip_id 0x0304.
  const Buf first = {kProtoTcp, 0, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04};
  test::Tcp tcp;
  PacketRecord r =
      test::decode_bytes(test::ipv6_packet(44, first, kProtoTcp, test::tcp_bytes(tcp)), kLinkRaw);
  EXPECT_EQ(r.ip_id, 0x0304);
  EXPECT_TRUE(r.more_fragments);
  EXPECT_EQ(r.fragment_offset, 0);
  EXPECT_EQ(r.dst_port, 23);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpSyn);
  // Later fragment: offset 185 (1480 bytes), no transport header.
  const Buf later = {kProtoTcp, 0, 0x05, 0xc8, 0x01, 0x02, 0x03, 0x04};
  r = test::decode_bytes(test::ipv6_packet(44, later, 0, Buf(20, 0)), kLinkRaw);
  EXPECT_EQ(r.fragment_offset, 185);
  EXPECT_FALSE(r.more_fragments);
  EXPECT_EQ(r.dst_port, 0);
  EXPECT_EQ(r.protocol, kProtoTcp);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kOther);
}

TEST(DecodeIpv6, LaterFragmentPayloadIsNotWalkedAsHeaders) {
  // Offset 8 (64 bytes), next header "destination options": the bytes after the
  // fragment header are the middle of that header or of data, never a header.
  const Buf later = {60, 0, 0x00, 0x40, 0, 0, 0, 1};
  const PacketRecord r =
      test::decode_bytes(test::ipv6_packet(44, later, 0, Buf(12, 0xff)), kLinkRaw);
  EXPECT_EQ(r.anomalies, 0u);
  EXPECT_EQ(r.protocol, 60);
  EXPECT_EQ(r.fragment_offset, 8);
  EXPECT_EQ(r.payload_len, 12);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kOther);
}

TEST(DecodeIpv6, ChainLimit) {
  Buf ext;
  for (int i = 0; i < 9; ++i) {
    const Buf h = {static_cast<std::uint8_t>(i < 8 ? 60 : kProtoTcp), 0, 0, 0, 0, 0, 0, 0};
    test::append(ext, h);
  }
  PacketRecord r = test::decode_bytes(test::ipv6_packet(60, ext, kProtoTcp, test::tcp_bytes({})),
                                      kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnIpv6ExtHeaderLimit));
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kOther);
  // Eight headers are still walked.
  ext.resize(64);
  ext[56] = kProtoTcp;
  r = test::decode_bytes(test::ipv6_packet(60, ext, kProtoTcp, test::tcp_bytes({})), kLinkRaw);
  EXPECT_EQ(r.anomalies, 0u);
  EXPECT_EQ(r.protocol, kProtoTcp);
}

TEST(DecodeIpv6, TruncatedChain) {
  const Buf ext = {kProtoTcp, 3, 0, 0, 0, 0, 0, 0};  // claims 32 bytes, has 8
  const PacketRecord r = test::decode_bytes(test::ipv6_packet(0, ext, kProtoTcp, {}), kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnTruncatedIpv6ExtHeader));
  EXPECT_EQ(r.protocol, 0);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kOther);
}

// ---- TCP ----

TEST(DecodeTcp, OptionsSummary) {
  test::Tcp tcp;
  tcp.options = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
  const PacketRecord r = test::decode_bytes(syn_ipv4({}, tcp), kLinkRaw);
  const TcpOptionsSummary& o = r.tcp_options;
  EXPECT_EQ(r.tcp_data_offset, 10);
  EXPECT_EQ(o.mss, 1460);
  EXPECT_TRUE(o.sack_permitted);
  EXPECT_TRUE(o.timestamp);
  EXPECT_EQ(o.window_scale, 7);
  EXPECT_EQ(o.count, 4);
  ASSERT_EQ(o.layout_len, 5);
  EXPECT_EQ(o.layout[0], 2);
  EXPECT_EQ(o.layout[1], 4);
  EXPECT_EQ(o.layout[2], 8);
  EXPECT_EQ(o.layout[3], 1);
  EXPECT_EQ(o.layout[4], 3);
  EXPECT_EQ(r.anomalies, 0u);
}

TEST(DecodeTcp, NoOptions) {
  const PacketRecord r = test::decode_bytes(syn_ipv4(), kLinkRaw);
  EXPECT_EQ(r.tcp_data_offset, 5);
  EXPECT_EQ(r.tcp_options.count, 0);
  EXPECT_EQ(r.tcp_options.layout_len, 0);
  EXPECT_EQ(r.tcp_options.mss, 0);
  EXPECT_EQ(r.tcp_options.window_scale, 0xff);
}

TEST(DecodeTcp, BadOptionLengths) {
  for (Buf opts : {Buf{2, 0, 0, 0}, Buf{2, 5, 1, 1}, Buf{3, 4, 1, 1}, Buf{1, 1, 1, 8}}) {
    test::Tcp tcp;
    tcp.options = opts;
    const PacketRecord r = test::decode_bytes(syn_ipv4({}, tcp), kLinkRaw);
    EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnBadTcpOption)) << int{opts[0]};
    EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpSyn);
  }
}

TEST(DecodeTcp, BadDataOffset) {
  test::Tcp tcp;
  tcp.data_offset = 2;
  tcp.payload = Buf(6, 0x41);
  const PacketRecord r = test::decode_bytes(syn_ipv4({}, tcp), kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnBadTcpDataOffset));
  EXPECT_EQ(r.tcp_data_offset, 2);
  EXPECT_EQ(r.payload_len, 6);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpSyn);
}

TEST(DecodeTcp, DataOffsetPastCapturedEnd) {
  test::Tcp tcp;
  tcp.data_offset = 15;
  tcp.options = {2, 4, 0x05, 0xb4};
  const PacketRecord r = test::decode_bytes(syn_ipv4({}, tcp), kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnTcpOptionsTruncated));
  EXPECT_EQ(r.tcp_options.mss, 1460);
  EXPECT_EQ(r.payload_len, 0);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpSyn);
}

TEST(DecodeTcp, PayloadAndChecksums) {
  test::Tcp tcp;
  tcp.flags = kTcpPsh | kTcpAck;
  tcp.payload = {'G', 'E', 'T', ' ', '/'};  // odd length exercises the padded tail
  PacketRecord r = test::decode_bytes(test::ipv4_packet({}, test::tcp_bytes(tcp)), kLinkRaw);
  EXPECT_EQ(r.payload_len, 5);
  EXPECT_EQ(r.anomalies, 0u);
  r = test::decode_bytes(test::ipv4_packet({}, test::tcp_bytes(tcp), 1), kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnBadTcpChecksum));
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpOther);
  // IPv6 pseudo-header
  r = test::decode_bytes(test::ipv6_packet(kProtoTcp, {}, kProtoTcp, test::tcp_bytes(tcp)),
                         kLinkRaw);
  EXPECT_EQ(r.anomalies, 0u);
  r = test::decode_bytes(test::ipv6_packet(kProtoTcp, {}, kProtoTcp, test::tcp_bytes(tcp), 1),
                         kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnBadTcpChecksum));
}

TEST(DecodeTcp, ChecksumSkippedWhenNotFullyCaptured) {
  test::Tcp tcp;
  tcp.payload = Buf(100, 0x42);
  Buf pkt = test::ipv4_packet({}, test::tcp_bytes(tcp), 1);
  pkt.resize(60);  // snap length cut the payload
  const PacketRecord r = test::decode_bytes(pkt, kLinkRaw, nullptr, 140);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnTruncatedPayload));
  EXPECT_EQ(r.payload_len, 100);
}

// ---- UDP ----

TEST(DecodeUdp, LengthsAndChecksums) {
  test::Ipv4 ip;
  ip.protocol = kProtoUdp;
  const Buf payload = {1, 2, 3};
  PacketRecord r = test::decode_bytes(test::ipv4_packet(ip, test::udp_bytes(53, 5353, payload)),
                                      kLinkRaw);
  EXPECT_EQ(r.src_port, 53);
  EXPECT_EQ(r.dst_port, 5353);
  EXPECT_EQ(r.payload_len, 3);
  EXPECT_EQ(r.anomalies, 0u);
  r = test::decode_bytes(test::ipv4_packet(ip, test::udp_bytes(53, 5353, payload), 1), kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnBadUdpChecksum));
  r = test::decode_bytes(test::ipv4_packet(ip, test::udp_bytes(53, 5353, payload, 9)), kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnUdpLengthMismatch));
  EXPECT_EQ(r.payload_len, 1);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kUdp);
}

TEST(DecodeUdp, ZeroChecksumMeansNoneOnIpv4ButIsBadOnIpv6) {
  test::Ipv4 ip;
  ip.protocol = kProtoUdp;
  Buf v4 = test::ipv4_packet(ip, test::udp_bytes(1, 2, Buf(4, 9)));
  v4[26] = 0;
  v4[27] = 0;
  EXPECT_EQ(test::decode_bytes(v4, kLinkRaw).anomalies, 0u);
  Buf v6 = test::ipv6_packet(kProtoUdp, {}, kProtoUdp, test::udp_bytes(1, 2, Buf(4, 9)));
  EXPECT_EQ(test::decode_bytes(v6, kLinkRaw).anomalies, 0u);
  v6[46] = 0;
  v6[47] = 0;
  EXPECT_EQ(test::decode_bytes(v6, kLinkRaw).anomalies,
            static_cast<std::uint32_t>(kAnBadUdpChecksum));
}

// ---- ICMP ----

TEST(DecodeIcmp, EchoAndChecksum) {
  test::Ipv4 ip;
  ip.protocol = kProtoIcmp;
  PacketRecord r = test::decode_bytes(test::ipv4_packet(ip, test::icmp_bytes(8, 0)), kLinkRaw);
  EXPECT_EQ(r.icmp_type, 8);
  EXPECT_EQ(r.icmp_code, 0);
  EXPECT_EQ(r.anomalies, 0u);
  EXPECT_FALSE(r.quoted.present);
  r = test::decode_bytes(test::ipv4_packet(ip, test::icmp_bytes(8, 0), 1), kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnBadIcmpChecksum));
  const Buf v6 = test::ipv6_packet(kProtoIcmpv6, {}, kProtoIcmpv6, test::icmp_bytes(128, 0));
  r = test::decode_bytes(v6, kLinkRaw);
  EXPECT_EQ(r.icmp_type, 128);
  EXPECT_EQ(r.anomalies, 0u);
  r = test::decode_bytes(
      test::ipv6_packet(kProtoIcmpv6, {}, kProtoIcmpv6, test::icmp_bytes(128, 0), 1), kLinkRaw);
  EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnBadIcmpChecksum));
}

Buf quoted_syn_v4() {
  // The victim 192.0.2.7 sent a SYN from port 80 to 203.0.113.9:4444.
  test::Ipv4 orig;
  orig.src = 0xC0000207;
  orig.dst = 0xCB007109;
  test::Tcp t;
  t.sport = 80;
  t.dport = 4444;
  return test::ipv4_packet(orig, test::tcp_bytes(t));
}

TEST(DecodeIcmp, Ipv4UnreachableQuotesTheOriginal) {
  test::Ipv4 ip;
  ip.protocol = kProtoIcmp;
  Buf body(4, 0);
  Buf quoted = quoted_syn_v4();
  quoted.resize(28);  // IP header + 8 bytes, as routers quote
  test::append(body, quoted);
  const PacketRecord r = test::decode_bytes(test::ipv4_packet(ip, test::icmp_bytes(3, 3, body)),
                                            kLinkRaw);
  EXPECT_EQ(r.anomalies, 0u);
  ASSERT_TRUE(r.quoted.present);
  EXPECT_EQ(r.quoted.src.to_string(), "192.0.2.7");
  EXPECT_EQ(r.quoted.dst.to_string(), "203.0.113.9");
  EXPECT_EQ(r.quoted.protocol, kProtoTcp);
  EXPECT_EQ(r.quoted.src_port, 80);
  EXPECT_EQ(r.quoted.dst_port, 4444);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kIcmpBackscatter);
}

TEST(DecodeIcmp, QuotedHeaderCutShortIsNotMalformed) {
  test::Ipv4 ip;
  ip.protocol = kProtoIcmp;
  for (std::size_t keep : {0, 19, 24}) {
    Buf body(4, 0);
    Buf quoted = quoted_syn_v4();
    quoted.resize(keep);
    test::append(body, quoted);
    const PacketRecord r =
        test::decode_bytes(test::ipv4_packet(ip, test::icmp_bytes(11, 0, body)), kLinkRaw);
    EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnTruncatedQuotedHeader)) << keep;
    EXPECT_EQ(r.quoted.present, keep >= 20) << keep;
    EXPECT_EQ(r.quoted.dst_port, keep >= 24 ? 4444 : 0) << keep;
    EXPECT_EQ(traffic_class_of(r), TrafficClass::kIcmpBackscatter);
  }
}

TEST(DecodeIcmp, Ipv6UnreachableQuotesTheOriginal) {
  test::Tcp t;
  t.sport = 443;
  t.dport = 5555;
  const Buf orig = test::ipv6_packet(kProtoTcp, {}, kProtoTcp, test::tcp_bytes(t), 0, 64, 9, 10);
  Buf body(4, 0);
  test::append(body, Buf(orig.begin(), orig.begin() + 48));
  const PacketRecord r = test::decode_bytes(
      test::ipv6_packet(kProtoIcmpv6, {}, kProtoIcmpv6, test::icmp_bytes(1, 4, body)), kLinkRaw);
  EXPECT_EQ(r.anomalies, 0u);
  ASSERT_TRUE(r.quoted.present);
  EXPECT_EQ(r.quoted.src.to_string(), "2001:db8::9");
  EXPECT_EQ(r.quoted.dst.to_string(), "2001:db8::a");
  EXPECT_EQ(r.quoted.src_port, 443);
  EXPECT_EQ(r.quoted.dst_port, 5555);
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kIcmpBackscatter);
}

// ---- every truncation point ----

struct CutCase {
  const char* name;
  Buf packet;
  std::size_t ip_header_end;  ///< bytes up to the end of the IP header(s)
  std::size_t fixed_l4;       ///< 20 TCP, 8 UDP/ICMP
  Anomaly truncated;          ///< the anomaly of a cut transport header
  TrafficClass full_class;
};

TEST(DecodeTruncation, EveryLengthOfEveryPacket) {
  test::Ipv4 udp_ip;
  udp_ip.protocol = kProtoUdp;
  test::Ipv4 icmp_ip;
  icmp_ip.protocol = kProtoIcmp;
  test::Tcp opt;
  opt.options = {2, 4, 5, 0xb4, 1, 3, 3, 7};
  const Buf v6ext = {kProtoTcp, 0, 1, 4, 0, 0, 0, 0};
  const std::vector<CutCase> cases = {
      {"ipv4 tcp", syn_ipv4({}, opt), 20, 20, kAnTruncatedTcpHeader, TrafficClass::kTcpSyn},
      {"ipv4 udp", test::ipv4_packet(udp_ip, test::udp_bytes(1, 2, Buf(5, 0))), 20, 8,
       kAnTruncatedUdpHeader, TrafficClass::kUdp},
      {"ipv4 icmp", test::ipv4_packet(icmp_ip, test::icmp_bytes(8, 0, Buf(12, 0))), 20, 8,
       kAnTruncatedIcmpHeader, TrafficClass::kIcmpRequest},
      {"ipv6 hbh tcp", test::ipv6_packet(0, v6ext, kProtoTcp, test::tcp_bytes(opt)), 48, 20,
       kAnTruncatedTcpHeader, TrafficClass::kTcpSyn},
  };
  for (const CutCase& c : cases) {
    for (std::size_t len = 0; len <= c.packet.size(); ++len) {
      const Buf cut(c.packet.begin(), c.packet.begin() + static_cast<long>(len));
      // The wire had the whole packet: the capture cut it.
      const PacketRecord r = test::decode_bytes(cut, kLinkRaw, nullptr,
                                                static_cast<std::uint32_t>(c.packet.size()));
      const TrafficClass cls = traffic_class_of(r);
      SCOPED_TRACE(std::string(c.name) + " cut at " + std::to_string(len));
      const std::size_t fixed_ip = c.packet[0] >> 4 == 4 ? 20 : 40;
      if (len < fixed_ip) {
        EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnTruncatedIpHeader));
        EXPECT_EQ(cls, TrafficClass::kMalformed);
        EXPECT_FALSE(r.source_known());
      } else if (len < c.ip_header_end) {
        EXPECT_EQ(r.anomalies, kAnTruncatedIpv6ExtHeader | kAnTruncatedPayload);
        EXPECT_EQ(cls, TrafficClass::kOther);
      } else if (len < c.ip_header_end + c.fixed_l4) {
        EXPECT_EQ(r.anomalies, c.truncated | kAnTruncatedPayload);
        EXPECT_EQ(cls, TrafficClass::kMalformed);
        EXPECT_TRUE(r.source_known());
      } else if (len < c.packet.size()) {
        const bool options_cut = c.fixed_l4 == 20 && len < c.ip_header_end + 28;
        EXPECT_EQ(r.anomalies,
                  kAnTruncatedPayload | (options_cut ? kAnTcpOptionsTruncated : 0u));
        EXPECT_EQ(cls, c.full_class);
      } else {
        EXPECT_EQ(r.anomalies, 0u);
        EXPECT_EQ(cls, c.full_class);
      }
    }
  }
}

TEST(DecodeTruncation, EthernetFrameAtEveryLength) {
  const Buf frame = test::ethernet(syn_ipv4(), 0x0800, {0x88a8, 0x8100});
  for (std::size_t len = 0; len <= frame.size(); ++len) {
    const Buf cut(frame.begin(), frame.begin() + static_cast<long>(len));
    DecodeStatus s{};
    const PacketRecord r = test::decode_bytes(cut, kLinkEthernet, &s,
                                              static_cast<std::uint32_t>(frame.size()));
    SCOPED_TRACE(len);
    if (len < 22) {
      EXPECT_EQ(s, DecodeStatus::kNonIp);
      EXPECT_EQ(r.anomalies, static_cast<std::uint32_t>(kAnTruncatedLinkHeader));
    } else {
      EXPECT_EQ(s, DecodeStatus::kOk);
    }
  }
}

}  // namespace
}  // namespace darkscope
