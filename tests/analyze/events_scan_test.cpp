#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "analyze/scan_detector.hpp"
#include "core/prefix.hpp"
#include "events_support.hpp"

namespace darkscope {
namespace {

using events_test::kT0;
using events_test::probe;
using events_test::v4;

struct Collected {
  std::vector<ScanEvent> events;
  ScanDetector::EventCallback sink() {
    return [this](const ScanEvent& e) { events.push_back(e); };
  }
};

// A /8 darknet scales rates by 2^32 / 2^24 = 256.
double slash8() { return PrefixSet::parse_list("10.0.0.0/8").ipv4_size(); }

// 100 distinct destinations, one packet every `spacing` seconds.
void sweep_100(ScanDetector& d, double spacing, int destinations = 100) {
  for (int i = 0; i < destinations; ++i) {
    d.on_packet(probe(kT0, i * spacing, "198.51.100.7",
                      IpAddress::v4(0x0A000000u + static_cast<std::uint32_t>(i) * 97), 23));
  }
}

TEST(EventsScan, InternetWideJustAboveRateThreshold) {
  Collected c;
  ScanDetector d(ScanOptions{}, slash8(), c.sink());
  // 100 packets over 99 * 25 = 2475 s: 100 * 256 / 2475 = 10.343 pps >= 10.
  sweep_100(d, 25.0);
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  const ScanEvent& e = c.events[0];
  EXPECT_EQ(e.source, v4("198.51.100.7"));
  EXPECT_EQ(e.protocol, kProtoTcp);
  EXPECT_EQ(e.port, 23);
  EXPECT_EQ(e.traffic_class, TrafficClass::kTcpSyn);
  EXPECT_EQ(e.start_ns, kT0);
  EXPECT_EQ(e.end_ns, kT0 + 2475 * kNsPerSecond);
  EXPECT_EQ(e.packets, 100u);
  EXPECT_EQ(e.destinations, 100u);
  EXPECT_TRUE(e.destinations_exact);
  EXPECT_DOUBLE_EQ(e.estimated_pps, 100.0 * 256.0 / 2475.0);
  EXPECT_TRUE(e.internet_wide);
}

TEST(EventsScan, NotInternetWideJustBelowRateThreshold) {
  Collected c;
  ScanDetector d(ScanOptions{}, slash8(), c.sink());
  // 100 packets over 99 * 26 = 2574 s: 100 * 256 / 2574 = 9.946 pps < 10.
  sweep_100(d, 26.0);
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].destinations, 100u);
  EXPECT_DOUBLE_EQ(c.events[0].estimated_pps, 100.0 * 256.0 / 2574.0);
  EXPECT_FALSE(c.events[0].internet_wide);
}

TEST(EventsScan, NotInternetWideJustBelowDestinationThreshold) {
  Collected c;
  ScanDetector d(ScanOptions{}, slash8(), c.sink());
  sweep_100(d, 1.0, 99);  // fast, but 99 destinations
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].destinations, 99u);
  EXPECT_DOUBLE_EQ(c.events[0].estimated_pps, 99.0 * 256.0 / 98.0);
  EXPECT_FALSE(c.events[0].internet_wide);
}

TEST(EventsScan, ThresholdsAreConfigurable) {
  Collected c;
  ScanOptions o;
  o.internet_wide_destinations = 99;
  o.internet_wide_pps = 9.9;
  ScanDetector d(o, slash8(), c.sink());
  sweep_100(d, 1.0, 99);
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_TRUE(c.events[0].internet_wide);
}

