// Time-binned counters: bin boundaries, port charging (SPEC.md "Rankings"),
// unique sources per bin and per day, fingerprints, source-day records, late
// packets, with values derived by hand.
#include "analyze/bins.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "core/time.hpp"

namespace darkscope {
namespace {

constexpr std::int64_t kDay0 = 1704067200;  // 2024-01-01 00:00:00 UTC
constexpr std::int64_t kS = kNsPerSecond;

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

std::uint32_t port_key(std::uint8_t proto, std::uint16_t port) { return PortKey{proto, port}.packed(); }

/// The cell of (width, start, dim, key), or nullopt.
std::optional<BinCell> cell(const BinFlush& f, std::int64_t width, std::int64_t start, BinDimension dim,
                            std::uint32_t key) {
  for (const SubBin& b : f.sub_bins) {
    if (b.bin_s != width || b.start != start || b.dim != dim) continue;
    std::vector<BinCell> cells;
    EXPECT_TRUE(decode_cells(b.cells, cells));
    for (const BinCell& c : cells) {
      if (c.key == key) return c;
    }
  }
  return std::nullopt;
}

std::size_t sub_bins(const BinFlush& f, std::int64_t width, BinDimension dim) {
  return static_cast<std::size_t>(std::count_if(f.sub_bins.begin(), f.sub_bins.end(), [&](const SubBin& b) {
    return b.bin_s == width && b.dim == dim;
  }));
}

const DayBin* day_bin(const DayFlush& d, BinDimension dim, std::uint32_t key) {
  for (const DayBin& b : d.bins) {
    if (b.dim == dim && b.key == key) return &b;
  }
  return nullptr;
}

std::vector<std::uint32_t> members(const DayFlush& d, const DayBin& b) {
  return {d.v4_members.begin() + static_cast<std::ptrdiff_t>(b.v4_begin),
          d.v4_members.begin() + static_cast<std::ptrdiff_t>(b.v4_begin + b.v4_count)};
}

/// The day's first IPv4 source records are those of `by_source` (source -> ranking
/// port -> packets), in order, with their ports and packets; returns the pairs.
std::size_t expect_source_ports(const DayFlush& d,
                                const std::map<std::uint32_t, std::map<std::uint32_t, std::uint64_t>>& by_source) {
  std::size_t pairs = 0;
  std::size_t i = 0;
  for (const auto& [src, ports] : by_source) {
    const SourceDay& s = d.sources[i++];
    EXPECT_EQ(s.src, IpAddress::v4(src));
    EXPECT_EQ(s.ports_count, ports.size());
    if (s.src != IpAddress::v4(src) || s.ports_count != ports.size()) return pairs;
    std::uint64_t packets = 0;
    std::size_t j = s.ports_begin;
    for (const auto& [port, n] : ports) {
      EXPECT_EQ(d.ports[j].port, port);
      EXPECT_EQ(d.ports[j].packets, n);
      packets += n;
      ++j;
    }
    EXPECT_EQ(s.packets, packets);
    pairs += ports.size();
  }
  return pairs;
}

TEST(BinCells, EncodeDecodeMerge) {
  const std::vector<BinCell> a = {{1, 10, 600, 2}, {5, 1, 60, 1}, {0xffffffffu, 7, 70, 7}};
  const std::vector<BinCell> b = {{5, 2, 120, 2}, {9, 3, 30, 1}};
  std::vector<BinCell> back;
  ASSERT_TRUE(decode_cells(encode_cells(a), back));
  EXPECT_EQ(back, a);
  const auto m = merge_cells(a, b);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[1], (BinCell{5, 3, 180, 3}));
  EXPECT_EQ(m[2], (BinCell{9, 3, 30, 1}));
  std::string bad = encode_cells(a);
  bad.pop_back();
  EXPECT_FALSE(decode_cells(bad, back));
  EXPECT_FALSE(decode_cells(std::string("\x05", 1), back));
}

TEST(BinAggregator, FiveMinuteBoundaryIsExclusive) {
  BinAggregator agg;
  agg.add(probe((kDay0 + 299) * kS + 999'999'000, 0x01020304, 23));  // 00:04:59.999999
  agg.add(probe((kDay0 + 300) * kS, 0x01020304, 23));                // 00:05:00
  const BinFlush f = agg.flush();
  EXPECT_EQ(f.packets, 2u);
  const auto a = cell(f, kBin5m, kDay0, BinDimension::kTotal, 0);
  const auto b = cell(f, kBin5m, kDay0 + 300, BinDimension::kTotal, 0);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->packets, 1u);
  EXPECT_EQ(b->packets, 1u);
  EXPECT_EQ(a->bytes, 60u);
  EXPECT_EQ(sub_bins(f, kBin5m, BinDimension::kTotal), 2u);
  const auto h = cell(f, kBin1h, kDay0, BinDimension::kTotal, 0);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->packets, 2u);
  EXPECT_EQ(h->sources, 1u);  // one source in both 5-minute bins: counted once for the hour
  ASSERT_EQ(f.days.size(), 1u);
  const DayBin* d = day_bin(f.days[0], BinDimension::kPort, port_key(kProtoTcp, 23));
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->packets, 2u);
  EXPECT_EQ(d->sources(), 1u);
  EXPECT_TRUE(agg.empty());
  EXPECT_TRUE(agg.flush().sub_bins.empty());
}

