#include "classify/classifier.hpp"

#include <gtest/gtest.h>

namespace darkscope {
namespace {

constexpr std::uint32_t kDst = 0xCB007105;  // 203.0.113.5

PacketRecord tcp(std::uint8_t flags) {
  PacketRecord r;
  r.ip_version = 4;
  r.src = IpAddress::v4(0xC6336401);
  r.dst = IpAddress::v4(kDst);
  r.protocol = kProtoTcp;
  r.tcp_flags = flags;
  r.tcp_data_offset = 5;
  r.src_port = 40000;
  r.dst_port = 23;
  r.ttl = 64;
  r.tcp_window = 5840;
  r.tcp_seq = 0x11223344;
  r.ip_id = 1;
  return r;
}

PacketRecord icmp(std::uint8_t protocol, std::uint8_t type) {
  PacketRecord r = tcp(0);
  r.protocol = protocol;
  r.icmp_type = type;
  if (protocol == kProtoIcmpv6) r.ip_version = 6;
  return r;
}

const ClassifyOptions kDefault{};

// ---- traffic classes ----

TEST(TrafficClass, TcpRows) {
  EXPECT_EQ(traffic_class_of(tcp(kTcpSyn)), TrafficClass::kTcpSyn);
  EXPECT_EQ(traffic_class_of(tcp(kTcpSyn | kTcpEce | kTcpCwr)), TrafficClass::kTcpSyn);
  EXPECT_EQ(traffic_class_of(tcp(kTcpSyn | kTcpAck)), TrafficClass::kTcpBackscatter);
  EXPECT_EQ(traffic_class_of(tcp(kTcpRst)), TrafficClass::kTcpBackscatter);
  EXPECT_EQ(traffic_class_of(tcp(kTcpRst | kTcpAck)), TrafficClass::kTcpBackscatter);
  EXPECT_EQ(traffic_class_of(tcp(kTcpAck)), TrafficClass::kTcpOther);
  EXPECT_EQ(traffic_class_of(tcp(kTcpFin)), TrafficClass::kTcpOther);
  EXPECT_EQ(traffic_class_of(tcp(0)), TrafficClass::kTcpOther);
  EXPECT_EQ(traffic_class_of(tcp(kTcpFin | kTcpPsh | kTcpUrg)), TrafficClass::kTcpOther);
  // Rows are tried in SPEC order: SYN without ACK is a probe even with RST.
  EXPECT_EQ(traffic_class_of(tcp(kTcpSyn | kTcpRst)), TrafficClass::kTcpSyn);
}

TEST(TrafficClass, UdpAndOtherProtocols) {
  PacketRecord r = tcp(0);
  r.protocol = kProtoUdp;
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kUdp);
  for (std::uint8_t proto : {47, 50, 132, 0}) {
    r.protocol = proto;
    EXPECT_EQ(traffic_class_of(r), TrafficClass::kOther) << int{proto};
  }
}

TEST(TrafficClass, IcmpV4Types) {
  for (int t = 0; t < 256; ++t) {
    const auto type = static_cast<std::uint8_t>(t);
    TrafficClass want = TrafficClass::kIcmpOther;
    if (t == 8 || t == 13 || t == 15 || t == 17) want = TrafficClass::kIcmpRequest;
    if (t == 0 || t == 3 || t == 4 || t == 5 || t == 11 || t == 12 || t == 14 || t == 16 ||
        t == 18) {
      want = TrafficClass::kIcmpBackscatter;
    }
    EXPECT_EQ(traffic_class_of(icmp(kProtoIcmp, type)), want) << t;
  }
}

TEST(TrafficClass, IcmpV6Types) {
  for (int t = 0; t < 256; ++t) {
    const auto type = static_cast<std::uint8_t>(t);
    TrafficClass want = TrafficClass::kIcmpOther;
    if (t == 128) want = TrafficClass::kIcmpRequest;
    if ((t >= 1 && t <= 4) || t == 129) want = TrafficClass::kIcmpBackscatter;
    EXPECT_EQ(traffic_class_of(icmp(kProtoIcmpv6, type)), want) << t;
  }
}

TEST(TrafficClass, NonFirstFragmentIsOther) {
  PacketRecord r = tcp(kTcpSyn);
  r.fragment_offset = 1;
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kOther);
  r.fragment_offset = 0;
  r.more_fragments = true;
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kTcpSyn);
}

