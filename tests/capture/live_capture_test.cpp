// LiveCapture on the loopback interface, for real (needs root or CAP_NET_RAW).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/live_traffic.hpp"
#include "capture/capture_source.hpp"

namespace darkscope {
namespace {

/// A UDP port on 127.0.0.1 nobody else uses during the test: bound, never read.
struct BoundUdpPort {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  std::uint16_t port = 0;
  BoundUdpPort() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~BoundUdpPort() { ::close(fd); }
};

/// A capture on lo with `filter`, or nullptr (with the reason) when lo cannot be opened.
std::unique_ptr<LiveCapture> open_lo(const std::string& filter, std::string& why) {
  try {
    return std::make_unique<LiveCapture>("lo", filter);
  } catch (const CaptureOpenError& e) {
    why = e.what();
    return nullptr;
  }
}

void send_udp(std::uint16_t port, std::size_t payload_size) {
  (void)testing::send_udp(1, std::string(payload_size, 'x'),
                          [port](int) { return std::pair{std::uint32_t{INADDR_LOOPBACK}, port}; });
}

TEST(CaptureLive, LoopbackUdpArrivesWithExactLengths) {
  BoundUdpPort sink;
  ASSERT_NE(sink.port, 0);
  std::string why;
  const auto live = open_lo("udp and dst port " + std::to_string(sink.port), why);
  if (!live) GTEST_SKIP() << "live capture on lo not permitted here: " << why;
  EXPECT_EQ(live->info().format, "live");
  EXPECT_EQ(live->info().path, "lo");
  ASSERT_EQ(live->info().link_types.size(), 1u);
  const std::uint16_t link = live->info().link_types[0];
  ASSERT_EQ(link, kLinkEthernet) << "Linux lo captures as Ethernet";

  const std::size_t sizes[] = {1, 100, 1000, 1472};
  const auto before = std::chrono::system_clock::now();
  for (const std::size_t size : sizes) send_udp(sink.port, size);

  // The kernel delivers in buffer-timeout batches; a watchdog stops a hung test.
  std::atomic<bool> done{false};
  std::thread watchdog([&] {
    for (int i = 0; i < 100 && !done.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!done.load()) live->request_stop();
  });
  std::vector<std::uint32_t> lengths;
  Frame f;
  while (lengths.size() < std::size(sizes) && live->next(f)) {
    // Ethernet 14 + IPv4 20 + UDP 8 + payload, all captured (snaplen 256 KiB).
    EXPECT_EQ(f.data.size(), f.wire_len);
    EXPECT_EQ(f.link_type, kLinkEthernet);
    EXPECT_EQ(load_be16(f.data.data() + 12), 0x0800);  // IPv4
    EXPECT_EQ(load_be16(f.data.data() + 14 + 20 + 2), sink.port);
    const auto ts = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(f.ts_ns)));
    EXPECT_GE(ts, before - std::chrono::seconds(1));
    lengths.push_back(f.wire_len);
  }
  done.store(true);
  watchdog.join();
  live->request_stop();
  ASSERT_EQ(lengths.size(), std::size(sizes));
  for (std::size_t i = 0; i < std::size(sizes); ++i) EXPECT_EQ(lengths[i], 14 + 20 + 8 + sizes[i]);
  EXPECT_EQ(live->info().packets, std::size(sizes));
  EXPECT_GE(live->stats().received, std::size(sizes));
  EXPECT_FALSE(live->next(f)) << "stopped capture returns false";
}

TEST(CaptureLive, StopFromAnotherThreadEndsAWaitingNext) {
  std::string why;
  const auto live = open_lo("udp and dst port 9 and src port 9", why);
  if (!live) GTEST_SKIP() << "live capture on lo not permitted here: " << why;
  const auto started = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    live->request_stop();
  });
  Frame f;
  EXPECT_FALSE(live->next(f));
  stopper.join();
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(3));
}