TEST(BinAggregator, PortRankingChargesOnlyProbes) {
  BinAggregator agg;
  const std::int64_t t = kDay0 * kS;
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
  ASSERT_EQ(f.days.size(), 1u);
  const DayFlush& d = f.days[0];
  EXPECT_EQ(day_bin(d, BinDimension::kTotal, 0)->packets, 7u);
  EXPECT_EQ(day_bin(d, BinDimension::kTotal, 0)->sources(), 5u);
  EXPECT_EQ(day_bin(d, BinDimension::kPort, port_key(kProtoTcp, 23))->packets, 2u);
  EXPECT_EQ(day_bin(d, BinDimension::kPort, port_key(kProtoUdp, 53))->packets, 1u);
  EXPECT_EQ(day_bin(d, BinDimension::kPort, port_key(kProtoIcmp, 0))->packets, 1u);
  EXPECT_EQ(day_bin(d, BinDimension::kPort, port_key(kProtoTcp, 80)), nullptr);
  EXPECT_EQ(std::count_if(d.bins.begin(), d.bins.end(), [](const DayBin& b) { return b.dim == BinDimension::kPort; }), 3);
  EXPECT_EQ(day_bin(d, BinDimension::kClass, static_cast<std::uint32_t>(TrafficClass::kTcpBackscatter))->packets, 1u);
  const DayBin* malformed = day_bin(d, BinDimension::kClass, static_cast<std::uint32_t>(TrafficClass::kMalformed));
  ASSERT_NE(malformed, nullptr);
  EXPECT_EQ(malformed->packets, 1u);
  EXPECT_EQ(malformed->sources(), 0u);  // its source is not known
  // Source rankings: every packet with a complete IP header (6 of the 7).
  EXPECT_EQ(day_bin(d, BinDimension::kCountry, country_code({'J', 'P'}))->packets, 6u);
  EXPECT_EQ(day_bin(d, BinDimension::kAsn, 2497)->packets, 6u);
  EXPECT_EQ(day_bin(d, BinDimension::kAsn, 2497)->sources(), 5u);
  EXPECT_EQ(cell(f, kBin1h, kDay0, BinDimension::kTotal, 0)->sources, 5u);
  EXPECT_EQ(cell(f, kBin1h, kDay0, BinDimension::kTotal, 0)->packets, 7u);
  EXPECT_EQ(cell(f, kBin1h, kDay0, BinDimension::kPort, port_key(kProtoTcp, 23))->sources, 1u);
  EXPECT_EQ(cell(f, kBin5m, kDay0, BinDimension::kPort, port_key(kProtoTcp, 23))->packets, 2u);
  ASSERT_EQ(d.sources.size(), 5u);
  // Source 1 sent tcp/23 twice (two classes), source 2 udp/53, source 4 icmp.
  EXPECT_EQ(d.sources[0].src, IpAddress::v4(1));
  ASSERT_EQ(d.sources[0].ports_count, 1u);
  EXPECT_EQ(d.ports[d.sources[0].ports_begin].port, port_key(kProtoTcp, 23));
  EXPECT_EQ(d.ports[d.sources[0].ports_begin].packets, 2u);
  EXPECT_EQ(d.sources[2].ports_count, 0u);  // source 3: backscatter only
  EXPECT_EQ(d.ports.size(), 3u);
  // Research scanning excluded: no organisation here, so the same port packets.
  EXPECT_EQ(day_bin(d, BinDimension::kPortExcludingResearch, port_key(kProtoTcp, 23))->packets, 2u);
}