TEST(TrafficClass, MalformedRows) {
  for (Anomaly a : {kAnTruncatedIpHeader, kAnTruncatedTcpHeader, kAnTruncatedUdpHeader,
                    kAnTruncatedIcmpHeader}) {
    PacketRecord r = tcp(kTcpSyn);
    r.anomalies = a;
    EXPECT_EQ(traffic_class_of(r), TrafficClass::kMalformed) << a;
    EXPECT_TRUE(is_malformed(r));
  }
  PacketRecord r = tcp(kTcpSyn);
  r.ip_version = 0;
  EXPECT_EQ(traffic_class_of(r), TrafficClass::kMalformed);
  // Anomalies of options, lengths and checksums keep the fixed-header class.
  for (Anomaly a : {kAnBadIhl, kAnBadTcpChecksum, kAnTcpOptionsTruncated, kAnBadTcpDataOffset,
                    kAnIpTotalLengthMismatch, kAnTruncatedQuotedHeader, kAnTruncatedPayload}) {
    PacketRecord ok = tcp(kTcpSyn);
    ok.anomalies = a;
    EXPECT_EQ(traffic_class_of(ok), TrafficClass::kTcpSyn) << a;
  }
}

// ---- fingerprints ----

TEST(Fingerprint, TableIsInBitOrderAndNamed) {
  const auto rules = fingerprint_rules();
  ASSERT_EQ(rules.size(), 5u);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    EXPECT_EQ(rules[i].bit, 1u << i);
    EXPECT_EQ(rules[i].name, kFingerprintNames[i]);
  }
}

TEST(Fingerprint, Mirai) {
  PacketRecord r = tcp(kTcpSyn);
  r.tcp_seq = kDst;
  EXPECT_EQ(fingerprints_of(r, kDefault), kFpMirai);
  r.tcp_seq = kDst + 1;
  EXPECT_EQ(fingerprints_of(r, kDefault), 0);
  r.tcp_seq = kDst;
  r.tcp_flags = kTcpSyn | kTcpAck;  // a reply, not a probe
  EXPECT_EQ(fingerprints_of(r, kDefault), 0);
  r.tcp_flags = kTcpSyn;
  r.anomalies = kAnTruncatedTcpHeader;
  EXPECT_EQ(fingerprints_of(r, kDefault), 0);
}

TEST(Fingerprint, MiraiStrictNeedsSourcePortAbove1024) {
  const ClassifyOptions strict{.mirai_strict = true};
  PacketRecord r = tcp(kTcpSyn);
  r.tcp_seq = kDst;
  r.src_port = 1025;
  EXPECT_EQ(fingerprints_of(r, strict), kFpMirai);
  r.src_port = 1024;
  EXPECT_EQ(fingerprints_of(r, strict), 0);
  EXPECT_EQ(fingerprints_of(r, kDefault), kFpMirai);
}

TEST(Fingerprint, MiraiNeedsIpv4) {
  PacketRecord r = tcp(kTcpSyn);
  r.ip_version = 6;
  r.dst = IpAddress::parse("2001:db8::cb00:7105").value();
  r.tcp_seq = kDst;
  EXPECT_EQ(fingerprints_of(r, kDefault), 0);
}

TEST(Fingerprint, Zmap) {
  PacketRecord r = tcp(kTcpSyn);
  r.ip_id = 54321;
  EXPECT_EQ(fingerprints_of(r, kDefault), kFpZmap);
  r.ip_id = 54320;
  EXPECT_EQ(fingerprints_of(r, kDefault), 0);
  r.ip_id = 54321;
  r.tcp_flags = kTcpRst;
  EXPECT_EQ(fingerprints_of(r, kDefault), 0);
  r.protocol = kProtoUdp;
  EXPECT_EQ(fingerprints_of(r, kDefault), kFpZmap);
  PacketRecord e = icmp(kProtoIcmp, 8);
  e.ip_id = 54321;
  EXPECT_EQ(fingerprints_of(e, kDefault), kFpZmap);
  e.icmp_type = 13;  // a request, but not echo
  EXPECT_EQ(fingerprints_of(e, kDefault), 0);
  e.icmp_type = 0;
  EXPECT_EQ(fingerprints_of(e, kDefault), 0);
}

