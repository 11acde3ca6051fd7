#include "analyze/summary.hpp"
#include "enrich/source_table.hpp"

#include <gtest/gtest.h>

namespace darkscope {
namespace {

PacketRecord probe(std::uint32_t src, std::uint32_t dst, TrafficClass cls, std::uint16_t port,
                   std::int64_t ts = 1000) {
  PacketRecord r;
  r.ip_version = 4;
  r.src = IpAddress::v4(src);
  r.dst = IpAddress::v4(dst);
  r.traffic_class = cls;
  r.dst_port = port;
  r.protocol = cls == TrafficClass::kUdp ? kProtoUdp : kProtoTcp;
  r.observed = true;
  r.ts_ns = ts;
  return r;
}

/// A summary fed as the pipeline feeds it: through a SourceTable, which marks each
/// source's first packet.
struct Tracked : TrafficSummary {
  SourceTable table;
  void add(PacketRecord r) {
    table.mark(std::span(&r, 1));
    TrafficSummary::add(r);
  }
};

}  // namespace

TEST(PortKey, RankingRuleFollowsSpec) {
  EXPECT_EQ(ranking_port_key(probe(1, 2, TrafficClass::kTcpSyn, 23))->text(), "tcp/23");
  EXPECT_EQ(ranking_port_key(probe(1, 2, TrafficClass::kTcpOther, 80))->text(), "tcp/80");
  EXPECT_EQ(ranking_port_key(probe(1, 2, TrafficClass::kUdp, 53))->text(), "udp/53");
  EXPECT_EQ(ranking_port_key(probe(1, 2, TrafficClass::kIcmpRequest, 0))->text(), "icmp");
  for (auto c : {TrafficClass::kTcpBackscatter, TrafficClass::kIcmpBackscatter,
                 TrafficClass::kIcmpOther, TrafficClass::kOther, TrafficClass::kMalformed}) {
    EXPECT_FALSE(ranking_port_key(probe(1, 2, c, 23))) << to_string(c);
  }
}

TEST(PortKey, ParsesItsTextForm) {
  EXPECT_EQ(PortKey::parse("tcp/23"), (PortKey{kProtoTcp, 23}));
  EXPECT_EQ(PortKey::parse("udp/65535"), (PortKey{kProtoUdp, 65535}));
  EXPECT_EQ(PortKey::parse("icmp"), (PortKey{kProtoIcmp, 0}));
  EXPECT_FALSE(PortKey::parse("tcp/65536"));
  EXPECT_FALSE(PortKey::parse("tcp/"));
  EXPECT_FALSE(PortKey::parse("sctp/1"));
  EXPECT_EQ(PortKey::from_packed(PortKey{kProtoUdp, 53}.packed()), (PortKey{kProtoUdp, 53}));
}

TEST(TrafficSummary, CountsBySpecRules) {
  Tracked s;
  s.add(probe(1, 100, TrafficClass::kTcpSyn, 23, 5000));
  s.add(probe(1, 101, TrafficClass::kTcpSyn, 23, 3000));
  s.add(probe(2, 100, TrafficClass::kTcpSyn, 2323, 4000));
  s.add(probe(3, 100, TrafficClass::kUdp, 53, 4500));
  s.add(probe(4, 100, TrafficClass::kTcpBackscatter, 23, 4600));  // not charged to tcp/23
  PacketRecord outside = probe(5, 999, TrafficClass::kTcpSyn, 23);
  outside.observed = false;
  s.add(outside);
  PacketRecord cut;  // IP header cut short: observed, malformed, no known source
  cut.observed = true;
  cut.traffic_class = TrafficClass::kMalformed;
  cut.anomalies = kAnTruncatedIpHeader;
  cut.ts_ns = 4700;
  s.add(cut);

  EXPECT_EQ(s.observed(), 6u);
  EXPECT_EQ(s.outside(), 1u);
  EXPECT_EQ(s.first_seen_ns(), 3000);
  EXPECT_EQ(s.last_seen_ns(), 5000);
  EXPECT_EQ(s.class_count(TrafficClass::kTcpSyn), 3u);
  EXPECT_EQ(s.class_count(TrafficClass::kMalformed), 1u);
  EXPECT_EQ(s.anomaly_count(0), 1u);
  EXPECT_EQ(s.unique_sources(), 4u);
  EXPECT_EQ(s.unique_destinations(), 2u);
  const auto ports = s.top_ports(10);
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0].key.text(), "tcp/23");
  EXPECT_EQ(ports[0].packets, 2u);
  // Equal counts: TCP before UDP.
  EXPECT_EQ(ports[1].key.text(), "tcp/2323");
  EXPECT_EQ(ports[2].key.text(), "udp/53");
  EXPECT_EQ(s.top_ports(1).size(), 1u);
}

TEST(TrafficSummary, SourceRowsUseEnrichedSlots) {
  Tracked s;
  auto a = probe(1, 100, TrafficClass::kTcpSyn, 23);
  a.country = {'J', 'P'};
  a.asn = 2497;
  auto b = probe(2, 100, TrafficClass::kTcpSyn, 23);
  b.country = {'U', 'S'};
  b.asn = 398324;
  b.scanner_org = 3;
  s.add(a);
  s.add(a);
  s.add(b);
  s.add(probe(7, 100, TrafficClass::kTcpBackscatter, 80));  // unknown country, still a source row
  const auto countries = s.top_countries(10);
  ASSERT_EQ(countries.size(), 3u);
  EXPECT_EQ(countries[0].country, "JP");
  EXPECT_EQ(countries[0].packets, 2u);
  EXPECT_EQ(countries[0].sources, 1u);
  EXPECT_EQ(countries[1].country, "");  // tie at 1 packet: "" sorts before "US"
  EXPECT_EQ(countries[2].country, "US");
  const auto asns = s.top_asns(1);
  ASSERT_EQ(asns.size(), 1u);
  EXPECT_EQ(asns[0].asn, 2497u);
  EXPECT_EQ(s.research_packets(), 1u);
  const auto orgs = s.scanner_orgs();
  ASSERT_EQ(orgs.size(), 1u);
  EXPECT_EQ(orgs[0].org, 3);
  EXPECT_EQ(orgs[0].packets, 1u);
}

}  // namespace darkscope