TEST(BinAggregator, FingerprintsCountUnderEachFlagAndSourceDaysMerge) {
  BinAggregator agg([](std::uint16_t org) { return org == 7 ? std::string("Censys") : std::string(); });
  PacketRecord a = probe((kDay0 + 10) * kS, 9, 23);
  a.fingerprints = kFpMirai | kFpZmap;
  a.scanner_org = 7;
  PacketRecord b = probe((kDay0 + 4000) * kS, 9, 2323, TrafficClass::kTcpBackscatter);
  b.scanner_org = 7;
  PacketRecord c = probe((kDay0 + kBin1d + 5) * kS, 9, 23);  // next day
  PacketRecord m = probe((kDay0 + 20) * kS, 10, 23);
  m.fingerprints = kFpMirai;
  m.country = {'B', 'R'};
  agg.add(a);
  agg.add(m);
  agg.add(b);
  agg.add(c);
  const BinFlush f = agg.flush();
  ASSERT_EQ(f.days.size(), 2u);
  const DayFlush& d0 = f.days[0];
  EXPECT_EQ(d0.day, kDay0);
  EXPECT_EQ(day_bin(d0, BinDimension::kFingerprint, 0)->packets, 2u);  // mirai
  EXPECT_EQ(day_bin(d0, BinDimension::kFingerprint, 0)->sources(), 2u);
  EXPECT_EQ(day_bin(d0, BinDimension::kFingerprint, 1)->packets, 1u);  // zmap
  EXPECT_EQ(day_bin(d0, BinDimension::kFingerprint, 2), nullptr);      // masscan
  EXPECT_EQ(day_bin(d0, BinDimension::kScanner, 7)->packets, 2u);
  EXPECT_EQ(f.org_name(7), "Censys");
  EXPECT_EQ(day_bin(f.days[1], BinDimension::kScanner, 7), nullptr);
  // Mirai packets by country: per packet.
  EXPECT_EQ(day_bin(d0, BinDimension::kMiraiCountry, country_code({'J', 'P'}))->packets, 1u);
  EXPECT_EQ(day_bin(d0, BinDimension::kMiraiCountry, country_code({'B', 'R'}))->packets, 1u);
  // Port packets of sources of no organisation: source 10 only.
  EXPECT_EQ(day_bin(d0, BinDimension::kPortExcludingResearch, port_key(kProtoTcp, 23))->packets, 1u);
  EXPECT_EQ(day_bin(d0, BinDimension::kPort, port_key(kProtoTcp, 23))->packets, 2u);
  const SourceDay& s = d0.sources[0];
  EXPECT_EQ(s.src, IpAddress::v4(9));
  EXPECT_EQ(s.packets, 2u);
  EXPECT_EQ(s.bytes, 120u);
  EXPECT_EQ(s.classes, (1u << static_cast<int>(TrafficClass::kTcpSyn)) |
                           (1u << static_cast<int>(TrafficClass::kTcpBackscatter)));
  EXPECT_EQ(s.fingerprints, kFpMirai | kFpZmap);
  EXPECT_EQ(s.first_ns, (kDay0 + 10) * kS);
  EXPECT_EQ(s.last_ns, (kDay0 + 4000) * kS);
  EXPECT_EQ(s.scanner_org, 7);
  EXPECT_EQ(std::string(s.country.data(), 2), "JP");
  // Sub-day: the fingerprint's sources are per bin.
  EXPECT_EQ(cell(f, kBin5m, kDay0, BinDimension::kFingerprint, 0)->sources, 2u);
  EXPECT_EQ(cell(f, kBin1h, kDay0 + 3600, BinDimension::kScanner, 7)->packets, 1u);
}