TEST(Fingerprint, Masscan) {
  PacketRecord r = tcp(kTcpSyn);
  r.dst_port = 8080;
  r.tcp_seq = 0xdeadbeef;
  const std::uint32_t id = (kDst ^ 8080u ^ 0xdeadbeefu) & 0xffffu;
  r.ip_id = static_cast<std::uint16_t>(id);
  EXPECT_EQ(fingerprints_of(r, kDefault), kFpMasscan);
  r.ip_id = static_cast<std::uint16_t>(id + 1);
  EXPECT_EQ(fingerprints_of(r, kDefault), 0);
  r.ip_id = static_cast<std::uint16_t>(id);
  r.tcp_flags = kTcpSyn | kTcpAck;
  EXPECT_EQ(fingerprints_of(r, kDefault), 0);
}

TEST(Fingerprint, LargeScale) {
  PacketRecord r = tcp(kTcpSyn);
  r.ttl = 200;
  r.tcp_window = 1024;
  EXPECT_EQ(fingerprints_of(r, kDefault), kFpLargeScale);
  r.ttl = 199;
  EXPECT_EQ(fingerprints_of(r, kDefault), 0);
  r.ttl = 255;
  r.tcp_window = 1025;
  EXPECT_EQ(fingerprints_of(r, kDefault), 0);
  r.tcp_window = 1024;
  r.tcp_data_offset = 6;
  r.tcp_options.count = 1;
  r.tcp_options.mss = 1460;
  r.tcp_options.layout = {2};
  r.tcp_options.layout_len = 1;
  // Options present: not large-scale, but exactly nmap's probe.
  EXPECT_EQ(fingerprints_of(r, kDefault), kFpNmap);
}

TEST(Fingerprint, Nmap) {
  PacketRecord r = tcp(kTcpSyn);
  r.tcp_data_offset = 6;
  r.tcp_options.count = 1;
  r.tcp_options.mss = 1460;
  r.tcp_options.layout = {2};
  r.tcp_options.layout_len = 1;
  for (std::uint16_t w : {1024, 2048, 3072, 4096}) {
    r.tcp_window = w;
    EXPECT_EQ(fingerprints_of(r, kDefault), kFpNmap) << w;
  }
  for (std::uint16_t w : {1023, 4095, 5840, 65535}) {
    r.tcp_window = w;
    EXPECT_EQ(fingerprints_of(r, kDefault), 0) << w;
  }
  r.tcp_window = 1024;
  r.tcp_options.count = 2;  // MSS plus another option
  r.tcp_options.layout = {2, 4};
  r.tcp_options.layout_len = 2;
  r.tcp_data_offset = 7;
  EXPECT_EQ(fingerprints_of(r, kDefault), 0);
}

TEST(Fingerprint, SeveralAtOnce) {
  PacketRecord r = tcp(kTcpSyn);
  r.tcp_seq = kDst;
  r.ip_id = 54321;
  r.ttl = 250;
  r.tcp_window = 1024;
  EXPECT_EQ(fingerprints_of(r, kDefault), kFpMirai | kFpZmap | kFpLargeScale);
}

TEST(Classifier, FillsSlotsAndObserved) {
  const Classifier c(PrefixSet::parse_list("203.0.113.0/24"), kDefault);
  PacketRecord r = tcp(kTcpSyn);
  r.tcp_seq = kDst;
  c.classify(r);
  EXPECT_TRUE(r.observed);
  EXPECT_EQ(r.traffic_class, TrafficClass::kTcpSyn);
  EXPECT_EQ(r.fingerprints, kFpMirai);
  r.dst = IpAddress::v4(0x08080808);
  c.classify(r);
  EXPECT_FALSE(r.observed);
  PacketRecord cut;
  cut.anomalies = kAnTruncatedIpHeader;
  c.classify(cut);
  EXPECT_TRUE(cut.observed);
  EXPECT_EQ(cut.traffic_class, TrafficClass::kMalformed);
  EXPECT_EQ(cut.fingerprints, 0);
}

}  // namespace
}  // namespace darkscope
