// The store's byte forms: every encoder's output decodes to its input, damaged
// input is refused, and the set operations agree with std::set.
#include "store/codec.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace darkscope {
namespace {

SourceSet random_set(std::mt19937& rng, std::size_t n, std::uint32_t spread) {
  std::set<std::uint32_t> v4;
  while (v4.size() < n) v4.insert(static_cast<std::uint32_t>(rng() % spread) * 7u);
  SourceSet s;
  s.v4.assign(v4.begin(), v4.end());
  return s;
}

TEST(Codec, SourceSetsRoundTripAndUnite) {
  std::mt19937 rng(3);
  std::vector<SourceSet> sets;
  std::set<std::uint32_t> all4;
  for (int i = 0; i < 12; ++i) {
    sets.push_back(random_set(rng, 1000 + i * 300, i % 2 == 0 ? 50000u : 600000000u));
    all4.insert(sets.back().v4.begin(), sets.back().v4.end());
  }
  sets[3].v6 = {*IpAddress::parse("2001:db8::1"), *IpAddress::parse("2001:db8::9")};
  sets[5].v6 = {*IpAddress::parse("2001:db8::9")};
  sets[7].v4.push_back(0xffffffffu);  // the largest value
  all4.insert(0xffffffffu);
  for (const SourceSet& s : sets) {
    SourceSet back;
    ASSERT_TRUE(decode_source_set(encode_source_set(s.v4, s.v6), back));
    EXPECT_EQ(back, s);
  }
  EXPECT_EQ(union_size(sets), all4.size() + 2);
  SourceSet pairwise;
  for (const SourceSet& s : sets) unite(pairwise, s);
  std::vector<SourceSet> copy = sets;
  const SourceSet at_once = unite_all(copy);
  EXPECT_EQ(at_once, pairwise);
  EXPECT_EQ(at_once.v4, std::vector<std::uint32_t>(all4.begin(), all4.end()));
  EXPECT_EQ(at_once.v6.size(), 2u);
  const SourceSet both = intersect(sets[0], sets[2]);
  std::vector<std::uint32_t> expect;
  std::set_intersection(sets[0].v4.begin(), sets[0].v4.end(), sets[2].v4.begin(), sets[2].v4.end(),
                        std::back_inserter(expect));
  EXPECT_EQ(both.v4, expect);
  EXPECT_EQ(union_size(std::vector<SourceSet>{}), 0u);

  std::string bad = encode_source_set(sets[0].v4, sets[0].v6);
  bad.pop_back();
  SourceSet out;
  EXPECT_FALSE(decode_source_set(bad, out));
  EXPECT_FALSE(decode_source_set(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x00", 11), out));
}

TEST(Codec, SetBlocksFindEachKey) {
  SetBlockWriter w;
  const SourceSet a{{1, 2, 3}, {}};
  const SourceSet b{{10}, {}};
  w.add(5, encode_source_set(a.v4, a.v6));
  w.add(70000, encode_source_set(b.v4, b.v6));
  EXPECT_EQ(w.first_key(), 5u);
  EXPECT_EQ(w.last_key(), 70000u);
  const std::string block = w.finish();
  SourceSet out;
  ASSERT_TRUE(find_set(block, 5, out));
  EXPECT_EQ(out, a);
  ASSERT_TRUE(find_set(block, 70000, out));
  EXPECT_EQ(out, b);
  EXPECT_FALSE(find_set(block, 6, out));
  int n = 0;
  EXPECT_TRUE(for_each_set(block, [&](std::uint32_t, std::string_view) { ++n; }));
  EXPECT_EQ(n, 2);
  EXPECT_FALSE(for_each_set(block.substr(0, block.size() - 1), [](std::uint32_t, std::string_view) {}));
}

TEST(Codec, SourceRecordsRoundTrip) {
  const std::int64_t day = 1704067200;
  SourceRecordWriter w(day);
  SourceDay a;
  a.src = IpAddress::v4(0x0A000001);
  a.packets = 5;
  a.bytes = 300;
  a.classes = 1;
  a.fingerprints = kFpMirai;
  a.country = {'B', 'R'};
  a.asn = 28573;
  a.first_ns = day * 1'000'000'000LL + 5;
  a.last_ns = day * 1'000'000'000LL + 86'399'999'999'999LL;
  const std::vector<PortCount> ports = {{PortKey{kProtoIcmp, 0}.packed(), 1}, {PortKey{kProtoTcp, 23}.packed(), 4}};
  SourceDay b = a;
  b.src = *IpAddress::parse("2001:db8::5");
  b.country = {0, 0};
  w.add(a, ports, 7);
  w.add(b, {}, 0);
  std::vector<SourceRecord> out;
  ASSERT_TRUE(decode_source_records(w.finish(), day, out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].src, a.src);
  EXPECT_EQ(out[0].packets, 5u);
  EXPECT_EQ(out[0].bytes, 300u);
  EXPECT_EQ(out[0].fingerprints, kFpMirai);
  EXPECT_EQ(out[0].country, a.country);
  EXPECT_EQ(out[0].asn, 28573u);
  EXPECT_EQ(out[0].scanner, 7u);
  EXPECT_EQ(out[0].first_ns, a.first_ns);
  EXPECT_EQ(out[0].last_ns, a.last_ns);
  ASSERT_EQ(out[0].ports.size(), 2u);
  EXPECT_EQ(out[0].ports[1].port, (PortKey{kProtoTcp, 23}.packed()));
  EXPECT_EQ(out[0].ports[1].packets, 4u);
  EXPECT_EQ(out[1].src, b.src);
  EXPECT_TRUE(out[1].ports.empty());
  EXPECT_TRUE(w.empty());
}

TEST(Codec, ScansRoundTripWithTheirRate) {
  const std::int64_t day = 1581379200;
  const double scale = 4294967296.0 / 65536.0;
  ScanEvent e;
  e.source = IpAddress::v4(0xC6336407u);
  e.protocol = kProtoTcp;
  e.port = 23;
  e.start_ns = (day + 2000) * 1'000'000'000LL;
  e.end_ns = (day + 2099) * 1'000'000'000LL + 17;
  e.packets = 100;
  e.destinations = 100;
  e.estimated_pps = static_cast<double>(e.packets) * scale / rate_duration_seconds(e.start_ns, e.end_ns);
  e.internet_wide = true;
  e.fingerprints = kFpMirai;
  ScanEvent f = e;
  f.source = *IpAddress::parse("2001:db8::1");
  f.protocol = kProtoIcmp;
  f.port = 0;
  f.traffic_class = TrafficClass::kIcmpRequest;
  f.packets = 2;
  f.destinations = 131;
  f.destinations_exact = false;
  f.internet_wide = false;
  f.end_ns = f.start_ns;
  f.estimated_pps = 2.0 * scale / 1.0;
  std::vector<ScanEvent> out;
  ASSERT_TRUE(decode_scans(encode_scans({f, e}, day, scale), day, out));
  ASSERT_EQ(out.size(), 2u);
  const ScanEvent& x = out[0];  // IPv4 sources sort first
  EXPECT_EQ(x.source, e.source);
  EXPECT_EQ(x.start_ns, e.start_ns);
  EXPECT_EQ(x.end_ns, e.end_ns);
  EXPECT_EQ(x.packets, 100u);
  EXPECT_EQ(x.estimated_pps, e.estimated_pps);  // the same arithmetic: bit for bit
  EXPECT_TRUE(x.internet_wide);
  EXPECT_TRUE(x.destinations_exact);
  EXPECT_EQ(out[1].source, f.source);
  EXPECT_EQ(out[1].traffic_class, TrafficClass::kIcmpRequest);
  EXPECT_FALSE(out[1].destinations_exact);
  EXPECT_EQ(out[1].destinations, 131u);
  EXPECT_EQ(out[1].estimated_pps, f.estimated_pps);
  std::string bad = encode_scans({e}, day, scale);
  EXPECT_FALSE(decode_scans(bad.substr(0, bad.size() - 2), day, out));
}

}  // namespace
}  // namespace darkscope