TEST(BinAggregator, SubDaySourcesCountEachSourceOncePerKeyAndBin) {
  BinAggregator agg;
  // Source 1 sends three SYNs to tcp/23 in one 5-minute bin, then one in the next
  // bin of the same hour; source 2 sends tcp/23 and tcp/80 in the first bin.
  agg.add(probe((kDay0 + 1) * kS, 1, 23));
  agg.add(probe((kDay0 + 2) * kS, 1, 23));
  agg.add(probe((kDay0 + 3) * kS, 2, 23));
  agg.add(probe((kDay0 + 4) * kS, 2, 80));
  agg.add(probe((kDay0 + 5) * kS, 1, 23));
  agg.add(probe((kDay0 + 301) * kS, 1, 23));
  const BinFlush f = agg.flush();
  EXPECT_EQ(cell(f, kBin5m, kDay0, BinDimension::kPort, port_key(kProtoTcp, 23))->packets, 4u);
  EXPECT_EQ(cell(f, kBin5m, kDay0, BinDimension::kPort, port_key(kProtoTcp, 23))->sources, 2u);
  EXPECT_EQ(cell(f, kBin5m, kDay0 + 300, BinDimension::kPort, port_key(kProtoTcp, 23))->sources, 1u);
  EXPECT_EQ(cell(f, kBin1h, kDay0, BinDimension::kPort, port_key(kProtoTcp, 23))->sources, 2u);
  EXPECT_EQ(cell(f, kBin1h, kDay0, BinDimension::kPort, port_key(kProtoTcp, 23))->packets, 5u);
  EXPECT_EQ(cell(f, kBin5m, kDay0, BinDimension::kTotal, 0)->sources, 2u);
  EXPECT_EQ(cell(f, kBin1h, kDay0, BinDimension::kTotal, 0)->sources, 2u);
  EXPECT_EQ(cell(f, kBin1h, kDay0, BinDimension::kClass, 0)->sources, 2u);
  EXPECT_EQ(cell(f, kBin5m, kDay0 + 300, BinDimension::kCountry, country_code({'J', 'P'}))->sources, 1u);
}

TEST(BinAggregator, LatePacketsCountInTheirOwnBins) {
  BinAggregator agg;
  agg.add(probe((kDay0 + 3600 + 10) * kS, 1, 23));  // 01:00:10
  agg.add(probe((kDay0 + 7200 + 10) * kS, 2, 23));  // 02:00:10: closes hour 1
  agg.add(probe((kDay0 + 3600 + 20) * kS, 3, 23));  // late: 01:00:20
  agg.add(probe((kDay0 + 7200 + 310) * kS, 2, 23)); // 02:05:10
  agg.add(probe((kDay0 + 7200 + 20) * kS, 4, 23));  // late within the open hour
  agg.add(probe((kDay0 - 10) * kS, 5, 23));         // the day before
  const BinFlush f = agg.flush();
  EXPECT_EQ(f.packets, 6u);
  EXPECT_EQ(cell(f, kBin5m, kDay0 + 3600, BinDimension::kTotal, 0)->packets, 2u);
  EXPECT_EQ(cell(f, kBin5m, kDay0 + 3600, BinDimension::kTotal, 0)->sources, 2u);
  EXPECT_EQ(cell(f, kBin1h, kDay0 + 3600, BinDimension::kTotal, 0)->packets, 2u);
  EXPECT_EQ(cell(f, kBin5m, kDay0 + 7200, BinDimension::kTotal, 0)->packets, 2u);
  EXPECT_EQ(cell(f, kBin1h, kDay0 + 7200, BinDimension::kTotal, 0)->packets, 3u);
  EXPECT_EQ(cell(f, kBin1h, kDay0 + 7200, BinDimension::kTotal, 0)->sources, 2u);
  ASSERT_EQ(f.days.size(), 2u);
  EXPECT_EQ(f.days[0].day, kDay0 - kBin1d);
  EXPECT_EQ(day_bin(f.days[0], BinDimension::kTotal, 0)->packets, 1u);
  EXPECT_EQ(day_bin(f.days[1], BinDimension::kTotal, 0)->packets, 5u);
  EXPECT_EQ(day_bin(f.days[1], BinDimension::kTotal, 0)->sources(), 4u);
  // One sub-bin per (width, start, dimension), in order.
  std::set<std::tuple<std::int64_t, int, std::int64_t>> seen;
  for (const SubBin& b : f.sub_bins) {
    EXPECT_TRUE(seen.emplace(b.bin_s, static_cast<int>(b.dim), b.start).second);
  }
}

