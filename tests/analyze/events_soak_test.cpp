// Millions of distinct sources pass through the detectors: memory stays bounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "analyze/dos_detector.hpp"
#include "analyze/scan_detector.hpp"
#include "events_support.hpp"

namespace darkscope {
namespace {

using events_test::kT0;

#if defined(__SANITIZE_ADDRESS__)
#define DARKSCOPE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DARKSCOPE_ASAN 1
#endif
#endif

// Resident set size in KiB from /proc (0 where unavailable, and under ASan, whose
// quarantine keeps freed blocks resident: the table bounds below still hold there).
std::size_t rss_kib() {
#ifdef DARKSCOPE_ASAN
  return 0;
#endif
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::size_t kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(4096, '\n');
  }
  return 0;
}

TEST(EventsSoak, MillionsOfSourcesStayWithinTheBound) {
  constexpr std::uint32_t kSources = 3'000'000;
  constexpr std::size_t kMaxActive = 200'000;
  std::uint64_t scan_packets = 0;
  std::uint64_t scans = 0;
  ScanOptions so;
  so.max_active = kMaxActive;
  ScanDetector scan(so, 65536.0, [&](const ScanEvent& e) {
    scan_packets += e.packets;
    ++scans;
  });
  DosDetector dos(DosOptions{}, 65536.0, nullptr);

  const std::size_t rss_before = rss_kib();
  std::size_t peak_scan_bytes = 0;
  PacketRecord r = events_test::probe(kT0, 0, "1.0.0.0", IpAddress::v4(0x0A000001u), 23);
  for (std::uint32_t i = 0; i < kSources; ++i) {
    // 100,000 packets per second of packet time: 30 s in all, so the idle
    // timeouts never fire and only the max_active bound keeps the tables small.
    r.ts_ns = kT0 + static_cast<std::int64_t>(i) * 10'000;
    r.src = IpAddress::v4(0x01000000u + i);
    r.dst = IpAddress::v4(0x0A000000u + (i & 0xFFFF));
    scan.on_packet(r);
    dos.on_packet(r);
    if ((i & 0xFFFF) == 0) {
      peak_scan_bytes = std::max(peak_scan_bytes, scan.memory_bytes());
    }
    ASSERT_LE(scan.active(), kMaxActive);
  }
  const std::size_t rss_after = rss_kib();
  EXPECT_GT(scan.ended_early(), 0u);

  // A table of N active keys holds at most bit_ceil(N / 0.75) slots: 524,288 here.
  EXPECT_LE(peak_scan_bytes, 524'288u * sizeof(ScanDetector::Entry) + (1u << 20));
  EXPECT_EQ(dos.memory_bytes(), 1024u * sizeof(DosDetector::Entry));  // no backscatter: untouched
  if (rss_before != 0) {
    // The scan tables' bound (32 MiB of full entries, 12 MiB of one-packet ones) plus
    // slack for the allocator.
    EXPECT_LE(rss_after - rss_before, 64u * 1024u) << "RSS grew by " << rss_after - rss_before
                                                    << " KiB";
  } else {
    std::printf("[ soak ] RSS growth not checked (no /proc, or ASan's quarantine)\n");
  }

  scan.flush();
  EXPECT_EQ(scan_packets, kSources);  // nothing lost on the way
  EXPECT_EQ(scan.active(), 0u);
  std::printf("[ soak ] scans %llu, scan tables %zu bytes (%zu B a full entry), RSS +%zu KiB\n",
              static_cast<unsigned long long>(scans), peak_scan_bytes, sizeof(ScanDetector::Entry),
              rss_after - rss_before);
}

}  // namespace
}  // namespace darkscope

namespace darkscope {
namespace {

// The figure docs/PERFORMANCE.md quotes: 10 million distinct sources, one probe
// each, 1 ms apart (10,000 s of packet time), through the scan detector with its
// default bounds (600 s idle, 4 million active) and through one with no bound at
// all. Run by hand in a Release build:
//   events_test --gtest_also_run_disabled_tests --gtest_filter='EventsSoak.DISABLED_*'
TEST(EventsSoak, DISABLED_TenMillionSources) {
  constexpr std::uint32_t kSources = 10'000'000;
  for (const bool bounded : {true, false}) {
    ScanOptions so;
    if (!bounded) {
      so.max_active = kSources;
      so.idle_timeout_ns = INT64_MAX / 4;
    }
    std::uint64_t scans = 0;
    ScanDetector scan(so, 65536.0, [&](const ScanEvent&) { ++scans; });
    const std::size_t rss_before = rss_kib();
    std::size_t peak = 0;
    std::size_t peak_active = 0;
    PacketRecord r = events_test::probe(kT0, 0, "1.0.0.0", IpAddress::v4(0x0A000001u), 23);
    const auto start = std::chrono::steady_clock::now();
    for (std::uint32_t i = 0; i < kSources; ++i) {
      r.ts_ns = kT0 + static_cast<std::int64_t>(i) * 1'000'000;
      r.src = IpAddress::v4(0x01000000u + i);
      r.dst = IpAddress::v4(0x0A000000u + (i & 0xFFFF));
      scan.on_packet(r);
      if ((i & 0xFFFF) == 0) {
        peak = std::max(peak, scan.memory_bytes());
        peak_active = std::max(peak_active, scan.active());
      }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ 10M ] %s: peak active %zu, table %.1f MiB, RSS +%.1f MiB, %.2f M packets/s\n",
                bounded ? "default bounds" : "no bound", peak_active,
                static_cast<double>(peak) / 1048576.0,
                static_cast<double>(rss_kib() - rss_before) / 1024.0, kSources / secs / 1e6);
    scan.flush();
    EXPECT_EQ(scans, kSources);
  }
}

}  // namespace
}  // namespace darkscope
