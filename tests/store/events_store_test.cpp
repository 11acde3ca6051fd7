// Events through the SQLite store: the detectors run beside the ingest of the
// same records, then the read side answers with the values SPEC.md defines.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "analyze/port_key.hpp"
#include "core/time.hpp"
#include "store/capture_ingest.hpp"
#include "store/events_store.hpp"
#include "store/observation_store.hpp"

namespace darkscope {
namespace {

constexpr std::int64_t kS = kNsPerSecond;
const std::int64_t kSurgeDay = *parse_time("2020-02-11") / kS;  // Unix seconds

PacketRecord packet(std::int64_t ts_s, std::uint32_t src, std::uint16_t port,
                    TrafficClass cls = TrafficClass::kTcpSyn, const char* cc = "JP",
                    std::uint32_t asn = 2497, std::uint16_t fingerprints = 0) {
  PacketRecord r;
  r.ts_ns = ts_s * kS;
  r.wire_len = 60;
  r.ip_total_len = 40;
  r.src = IpAddress::v4(src);
  r.dst = IpAddress::v4(0x0A000000u | (src & 0xFFFF));
  r.ip_version = 4;
  r.protocol = cls == TrafficClass::kUdp ? kProtoUdp : kProtoTcp;
  r.dst_port = port;
  r.src_port = 80;
  r.traffic_class = cls;
  r.observed = true;
  r.country = {cc[0], cc[1]};
  r.asn = asn;
  r.fingerprints = fingerprints;
  return r;
}

class EventsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("darkscope-events-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "obs.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Ingests records as one capture of a 10.0.0.0/16 sensor, with the event hook
  // (commits on the writer thread when threaded).
  void ingest(const std::vector<PacketRecord>& records, const std::string& sha = "aa", bool threaded = false) {
    auto store = open_sqlite_store(db_, true);
    const int sid = store->sensor_id({"default", "10.0.0.0/16", 65536});
    const CaptureState st = store->begin_capture(sid, {sha, "x.pcap", 1}, false);
    BinAggregator agg;
    CommitQueue queue(*store, threaded);
    auto handle = std::make_shared<CaptureHandle>();
    handle->id = st.id;
    EventRecorder recorder(65536);
    CaptureIngest in(queue, agg, sid, handle, st.packets_done, {}, &recorder);
    for (const auto& r : records) in.on_packet(r);
    recorder.finish();
    in.finish(true);
    queue.wait();
    store->refresh_rollups();
    (void)store->detect_pending_surges(SurgeOptions{});
  }

  std::filesystem::path dir_;
  std::string db_;
};

TEST_F(EventsStoreTest, ScansAndAttacksRoundTrip) {
  std::vector<PacketRecord> rs;
  const std::int64_t t0 = kSurgeDay;
  // 120 SYNs from 198.51.100.7 to 120 addresses on tcp/23, one a second.
  for (int i = 0; i < 120; ++i) {
    PacketRecord r = packet(t0 + i, 0xC6336407u, 23);
    r.dst = IpAddress::v4(0x0A000000u + static_cast<std::uint32_t>(i));
    rs.push_back(r);
  }
  // 61 SYN-ACKs from victim 192.0.2.80:443 over 60 s: an attack.
  for (int i = 0; i <= 60; ++i) {
    rs.push_back(packet(t0 + 1000 + i, 0xC0000250u, 40000, TrafficClass::kTcpBackscatter));
    rs.back().src_port = 443;
  }
  ingest(rs, "aa", true);

  EventsStore events(db_, false);
  const auto scans = events.scans({});
  ASSERT_EQ(scans.size(), 1u);
  const ScanEvent& s = scans[0].event;
  EXPECT_EQ(scans[0].sensor, "default");
  EXPECT_EQ(s.source.to_string(), "198.51.100.7");
  EXPECT_EQ(s.protocol, kProtoTcp);
  EXPECT_EQ(s.port, 23);
  EXPECT_EQ(s.start_ns, t0 * kS);
  EXPECT_EQ(s.end_ns, (t0 + 119) * kS);
  EXPECT_EQ(s.packets, 120u);
  EXPECT_EQ(s.destinations, 120u);
  EXPECT_TRUE(s.destinations_exact);
  EXPECT_DOUBLE_EQ(s.estimated_pps, 120.0 * 65536.0 / 119.0);
  EXPECT_TRUE(s.internet_wide);

  const auto dos = events.dos({});
  ASSERT_EQ(dos.size(), 1u);
  const DosEvent& d = dos[0].event;
  EXPECT_EQ(d.victim.to_string(), "192.0.2.80");
  EXPECT_EQ(d.protocol, kProtoTcp);
  EXPECT_EQ(d.packets, 61u);
  EXPECT_EQ(d.bytes, 61u * 40u);
  EXPECT_EQ(d.ports, 1u);
  EXPECT_EQ(d.darknet_addresses, 1u);
  EXPECT_EQ(d.peak_window_packets, 60u);  // 1000..1059 s lie in one aligned 60 s window
  EXPECT_DOUBLE_EQ(d.estimated_pps, 61.0 * 65536.0 / 60.0);

  // Time filters: overlap with [from, to).
  EXPECT_EQ(events.scans({(t0 + 119) * kS, std::nullopt, std::nullopt}).size(), 1u);
  EXPECT_EQ(events.scans({(t0 + 120) * kS, std::nullopt, std::nullopt}).size(), 0u);
  EXPECT_EQ(events.dos({std::nullopt, (t0 + 1000) * kS, std::nullopt}).size(), 0u);
  EXPECT_EQ(events.dos({std::nullopt, (t0 + 1001) * kS, std::nullopt}).size(), 1u);
  EXPECT_THROW((void)events.dos({std::nullopt, std::nullopt, std::string("nope")}), StoreError);
}

TEST_F(EventsStoreTest, SameEventsStoredTwiceAreNotDuplicated) {
  EventsStore events(db_, true);
  auto store = open_sqlite_store(db_, true);
  const int sid = store->sensor_id({"default", "10.0.0.0/16", 65536});
  ScanEvent e;
  e.source = IpAddress::v4(1);
  e.packets = 3;
  events.add(sid, {e}, {});
  e.packets = 4;
  events.add(sid, {e}, {});
  const auto scans = events.scans({});
  ASSERT_EQ(scans.size(), 1u);
  EXPECT_EQ(scans[0].event.packets, 4u);
}

TEST_F(EventsStoreTest, SurgeFoundOnItsDayWithWhoMadeIt) {
  std::vector<PacketRecord> rs;
  // 30 quiet days: source 203.0.113.1 (JP) sends 100 packets a day to tcp/9530.
  for (std::int64_t day = 30; day >= 1; --day) {
    for (int i = 0; i < 100; ++i) rs.push_back(packet(kSurgeDay - day * 86400 + i * 60, 0xCB007101u, 9530));
  }
  // 2020-02-11: 60 Mirai-fingerprinted sources in BR (AS 28573) send 20 each, and
  // 40 plain sources in CN (AS 4134) send 20 each: 2,000 packets from 100 sources.
  for (std::uint32_t s = 0; s < 100; ++s) {
    const bool mirai = s < 60;
    for (int i = 0; i < 20; ++i) {
      rs.push_back(packet(kSurgeDay + 3600 + s * 20 + i, 0xB1000000u + s, 9530, TrafficClass::kTcpSyn,
                          mirai ? "BR" : "CN", mirai ? 28573 : 4134, mirai ? kFpMirai : 0));
    }
  }
  std::sort(rs.begin(), rs.end(),
            [](const PacketRecord& a, const PacketRecord& b) { return a.ts_ns < b.ts_ns; });
  ingest(rs);

  EventsStore events(db_, false);
  const auto surges = events.surges({});
  ASSERT_EQ(surges.size(), 1u);
  const SurgeEvent& e = surges[0].event;
  EXPECT_EQ(e.protocol, kProtoTcp);
  EXPECT_EQ(e.port, 9530);
  EXPECT_EQ(format_date(e.finding.day * kNsPerDay), "2020-02-11");
  EXPECT_EQ(e.finding.packets, 2000u);
  EXPECT_EQ(e.finding.sources, 100u);
  EXPECT_EQ(e.finding.metric, "packets");
  EXPECT_DOUBLE_EQ(e.finding.baseline, 100.0);
  EXPECT_DOUBLE_EQ(e.finding.factor, 20.0);
  ASSERT_EQ(e.fingerprints.size(), 1u);
  EXPECT_EQ(e.fingerprints[0].first, "mirai");
  EXPECT_EQ(e.fingerprints[0].second, 1200u);
  ASSERT_EQ(e.countries.size(), 2u);
  EXPECT_EQ(e.countries[0], (std::pair<std::string, std::uint64_t>{"BR", 1200}));
  EXPECT_EQ(e.countries[1], (std::pair<std::string, std::uint64_t>{"CN", 800}));
  // The day filter: nothing before the surge day.
  EXPECT_TRUE(events.surges({std::nullopt, kSurgeDay * kS, std::nullopt}).empty());
  EXPECT_EQ(events.surges({kSurgeDay * kS + 1, std::nullopt, std::nullopt}).size(), 1u);
}

TEST_F(EventsStoreTest, ProfileAndFeed) {
  std::vector<PacketRecord> rs;
  const std::int64_t t0 = kSurgeDay;
  // 198.51.100.7: Mirai, BR AS 28573, tcp/23 x3 and tcp/2323 x1 on day 0, tcp/23 x1 on day 1.
  for (int i = 0; i < 3; ++i) rs.push_back(packet(t0 + i, 0xC6336407u, 23, TrafficClass::kTcpSyn, "BR", 28573, kFpMirai));
  rs.push_back(packet(t0 + 10, 0xC6336407u, 2323, TrafficClass::kTcpSyn, "BR", 28573, kFpMirai));
  // 198.51.100.9: Mirai, VN AS 7552, 2 packets.
  for (int i = 0; i < 2; ++i) rs.push_back(packet(t0 + 20 + i, 0xC6336409u, 23, TrafficClass::kTcpSyn, "VN", 7552, kFpMirai));
  // 203.0.113.5: a plain scanner, not in the feed.
  rs.push_back(packet(t0 + 30, 0xCB007105u, 445));
  rs.push_back(packet(t0 + 86400 + 5, 0xC6336407u, 23, TrafficClass::kTcpSyn, "BR", 28573, kFpMirai));
  ingest(rs);

  EventsStore events(db_, false);
  const auto p = events.profile(IpAddress::v4(0xC6336407u), std::nullopt);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->first_ns, t0 * kS);
  EXPECT_EQ(p->last_ns, (t0 + 86405) * kS);
  EXPECT_EQ(p->packets, 5u);
  EXPECT_EQ(p->days, 2u);
  EXPECT_EQ(p->fingerprints, kFpMirai);
  EXPECT_EQ(p->country, "BR");
  EXPECT_EQ(p->asn, 28573u);
  ASSERT_EQ(p->ports.size(), 2u);
  EXPECT_EQ(p->ports[0], (std::pair<std::string, std::uint64_t>{"tcp/23", 4}));
  EXPECT_EQ(p->ports[1], (std::pair<std::string, std::uint64_t>{"tcp/2323", 1}));
  EXPECT_EQ(p->scans, 3u);  // tcp/23, tcp/2323, and tcp/23 again a day (> 600 s idle) later
  EXPECT_EQ(p->verdict, SourceVerdict::kMalicious);
  const auto plain = events.profile(IpAddress::v4(0xCB007105u), std::nullopt);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->verdict, SourceVerdict::kUnknown);
  EXPECT_FALSE(events.profile(IpAddress::v4(0x08080808u), std::nullopt).has_value());