TEST(BinAggregator, DailySetsAreExactForManySourcesAndIpv6) {
  BinAggregator agg;
  std::mt19937 rng(5);
  std::map<std::uint32_t, std::set<std::uint32_t>> by_port;
  std::map<std::uint32_t, std::map<std::uint32_t, std::uint64_t>> by_source;
  std::vector<PacketRecord> rs;
  for (int i = 0; i < 20000; ++i) {
    const std::uint32_t src = 0x0B000000u + rng() % 3000;
    const std::uint16_t port = static_cast<std::uint16_t>(rng() % 40);
    rs.push_back(probe((kDay0 + i) * kS, src, port));
    by_port[port_key(kProtoTcp, port)].insert(src);
    ++by_source[src][port_key(kProtoTcp, port)];
  }
  PacketRecord v6 = probe((kDay0 + 30000) * kS, 0, 23);
  v6.src = *IpAddress::parse("2001:db8::7");
  v6.ip_version = 6;
  rs.push_back(v6);
  for (const auto& r : rs) agg.add(r);
  const BinFlush f = agg.flush();
  ASSERT_EQ(f.days.size(), 1u);
  const DayFlush& d = f.days[0];
  for (const auto& [port, srcs] : by_port) {
    const DayBin* b = day_bin(d, BinDimension::kPort, port);
    ASSERT_NE(b, nullptr);
    const auto m = members(d, *b);
    EXPECT_EQ(std::vector<std::uint32_t>(srcs.begin(), srcs.end()), m) << port;
  }
  const DayBin* p23 = day_bin(d, BinDimension::kPort, port_key(kProtoTcp, 23));
  EXPECT_EQ(p23->v6_count, 1u);
  EXPECT_EQ(d.v6_members[p23->v6_begin], v6.src);
  ASSERT_EQ(d.sources.size(), by_source.size() + 1);
  EXPECT_EQ(d.sources.back().src, v6.src);  // IPv6 after IPv4
  expect_source_ports(d, by_source);
  EXPECT_EQ(day_bin(d, BinDimension::kTotal, 0)->sources(), by_source.size() + 1);
}

TEST(BinAggregator, TablesThatGrowInPlaceKeepEveryEntry) {
  // Enough sources and (source, port) pairs that both tables double in place past
  // the size where they are mapped (2 MB: 32k source slots, 256k pair slots), with
  // repeats so that entries found again after each doubling add up.
  BinAggregator agg;
  std::mt19937 rng(3);
  std::map<std::uint32_t, std::map<std::uint32_t, std::uint64_t>> by_source;
  for (int i = 0; i < 600000; ++i) {
    const std::uint32_t src = 0x0D000000u + (rng() % 40000) * 7919u;
    const std::uint16_t port = static_cast<std::uint16_t>(rng() % 20);
    agg.add(probe((kDay0 + i / 10) * kS, src, port));
    ++by_source[src][port_key(kProtoTcp, port)];
  }
  const BinFlush f = agg.flush();
  ASSERT_EQ(f.days.size(), 1u);
  const DayFlush& d = f.days[0];
  ASSERT_EQ(d.sources.size(), by_source.size());
  const std::size_t pairs = expect_source_ports(d, by_source);
  EXPECT_GT(by_source.size(), 32768u);
  EXPECT_GT(pairs, 262144u * 3 / 4);
}