TEST(EventsScan, IdleGapSplitsScanInTwo) {
  Collected c;
  ScanDetector d(ScanOptions{}, slash8(), c.sink());
  const IpAddress dst = v4("10.1.2.3");
  d.on_packet(probe(kT0, 0, "203.0.113.9", dst, 80));
  d.on_packet(probe(kT0, 10, "203.0.113.9", dst, 80));
  d.on_packet(probe(kT0, 610, "203.0.113.9", dst, 80));  // exactly 600 s idle: same scan
  d.on_packet(probe(kT0, 1210.5, "203.0.113.9", dst, 80));  // 600.5 s idle: a new scan
  d.on_packet(probe(kT0, 1211, "203.0.113.9", v4("10.1.2.4"), 80));
  d.flush();
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0].start_ns, kT0);
  EXPECT_EQ(c.events[0].end_ns, kT0 + 610 * kNsPerSecond);
  EXPECT_EQ(c.events[0].packets, 3u);
  EXPECT_EQ(c.events[0].destinations, 1u);
  EXPECT_EQ(c.events[1].start_ns, kT0 + 1210 * kNsPerSecond + kNsPerSecond / 2);
  EXPECT_EQ(c.events[1].end_ns, kT0 + 1211 * kNsPerSecond);
  EXPECT_EQ(c.events[1].packets, 2u);
  EXPECT_EQ(c.events[1].destinations, 2u);
  // 0.5 s duration counts as the 1 s floor.
  EXPECT_DOUBLE_EQ(c.events[1].estimated_pps, 2.0 * 256.0);
}

TEST(EventsScan, IdleTimeoutIsConfigurable) {
  Collected c;
  ScanOptions o;
  o.idle_timeout_ns = 60 * kNsPerSecond;
  ScanDetector d(o, slash8(), c.sink());
  d.on_packet(probe(kT0, 0, "203.0.113.9", v4("10.1.2.3"), 80));
  d.on_packet(probe(kT0, 61, "203.0.113.9", v4("10.1.2.3"), 80));
  d.flush();
  EXPECT_EQ(c.events.size(), 2u);
}

TEST(EventsScan, SinglePacketScanUsesOneSecond) {
  Collected c;
  // A /24: 2^32 / 256 = 16777216.
  ScanDetector d(ScanOptions{}, PrefixSet::parse_list("192.0.2.0/24").ipv4_size(), c.sink());
  d.on_packet(probe(kT0, 0, "203.0.113.9", v4("192.0.2.1"), 445));
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].start_ns, c.events[0].end_ns);
  EXPECT_DOUBLE_EQ(c.events[0].estimated_pps, 16777216.0);
  EXPECT_FALSE(c.events[0].internet_wide);  // one destination
}

TEST(EventsScan, KeysAreSourcePortAndClassAndOnlyProbesCount) {
  Collected c;
  ScanDetector d(ScanOptions{}, slash8(), c.sink());
  const IpAddress dst = v4("10.9.9.9");
  d.on_packet(probe(kT0, 0, "203.0.113.9", dst, 23, TrafficClass::kTcpSyn));
  d.on_packet(probe(kT0, 1, "203.0.113.9", dst, 2323, TrafficClass::kTcpSyn));
  d.on_packet(probe(kT0, 2, "203.0.113.9", dst, 23, TrafficClass::kUdp));
  d.on_packet(probe(kT0, 3, "203.0.113.9", dst, 23, TrafficClass::kTcpOther));
  d.on_packet(probe(kT0, 4, "203.0.113.9", dst, 7, TrafficClass::kIcmpRequest));
  d.on_packet(probe(kT0, 5, "203.0.113.9", dst, 23, TrafficClass::kTcpBackscatter));
  d.on_packet(probe(kT0, 6, "203.0.113.9", dst, 23, TrafficClass::kIcmpBackscatter));
  d.on_packet(probe(kT0, 7, "203.0.113.9", dst, 23, TrafficClass::kMalformed));
  auto outside = probe(kT0, 8, "203.0.113.9", v4("11.0.0.1"), 23);
  outside.observed = false;
  d.on_packet(outside);
  d.flush();
  ASSERT_EQ(c.events.size(), 5u);
  int icmp = 0;
  for (const auto& e : c.events) {
    EXPECT_EQ(e.packets, 1u);
    if (e.protocol == kProtoIcmp) {
      ++icmp;
      EXPECT_EQ(e.port, 0);
      EXPECT_EQ(e.traffic_class, TrafficClass::kIcmpRequest);
    }
  }
  EXPECT_EQ(icmp, 1);
}

TEST(EventsScan, RepeatedDestinationsCountOnce) {
  Collected c;
  ScanDetector d(ScanOptions{}, slash8(), c.sink());
  for (int round = 0; round < 3; ++round) {
    for (std::uint32_t i = 0; i < 130; ++i) {
      d.on_packet(probe(kT0, round * 200 + i, "203.0.113.9", IpAddress::v4(0x0A000000u + i), 22));
    }
  }
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].packets, 390u);
  EXPECT_EQ(c.events[0].destinations, 130u);  // the exact limit
  EXPECT_TRUE(c.events[0].destinations_exact);
}

