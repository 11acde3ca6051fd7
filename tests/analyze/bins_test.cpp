// Time-binned counters: bin boundaries, port charging (SPEC.md "Rankings"),
// unique sources, fingerprints and source-day rows, with values derived by hand.
#include "analyze/bins.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/time.hpp"

namespace darkscope {
namespace {

constexpr std::int64_t kDay0 = 1704067200;  // 2024-01-01 00:00:00 UTC

PacketRecord probe(std::int64_t ts_ns, std::uint32_t src, std::uint16_t port,
                   TrafficClass cls = TrafficClass::kTcpSyn) {
  PacketRecord r;
  r.ts_ns = ts_ns;
  r.wire_len = 60;
  r.src = IpAddress::v4(src);
  r.dst = IpAddress::v4(0x0A000001);
  r.ip_version = 4;
  r.protocol = cls == TrafficClass::kUdp ? kProtoUdp : kProtoTcp;
  r.dst_port = port;
  r.traffic_class = cls;
  r.observed = true;
  r.country = {'J', 'P'};
  r.asn = 2497;
  return r;
}

const BinCell* find(const BinFlush& f, std::int64_t width, std::int64_t start, BinDimension dim,
                    const std::string& key) {
  for (const BinCell& c : f.cells) {
    if (c.bin_s == width && c.start == start && c.dim == dim && c.key == key) return &c;
  }
  return nullptr;
}

std::size_t count_cells(const BinFlush& f, std::int64_t width, BinDimension dim) {
  return static_cast<std::size_t>(std::count_if(f.cells.begin(), f.cells.end(), [&](const BinCell& c) {
    return c.bin_s == width && c.dim == dim;
  }));
}

TEST(BinAggregator, FiveMinuteBoundaryIsExclusive) {
  BinAggregator agg;
  agg.add(probe((kDay0 + 299) * kNsPerSecond + 999'999'000, 0x01020304, 23));  // 00:04:59.999999
  agg.add(probe((kDay0 + 300) * kNsPerSecond, 0x01020304, 23));                // 00:05:00
  const BinFlush f = agg.flush();
  EXPECT_EQ(f.packets, 2u);
  const BinCell* a = find(f, kBin5m, kDay0, BinDimension::kTotal, "");
  const BinCell* b = find(f, kBin5m, kDay0 + 300, BinDimension::kTotal, "");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->packets, 1u);
  EXPECT_EQ(b->packets, 1u);
  EXPECT_EQ(a->bytes, 60u);
  EXPECT_EQ(count_cells(f, kBin5m, BinDimension::kTotal), 2u);
  const BinCell* h = find(f, kBin1h, kDay0, BinDimension::kTotal, "");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->packets, 2u);
  EXPECT_EQ(h->sources, 1u);  // one source in both 5-minute bins: counted once for the hour
  const BinCell* d = find(f, kBin1d, kDay0, BinDimension::kPort, "tcp/23");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->packets, 2u);
  EXPECT_TRUE(agg.empty());
  EXPECT_TRUE(agg.flush().cells.empty());
}