TEST(BinAggregator, PairCountsPastTheirInlineLimit) {
  BinAggregator agg;
  for (int i = 0; i < 1000; ++i) agg.add(probe((kDay0 + i) * kS, 1, 23));
  const BinFlush f = agg.flush();
  const DayFlush& d = f.days[0];
  ASSERT_EQ(d.ports.size(), 1u);
  EXPECT_EQ(d.ports[0].packets, 1000u);
}

TEST(BinAggregator, PairCountsOfEveryLengthAroundTheInlineLimit) {
  // Source n sends n packets to one port, interleaved with the others.
  BinAggregator agg;
  constexpr std::uint32_t kMax = 60;
  for (std::uint32_t i = 0; i < kMax; ++i) {
    for (std::uint32_t n = i + 1; n <= kMax; ++n) agg.add(probe((kDay0 + i) * kS, n, 23));
  }
  const BinFlush f = agg.flush();
  const DayFlush& d = f.days[0];
  ASSERT_EQ(d.sources.size(), kMax);
  for (const SourceDay& s : d.sources) {
    ASSERT_EQ(s.ports_count, 1u);
    EXPECT_EQ(d.ports[s.ports_begin].packets, s.src.v4_value()) << s.src.v4_value();
    EXPECT_EQ(s.packets, s.src.v4_value());
  }
}

/// Everything a flush holds, as comparable values.
void expect_same_flush(const BinFlush& a, const BinFlush& b) {
  EXPECT_EQ(a.packets, b.packets);
  ASSERT_EQ(a.sub_bins.size(), b.sub_bins.size());
  for (std::size_t i = 0; i < a.sub_bins.size(); ++i) {
    EXPECT_EQ(std::tie(a.sub_bins[i].bin_s, a.sub_bins[i].start, a.sub_bins[i].dim, a.sub_bins[i].cells),
              std::tie(b.sub_bins[i].bin_s, b.sub_bins[i].start, b.sub_bins[i].dim, b.sub_bins[i].cells))
        << i;
  }
  ASSERT_EQ(a.days.size(), b.days.size());
  for (std::size_t i = 0; i < a.days.size(); ++i) {
    const DayFlush& x = a.days[i];
    const DayFlush& y = b.days[i];
    EXPECT_EQ(x.day, y.day);
    ASSERT_EQ(x.bins.size(), y.bins.size());
    for (std::size_t j = 0; j < x.bins.size(); ++j) {
      EXPECT_EQ(std::tie(x.bins[j].dim, x.bins[j].key, x.bins[j].packets, x.bins[j].bytes, x.bins[j].v4_begin,
                         x.bins[j].v4_count, x.bins[j].v6_begin, x.bins[j].v6_count),
                std::tie(y.bins[j].dim, y.bins[j].key, y.bins[j].packets, y.bins[j].bytes, y.bins[j].v4_begin,
                         y.bins[j].v4_count, y.bins[j].v6_begin, y.bins[j].v6_count))
          << j;
    }
    ASSERT_EQ(x.sources.size(), y.sources.size());
    for (std::size_t j = 0; j < x.sources.size(); ++j) {
      const SourceDay& s = x.sources[j];
      const SourceDay& t = y.sources[j];
      EXPECT_EQ(std::tie(s.src, s.packets, s.classes, s.fingerprints, s.country, s.asn, s.scanner_org),
                std::tie(t.src, t.packets, t.classes, t.fingerprints, t.country, t.asn, t.scanner_org))
          << j;
    }
    EXPECT_EQ(x.v4_members, y.v4_members);
    EXPECT_EQ(x.v6_members, y.v6_members);
  }
}