  FeedQuery q;
  q.by = "asn";
  const auto feed = events.feed(q);
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[0].ip.to_string(), "198.51.100.9");  // AS 7552 before AS 28573
  EXPECT_EQ(feed[0].asn, 7552u);
  EXPECT_EQ(feed[0].country, "VN");
  EXPECT_EQ(feed[0].tag, "mirai");
  EXPECT_EQ(feed[0].packets, 2u);
  EXPECT_EQ(feed[0].ports, (std::vector<std::string>{"tcp/23"}));
  EXPECT_EQ(feed[1].ip.to_string(), "198.51.100.7");
  EXPECT_EQ(feed[1].packets, 5u);
  EXPECT_EQ(feed[1].first_seen_ns, t0 * kS);
  EXPECT_EQ(feed[1].last_seen_ns, (t0 + 86405) * kS);
  EXPECT_EQ(feed[1].ports, (std::vector<std::string>{"tcp/23", "tcp/2323"}));

  // Only the second day: one host with one packet.
  q.from_ns = (t0 + 86400) * kS;
  const auto day1 = events.feed(q);
  ASSERT_EQ(day1.size(), 1u);
  EXPECT_EQ(day1[0].packets, 1u);
  // Default order: most packets first.
  FeedQuery all;
  const auto by_packets = events.feed(all);
  ASSERT_EQ(by_packets.size(), 2u);
  EXPECT_EQ(by_packets[0].ip.to_string(), "198.51.100.7");
}

}  // namespace
}  // namespace darkscope