TEST(BinAggregator, PortRankingChargesOnlyProbes) {
  BinAggregator agg;
  const std::int64_t t = kDay0 * kNsPerSecond;
  agg.add(probe(t, 1, 23, TrafficClass::kTcpSyn));
  agg.add(probe(t, 1, 23, TrafficClass::kTcpOther));
  agg.add(probe(t, 2, 53, TrafficClass::kUdp));
  agg.add(probe(t, 3, 80, TrafficClass::kTcpBackscatter));  // not charged to tcp/80
  PacketRecord echo = probe(t, 4, 0, TrafficClass::kIcmpRequest);
  echo.protocol = kProtoIcmp;
  agg.add(echo);
  PacketRecord reply = probe(t, 5, 0, TrafficClass::kIcmpBackscatter);
  reply.protocol = kProtoIcmp;
  agg.add(reply);
  PacketRecord cut = probe(t, 0, 0, TrafficClass::kMalformed);
  cut.ip_version = 0;  // IP header cut short: no known source
  cut.src = IpAddress{};
  agg.add(cut);
  PacketRecord outside = probe(t, 6, 23);
  outside.observed = false;  // not stored at all
  agg.add(outside);

  const BinFlush f = agg.flush();
  EXPECT_EQ(f.packets, 7u);
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kTotal, "")->packets, 7u);
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kPort, "tcp/23")->packets, 2u);
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kPort, "udp/53")->packets, 1u);
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kPort, "icmp")->packets, 1u);
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kPort, "tcp/80"), nullptr);
  EXPECT_EQ(count_cells(f, kBin1d, BinDimension::kPort), 3u);
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kClass, "tcp-backscatter")->packets, 1u);
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kClass, "malformed")->packets, 1u);
  // Source rankings: every packet with a complete IP header (6 of the 7).
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kCountry, "JP")->packets, 6u);
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kAsn, "2497")->packets, 6u);
  EXPECT_EQ(find(f, kBin1h, kDay0, BinDimension::kTotal, "")->sources, 5u);
  EXPECT_EQ(find(f, kBin1h, kDay0, BinDimension::kPort, "tcp/23")->sources, 1u);
  EXPECT_EQ(f.sources.size(), 5u);
  // Source 1 sent tcp/23 twice, source 2 udp/53, source 4 icmp: three source-day-port rows.
  EXPECT_EQ(f.source_ports.size(), 3u);
}

TEST(BinAggregator, FingerprintsCountUnderEachFlagAndSourceDaysMerge) {
  BinAggregator agg([](std::uint16_t org) { return org == 7 ? std::string("Censys") : std::string(); });
  PacketRecord a = probe((kDay0 + 10) * kNsPerSecond, 9, 23);
  a.fingerprints = kFpMirai | kFpZmap;
  a.scanner_org = 7;
  PacketRecord b = probe((kDay0 + 4000) * kNsPerSecond, 9, 2323, TrafficClass::kTcpBackscatter);
  b.scanner_org = 7;
  PacketRecord c = probe((kDay0 + kBin1d + 5) * kNsPerSecond, 9, 23);  // next day
  agg.add(a);
  agg.add(b);
  agg.add(c);
  const BinFlush f = agg.flush();
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kFingerprint, "mirai")->packets, 1u);
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kFingerprint, "zmap")->packets, 1u);
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kFingerprint, "masscan"), nullptr);
  EXPECT_EQ(find(f, kBin1d, kDay0, BinDimension::kScanner, "Censys")->packets, 2u);
  EXPECT_EQ(find(f, kBin1d, kDay0 + kBin1d, BinDimension::kScanner, "Censys"), nullptr);
  ASSERT_EQ(f.sources.size(), 2u);  // one source, two days
  const SourceDay& d0 = f.sources[0].day == kDay0 ? f.sources[0] : f.sources[1];
  EXPECT_EQ(d0.packets, 2u);
  EXPECT_EQ(d0.bytes, 120u);
  EXPECT_EQ(d0.classes, (1u << static_cast<int>(TrafficClass::kTcpSyn)) |
                            (1u << static_cast<int>(TrafficClass::kTcpBackscatter)));
  EXPECT_EQ(d0.fingerprints, kFpMirai | kFpZmap);
  EXPECT_EQ(d0.first_ns, (kDay0 + 10) * kNsPerSecond);
  EXPECT_EQ(d0.last_ns, (kDay0 + 4000) * kNsPerSecond);
  EXPECT_EQ(d0.org, "Censys");
  EXPECT_EQ(std::string(d0.country.data(), 2), "JP");
}

TEST(BinAggregator, UnknownCountryAndNames) {
  EXPECT_EQ(country_key({0, 0}), "unknown");
  EXPECT_EQ(parse_bin_width("5m"), kBin5m);
  EXPECT_EQ(parse_bin_width("1d"), kBin1d);
  EXPECT_EQ(parse_bin_width("2h"), 0);
  BinDimension d{};
  EXPECT_TRUE(parse_bin_dimension("scanner", d));
  EXPECT_EQ(d, BinDimension::kScanner);
  EXPECT_FALSE(parse_bin_dimension("colour", d));
}

}  // namespace
}  // namespace darkscope