TEST(EventsScan, ManyDestinationsAreEstimatedWithinSketchError) {
  Collected c;
  ScanDetector d(ScanOptions{}, slash8(), c.sink());
  for (std::uint32_t i = 0; i < 20000; ++i) {
    d.on_packet(probe(kT0, i * 0.01, "203.0.113.9", IpAddress::v4(0x0A000000u + i * 613), 22));
  }
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_FALSE(c.events[0].destinations_exact);
  // HyperLogLog with 512 registers: standard error 4.6%; allow 4 of them.
  EXPECT_NEAR(static_cast<double>(c.events[0].destinations), 20000.0, 20000.0 * 0.184);
  EXPECT_TRUE(c.events[0].internet_wide);
}

TEST(EventsScan, SketchNeverReportsFewerThanSeenExactly) {
  Collected c;
  ScanDetector d(ScanOptions{}, slash8(), c.sink());
  for (std::uint32_t i = 0; i < 131; ++i) {
    d.on_packet(probe(kT0, i, "203.0.113.9", IpAddress::v4(0x0A000000u + i), 22));
  }
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_FALSE(c.events[0].destinations_exact);
  EXPECT_GE(c.events[0].destinations, 131u);
}

// Every address of a 512-address darknet: the sketch alone says 547 (within its
// error, above what the darknet holds); the event says at most 512.
TEST(EventsScan, EstimateNeverExceedsTheDarknetsAddresses) {
  const PrefixSet darknet = PrefixSet::parse_list("198.51.100.0/24,203.0.113.0/24");
  std::vector<IpAddress> all;
  for (std::uint32_t i = 0; i < 256; ++i) {
    all.push_back(IpAddress::v4(0xC6336400u + i));  // 198.51.100.i
    all.push_back(IpAddress::v4(0xCB007100u + i));  // 203.0.113.i
  }
  DistinctPool pool;
  DistinctCounter raw;
  for (const IpAddress& a : all) raw.insert(distinct_value(a), pool);
  ASSERT_GT(raw.value(pool), 512u) << "the sketch no longer overestimates here: pick another darknet";
  raw.release(pool);

  Collected c;
  ScanDetector d(ScanOptions{}, darknet.ipv4_size(), c.sink());
  for (std::size_t i = 0; i < all.size(); ++i) {
    d.on_packet(probe(kT0, static_cast<double>(i) * 0.5, "203.0.113.9", all[i], 23));
  }
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_FALSE(c.events[0].destinations_exact);
  EXPECT_EQ(c.events[0].destinations, 512u);
}

TEST(EventsScan, AdvanceWithWallClockEndsIdleScans) {
  Collected c;
  ScanDetector d(ScanOptions{}, slash8(), c.sink());
  d.on_packet(probe(kT0, 0, "203.0.113.9", v4("10.0.0.1"), 22));
  d.advance(kT0 + 600 * kNsPerSecond);
  EXPECT_EQ(c.events.size(), 0u);
  EXPECT_EQ(d.active(), 1u);
  d.advance(kT0 + 601 * kNsPerSecond);
  EXPECT_EQ(c.events.size(), 1u);
  EXPECT_EQ(d.active(), 0u);
}

TEST(EventsScan, MinPacketsSuppressesShortScans) {
  Collected c;
  ScanOptions o;
  o.min_packets = 2;
  ScanDetector d(o, slash8(), c.sink());
  d.on_packet(probe(kT0, 0, "203.0.113.9", v4("10.0.0.1"), 22));
  d.on_packet(probe(kT0, 0, "203.0.113.10", v4("10.0.0.1"), 22));
  d.on_packet(probe(kT0, 1, "203.0.113.10", v4("10.0.0.2"), 22));
  d.flush();
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].source, v4("203.0.113.10"));
  EXPECT_EQ(d.suppressed(), 1u);
}