// A stop that comes right after the packets, before the kernel's buffer timeout has
// handed them over: they are still read, then the capture ends.
TEST(CaptureLive, StopRightAfterTrafficStillReadsIt) {
  BoundUdpPort sink;
  ASSERT_NE(sink.port, 0);
  std::string why;
  const auto live = open_lo("udp and dst port " + std::to_string(sink.port), why);
  if (!live) GTEST_SKIP() << "live capture on lo not permitted here: " << why;
  for (int i = 0; i < 5; ++i) send_udp(sink.port, 10 + i);
  live->request_stop();
  const auto started = std::chrono::steady_clock::now();
  Frame f;
  std::size_t read = 0;
  while (live->next(f)) ++read;
  EXPECT_EQ(read, 5u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_FALSE(live->next(f)) << "a drained capture stays ended";
}

// A quiet interface: next() waits, and the idle handler gets the wall clock about
// every buffer timeout (libpcap's own wait on the ring would block until a packet).
// A packet that comes meanwhile is still read.
TEST(CaptureLive, QuietInterfaceCallsTheIdleHandlerWithTheWallClock) {
  BoundUdpPort sink;
  ASSERT_NE(sink.port, 0);
  std::string why;
  const auto live = open_lo("udp and dst port " + std::to_string(sink.port), why);
  if (!live) GTEST_SKIP() << "live capture on lo not permitted here: " << why;
  std::vector<std::int64_t> calls;
  const auto wall_ns = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const std::int64_t before = wall_ns();
  live->set_idle_handler([&](std::int64_t now_ns) {
    calls.push_back(now_ns);
    if (calls.size() == 5) send_udp(sink.port, 7);  // then next() returns it
  });
  std::atomic<bool> done{false};
  std::thread watchdog([&] {  // without idle calls, next() would wait for good
    for (int i = 0; i < 50 && !done.load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!done.load()) live->request_stop();
  });
  Frame f;
  const bool got = live->next(f);
  const std::int64_t after = wall_ns();
  done.store(true);
  watchdog.join();
  ASSERT_TRUE(got) << calls.size() << " idle call(s)";
  EXPECT_EQ(f.wire_len, 14u + 20 + 8 + 7);
  ASSERT_GE(calls.size(), 5u);
  EXPECT_LT(calls.size(), 20u) << "the packet came after call 5, within a buffer timeout or two";
  EXPECT_GE(calls.front(), before);
  EXPECT_LE(calls.back(), after);
  for (std::size_t i = 1; i < calls.size(); ++i) {
    EXPECT_GE(calls[i] - calls[i - 1], 90'000'000)
        << "about one call per 100 ms timeout, call " << i;
  }
  // The packet's stamp is of the same clock as the handler's.
  EXPECT_GE(f.ts_ns, calls[4] - 50'000'000);
  EXPECT_LE(f.ts_ns, after);
}

// What a long live run logs of drops: once a minute at most, what is new.
TEST(DropWatch, SaysOncePerIntervalWhatTheKernelDroppedSinceItLastSaid) {
  constexpr std::int64_t kS = 1'000'000'000;
  DropWatch w(60 * kS);
  EXPECT_FALSE(w.due(1000 * kS)) << "the first call starts the clock";
  EXPECT_FALSE(w.due(1059 * kS));
  EXPECT_TRUE(w.due(1060 * kS));
  EXPECT_FALSE(w.due(1060 * kS));
  EXPECT_FALSE(w.due(1119 * kS));
  EXPECT_TRUE(w.due(1125 * kS));
  EXPECT_FALSE(w.due(1184 * kS)) << "the interval counts from the last true";
  EXPECT_TRUE(w.due(1185 * kS));

  EXPECT_EQ(w.fresh(LiveStats{100, 0, 0}), 0u);
  EXPECT_EQ(w.fresh(LiveStats{200, 5, 0}), 5u);
  EXPECT_EQ(w.fresh(LiveStats{300, 5, 0}), 0u);
  EXPECT_EQ(w.fresh(LiveStats{400, 9, 3}), 7u) << "kernel and interface drops together";
  EXPECT_EQ(w.total(), 12u);
  EXPECT_EQ(w.fresh(LiveStats{0, 0, 0}), 0u) << "counters that go back say nothing";
  EXPECT_EQ(w.fresh(LiveStats{500, 10, 3}), 1u);
}

TEST(LiveStats, ThirtyTwoBitCountersAreExtendedAcrossTheirWrap) {
  EXPECT_EQ(extend_counter32(0, 0), 0u);
  EXPECT_EQ(extend_counter32(0, 1000), 1000u);
  EXPECT_EQ(extend_counter32(1000, 1000), 1000u);
  // libpcap's 32-bit count wraps: 0xfffffff0 -> 0x10 is 0x20 packets more.
  EXPECT_EQ(extend_counter32(0xfffffff0u, 0x10u), 0x100000010ULL);
  EXPECT_EQ(extend_counter32(0x100000010ULL, 0x20u), 0x100000020ULL);
  EXPECT_EQ(extend_counter32(0x2fffffffeULL, 5u), 0x300000005ULL);  // the third wrap

  LiveStatsDelta d;
  EXPECT_EQ(d.next(LiveStats{100, 2, 1}).received, 100u);
  const LiveStats grew = d.next(LiveStats{150, 5, 1});
  EXPECT_EQ(grew.received, 50u);
  EXPECT_EQ(grew.dropped, 3u);
  EXPECT_EQ(grew.interface_dropped, 0u);
  EXPECT_EQ(d.next(LiveStats{150, 5, 1}).received, 0u);
  EXPECT_EQ(d.high().dropped, 5u);
}

TEST(CaptureLive, BadFilterAndMissingInterfaceAreOpenErrors) {
  try {
    LiveCapture live("lo", "this is not bpf");
    FAIL() << "a bad filter must not open";
  } catch (const CaptureOpenError& e) {
    const std::string what = e.what();
    if (what.find("bad filter") == std::string::npos) GTEST_SKIP() << "cannot open lo: " << what;
    EXPECT_NE(what.find("this is not bpf"), std::string::npos) << what;
  }
  EXPECT_THROW(LiveCapture("no-such-interface0", ""), CaptureOpenError);
}

}  // namespace
}  // namespace darkscope