TEST(BinAggregator, ResolverGivesEachSourceItsSlotsOncePerDay) {
  // What enrichment would say of a source: unknown and odd countries, AS numbers
  // past the dense slots, organisations past the dense ones, none for most.
  auto slots_of = [](const IpAddress& a) {
    const std::uint32_t h = a.is_v4() ? a.v4_value() * 2654435761u : a.bytes[15] * 40503u + 7u;
    SourceSlots s;
    if (h % 7 != 0) s.country = {static_cast<char>('A' + h % 26), static_cast<char>(h % 5 == 0 ? 'z' : 'A' + (h >> 8) % 26)};
    s.asn = h % 11 == 0 ? 0 : 1 + (h >> 4) % 200000;
    s.scanner_org = h % 5 == 0 ? static_cast<std::uint16_t>(1 + (h >> 12) % 300) : 0;
    return s;
  };
  BinAggregator enriched;  // the records carry their slots
  BinAggregator resolved;  // they do not: the resolver gives them
  std::set<std::pair<std::int64_t, IpAddress>> source_days;
  std::size_t calls = 0;
  resolved.set_source_resolver([&](const IpAddress& a) {
    ++calls;
    return slots_of(a);
  });
  std::mt19937 rng(11);
  for (int i = 0; i < 60000; ++i) {
    // Three days, out of order now and then; IPv4 and a few IPv6 sources.
    const std::int64_t t = kDay0 + i * 4 - (rng() % 50 == 0 ? 900 : 0);
    PacketRecord r = probe(t * kS, 0x0C000000u + rng() % 5000, static_cast<std::uint16_t>(rng() % 30),
                           rng() % 4 == 0 ? TrafficClass::kUdp : TrafficClass::kTcpSyn);
    if (rng() % 100 == 0) {
      r.src = *IpAddress::parse("2001:db8::" + std::to_string(1 + rng() % 20));
      r.ip_version = 6;
    }
    r.fingerprints = rng() % 3 == 0 ? kFpMirai : 0;
    const SourceSlots s = slots_of(r.src);
    r.country = s.country;
    r.asn = s.asn;
    r.scanner_org = s.scanner_org;
    enriched.add(r);
    source_days.emplace(floor_to(r.ts_ns, kNsPerDay), r.src);
    r.country = {};
    r.asn = 0;
    r.scanner_org = 0;
    resolved.add(r);
  }
  const BinFlush a = enriched.flush();
  const BinFlush b = resolved.flush();
  ASSERT_EQ(a.days.size(), 4u);  // the day before the first, through the third
  expect_same_flush(a, b);
  EXPECT_EQ(calls, source_days.size());
  // The slots took every path: organisations, AS numbers and odd countries.
  auto bins_of = [&](BinDimension dim) {
    return std::count_if(b.days[1].bins.begin(), b.days[1].bins.end(), [&](const DayBin& x) { return x.dim == dim; });
  };
  EXPECT_GT(bins_of(BinDimension::kScanner), 100);
  EXPECT_GT(bins_of(BinDimension::kAsn), 1000);
  EXPECT_NE(day_bin(b.days[1], BinDimension::kCountry, 0), nullptr);
  EXPECT_GT(bins_of(BinDimension::kCountry), 26);
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
  EXPECT_EQ(bin_key_text(BinDimension::kPort, port_key(kProtoUdp, 53)), "udp/53");
  EXPECT_EQ(bin_key_text(BinDimension::kCountry, 0), "unknown");
  EXPECT_EQ(bin_key_text(BinDimension::kClass, 3), "udp");
  std::uint32_t key = 0;
  EXPECT_TRUE(parse_bin_key(BinDimension::kFingerprint, "zmap", key));
  EXPECT_EQ(key, 1u);
  EXPECT_TRUE(parse_bin_key(BinDimension::kCountry, "JP", key));
  EXPECT_EQ(key, country_code({'J', 'P'}));
  EXPECT_FALSE(parse_bin_key(BinDimension::kAsn, "AS12", key));
  EXPECT_FALSE(parse_bin_key(BinDimension::kPort, "tcp/x", key));
}

}  // namespace
}  // namespace darkscope