TEST(EventsScan, FullTableEndsOldestScansAndLosesNoPacket) {
  Collected c;
  ScanOptions o;
  o.max_active = 1000;
  ScanDetector d(o, slash8(), c.sink());
  for (std::uint32_t i = 0; i < 5000; ++i) {
    PacketRecord r = probe(kT0, i * 0.1, "203.0.113.9", v4("10.0.0.1"), 22);
    r.src = IpAddress::v4(0xC6000000u + i);
    d.on_packet(r);
    ASSERT_LE(d.active(), 1000u);
  }
  EXPECT_GT(d.ended_early(), 0u);
  d.flush();
  std::uint64_t packets = 0;
  for (const auto& e : c.events) packets += e.packets;
  EXPECT_EQ(packets, 5000u);
  EXPECT_EQ(c.events.size(), 5000u);
}

TEST(EventsScan, CounterBlocksStayWithinTheirBound) {
  Collected c;
  ScanOptions o;
  o.max_blocks = 10;
  ScanDetector d(o, slash8(), c.sink());
  // 100 sources, each to 5 destinations (a block each past the 2 inline), interleaved.
  for (std::uint32_t round = 0; round < 5; ++round) {
    for (std::uint32_t s = 0; s < 100; ++s) {
      PacketRecord r = probe(kT0, round * 100 + s * 0.5, "203.0.113.9",
                             IpAddress::v4(0x0A000000u + round), 22);
      r.src = IpAddress::v4(0xC6000000u + s);
      d.on_packet(r);
      ASSERT_LE(d.blocks_in_use(), 10u);
    }
  }
  d.flush();
  std::uint64_t packets = 0;
  for (const auto& e : c.events) packets += e.packets;
  EXPECT_EQ(packets, 500u);
  EXPECT_GT(d.ended_early(), 0u);
  EXPECT_EQ(d.blocks_in_use(), 0u);
}

/// An entry of a test table: its key and a value that must survive moves.
struct TestEntry {
  std::uint64_t k = 0;
  std::uint64_t value = 0;
  [[nodiscard]] bool used() const noexcept { return k != 0; }
  [[nodiscard]] const std::uint64_t& key() const noexcept { return k; }
  void clear_slot() noexcept { k = 0; }
};
/// A poor hash on purpose: keys pile up in long clusters, some across the end.
struct ClusteringHash {
  std::size_t operator()(std::uint64_t k) const noexcept { return static_cast<std::size_t>((k / 7) * 13 + 1000); }
};

TEST(ScanTable, RemoveIfKeepsEveryOtherEntryFindable) {
  std::mt19937_64 rng(17);
  for (int round = 0; round < 20; ++round) {
    FlatTable<TestEntry, std::uint64_t, ClusteringHash> table(1024);
    std::map<std::uint64_t, std::uint64_t> expect;
    const int n = 200 + static_cast<int>(rng() % 1300);  // grows past 1024 slots in some rounds
    for (int i = 0; i < n; ++i) {
      const std::uint64_t k = 1 + rng() % 5000;
      bool inserted = false;
      TestEntry& e = table.find_or_insert(k, inserted);
      if (inserted) {
        e.k = k;
        e.value = k * 31 + 7;
        expect[k] = e.value;
      }
    }
    // Remove about half, in runs (as idle keys go), then check every key.
    const std::uint64_t cut = rng() % 5000;
    std::size_t called = 0;
    table.remove_if([&](TestEntry& e) {
      ++called;
      EXPECT_EQ(e.value, e.k * 31 + 7);
      return (e.k + cut) % 5000 < 2500;
    });
    EXPECT_EQ(called, expect.size());
    std::size_t kept = 0;
    for (std::uint64_t k = 1; k <= 5000; ++k) {
      const TestEntry* e = table.find(k);
      const bool should = expect.count(k) != 0 && (k + cut) % 5000 >= 2500;
      ASSERT_EQ(e != nullptr, should) << "round " << round << " key " << k;
      if (e != nullptr) {
        EXPECT_EQ(e->value, expect[k]);
        ++kept;
      }
    }
    EXPECT_EQ(table.size(), kept);
    // The table goes on working: what was removed can come back.
    for (std::uint64_t k = 1; k <= 5000; k += 3) {
      bool inserted = false;
      TestEntry& e = table.find_or_insert(k, inserted);
      if (inserted) e.k = k;
      ASSERT_NE(table.find(k), nullptr);
    }
  }
}

}  // namespace
}  // namespace darkscope
