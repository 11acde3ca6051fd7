// The event rules end to end: captures built byte by byte here, ingested by the
// darkscope binary, then read back with `events`, `source` and `feed`. Every
// expected value follows from SPEC.md's definitions and the packets written.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "support/packet_builder.hpp"
#include "support/run_command.hpp"

namespace darkscope {
namespace {

using namespace darkscope::testing;

constexpr std::uint32_t kT0 = 1581379200;         // 2020-02-11T00:00:00Z
constexpr std::uint32_t kDarknet = 0x0A140000;    // 10.20.0.0/16: scale 2^32 / 2^16 = 65536

PcapRecord at(double t, ByteVec frame) {
  PcapRecord r;
  r.ts_sec = kT0 + static_cast<std::uint32_t>(t);
  r.ts_usec = static_cast<std::uint32_t>((t - static_cast<std::uint32_t>(t)) * 1e6 + 0.5);
  r.frame = std::move(frame);
  return r;
}

// A TCP packet src:sport -> dst:dport with the given flags.
ByteVec tcp_frame(std::uint32_t src, std::uint32_t dst, std::uint16_t sport, std::uint16_t dport,
                  std::uint8_t flags, std::uint32_t seq = 1) {
  Ipv4Spec ip;
  ip.src = src;
  ip.dst = dst;
  return ethernet(ipv4(ip, tcp(ip, sport, dport, seq, flags)));
}

// ICMP port unreachable from `router` to `darknet_addr`, quoting the UDP packet
// darknet_addr:1234 -> victim:vport that a spoofing attacker sent.
ByteVec port_unreachable(std::uint32_t router, std::uint32_t darknet_addr, std::uint32_t victim,
                         std::uint16_t vport) {
  Ipv4Spec quoted_ip;
  quoted_ip.src = darknet_addr;
  quoted_ip.dst = victim;
  quoted_ip.protocol = 17;
  const ByteVec quoted = ipv4(quoted_ip, udp(quoted_ip, 1234, vport, {}));
  ByteVec icmp = {3, 3, 0, 0, 0, 0, 0, 0};
  icmp.insert(icmp.end(), quoted.begin(), quoted.begin() + 28);
  const std::uint16_t c = inet_checksum(icmp.data(), icmp.size());
  icmp[2] = static_cast<std::uint8_t>(c >> 8);
  icmp[3] = static_cast<std::uint8_t>(c);
  Ipv4Spec ip;
  ip.src = router;
  ip.dst = darknet_addr;
  ip.protocol = 1;
  return ethernet(ipv4(ip, icmp));
}

class EventsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    db_ = (dir_ / "obs.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void ingest(std::vector<PcapRecord> records) {
    std::sort(records.begin(), records.end(), [](const PcapRecord& a, const PcapRecord& b) {
      return a.ts_sec != b.ts_sec ? a.ts_sec < b.ts_sec : a.ts_usec < b.ts_usec;
    });
    const std::string pcap = (dir_ / "in.pcap").string();
    write_file(pcap, pcap_file(records));
    const auto r = run_command(darkscope_binary() + " ingest -q --no-enrich --db " + db_ +
                               " --darknet 10.20.0.0/16 " + pcap);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
  }
  nlohmann::json json_of(const std::string& args) {
    const auto r = run_command(darkscope_binary() + " " + args + " --db " + db_);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    return nlohmann::json::parse(r.out);
  }

  std::filesystem::path dir_;
  std::string db_;
};

TEST_F(EventsCli, DosAboveAndBelowThresholdsAndQuotedVictim) {
  std::vector<PcapRecord> rs;
  // 192.0.2.80:80 answers with SYN-ACKs: 30 in 0..58 s and one at 60 s. An attack.
  for (int i = 0; i < 30; ++i) {
    rs.push_back(at(i * 2.0, tcp_frame(0xC0000250, kDarknet + i, 80, 40000, 0x12)));
  }
  rs.push_back(at(60, tcp_frame(0xC0000250, kDarknet, 80, 40000, 0x12)));
  // 192.0.2.81 sends RSTs: 29 in 0..56 s and one at 60 s: no 60 s window holds 30.
  for (int i = 0; i < 29; ++i) rs.push_back(at(i * 2.0, tcp_frame(0xC0000251, kDarknet + 1, 443, 40000, 0x04)));
  rs.push_back(at(60, tcp_frame(0xC0000251, kDarknet + 1, 443, 40000, 0x04)));
  // A router reports port unreachable for a UDP flood on 198.51.100.53: 61 over 60 s.
  for (int i = 0; i <= 60; ++i) {
    rs.push_back(at(100 + i, port_unreachable(0xCB007101, kDarknet + 0x100 + (i % 5), 0xC6336435,
                                              i % 2 == 0 ? 53 : 123)));
  }
  ingest(rs);

  const auto dos = json_of("events --type dos --json");
  ASSERT_EQ(dos.size(), 2u) << dos.dump(2);
  const auto& a = dos[0];
  EXPECT_EQ(a["victim"], "192.0.2.80");
  EXPECT_EQ(a["protocol"], "tcp");
  EXPECT_EQ(a["start"], "2020-02-11T00:00:00Z");
  EXPECT_EQ(a["end"], "2020-02-11T00:01:00Z");
  EXPECT_EQ(a["packets"], 31);
  EXPECT_EQ(a["bytes"], 31 * 40);  // IP length of a 20 + 20 byte SYN-ACK
  EXPECT_EQ(a["darknet_addresses"], 30);
  EXPECT_EQ(a["ports"], 1);
  EXPECT_DOUBLE_EQ(a["peak_pps"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(a["estimated_pps"].get<double>(), 31.0 * 65536.0 / 60.0);
  const auto& b = dos[1];
  EXPECT_EQ(b["victim"], "198.51.100.53");
  EXPECT_EQ(b["protocol"], "udp");
  EXPECT_EQ(b["start"], "2020-02-11T00:01:40Z");
  EXPECT_EQ(b["packets"], 61);
  EXPECT_EQ(b["darknet_addresses"], 5);
  EXPECT_EQ(b["ports"], 2);
}

TEST_F(EventsCli, IdleGapSplitsScanAndInternetWideScan) {
  std::vector<PcapRecord> rs;
  // 203.0.113.9 probes tcp/80 at 0, 10, 610 (600 s idle: same scan), 1210.5 and 1211.
  for (const double t : {0.0, 10.0, 610.0, 1210.5, 1211.0}) {
    rs.push_back(at(t, tcp_frame(0xCB007109, kDarknet + 7, 40000, 80, 0x02)));
  }
  // 198.51.100.7 sends Mirai probes (seq = destination) to 100 addresses in 99 s on tcp/23.
  for (std::uint32_t i = 0; i < 100; ++i) {
    rs.push_back(at(2000 + i, tcp_frame(0xC6336407, kDarknet + i, 40000, 23, 0x02, kDarknet + i)));
  }
  ingest(rs);

  const auto scans = json_of("events --type scan --json");
  ASSERT_EQ(scans.size(), 3u) << scans.dump(2);
  EXPECT_EQ(scans[0]["source"], "203.0.113.9");
  EXPECT_EQ(scans[0]["proto"], "tcp");
  EXPECT_EQ(scans[0]["port"], 80);
  EXPECT_EQ(scans[0]["start"], "2020-02-11T00:00:00Z");
  EXPECT_EQ(scans[0]["end"], "2020-02-11T00:10:10Z");
  EXPECT_EQ(scans[0]["packets"], 3);
  EXPECT_EQ(scans[0]["destinations"], 1);
  EXPECT_EQ(scans[0]["internet_wide"], false);
  EXPECT_EQ(scans[1]["start"], "2020-02-11T00:20:10.500000Z");
  EXPECT_EQ(scans[1]["packets"], 2);
  EXPECT_EQ(scans[2]["source"], "198.51.100.7");
  EXPECT_EQ(scans[2]["destinations"], 100);
  EXPECT_DOUBLE_EQ(scans[2]["estimated_pps"].get<double>(), 100.0 * 65536.0 / 99.0);
  EXPECT_EQ(scans[2]["internet_wide"], true);
  EXPECT_EQ(scans[2]["fingerprints"], nlohmann::json::array({"mirai"}));

  // --from/--to: only events overlapping the period.
  EXPECT_EQ(json_of("events --type scan --json --from 2020-02-11T00:20:11Z").size(), 2u);
  EXPECT_EQ(json_of("events --type scan --json --to 2020-02-11T00:20:10Z").size(), 1u);

  const auto profile = json_of("source 198.51.100.7 --json");
  EXPECT_EQ(profile["classification"], "malicious");
  EXPECT_EQ(profile["packets"], 100);
  EXPECT_EQ(profile["first_seen"], "2020-02-11T00:33:20Z");
  EXPECT_EQ(profile["last_seen"], "2020-02-11T00:34:59Z");
  EXPECT_EQ(profile["fingerprints"], nlohmann::json::array({"mirai"}));
  EXPECT_EQ(profile["scans"], 1);
  EXPECT_EQ(profile["internet_wide_scans"], 1);
  const auto plain = json_of("source 203.0.113.9 --json");
  EXPECT_EQ(plain["classification"], "unknown");
  EXPECT_EQ(plain["packets"], 5);

  const auto feed = json_of("feed --fingerprint mirai --format json --no-enrich");
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(feed[0]["ip"], "198.51.100.7");
  EXPECT_EQ(feed[0]["tag"], "mirai");
  EXPECT_EQ(feed[0]["packets"], 100);
  EXPECT_EQ(feed[0]["ports"], nlohmann::json::array({"tcp/23"}));
  EXPECT_EQ(feed[0]["ports_total"], 1);
  const auto csv = run_command(darkscope_binary() + " feed --fingerprint mirai --format csv --no-enrich --db " + db_);
  EXPECT_EQ(csv.status, 0);
  EXPECT_EQ(csv.out,
            "ip,asn,as_name,country,tag,first_seen,last_seen,packets,ports\n"
            "198.51.100.7,0,,unknown,mirai,2020-02-11T00:33:20Z,2020-02-11T00:34:59Z,100,tcp/23\n");
  const auto none = run_command(darkscope_binary() + " source 8.8.8.8 --db " + db_);
  EXPECT_EQ(none.status, 1);
}

TEST_F(EventsCli, FeedListsAHostsPortsMostPacketsFirstUpToMaxPorts) {
  // A Mirai-type host (seq = destination) probes 30 ports: port 1000 + k gets 31 - k
  // packets, so the ports rank 1000, 1001, ... by packets.
  std::vector<PcapRecord> rs;
  double t = 0;
  for (int k = 0; k < 30; ++k) {
    for (int n = 0; n < 31 - k; ++n) {
      const std::uint32_t dst = kDarknet + static_cast<std::uint32_t>(k * 64 + n);
      rs.push_back(at(
          t, tcp_frame(0xC6336407, dst, 40000, static_cast<std::uint16_t>(1000 + k), 0x02, dst)));
      t += 0.5;
    }
  }
  ingest(rs);
  const auto all = json_of("feed --fingerprint mirai --format json --no-enrich");
  ASSERT_EQ(all.size(), 1u);
  ASSERT_EQ(all[0]["ports"].size(), 30u);
  EXPECT_EQ(all[0]["ports_total"], 30);
  EXPECT_EQ(all[0]["packets"], 31 * 32 / 2 - 1);  // 31 + 30 + ... + 2
  for (int k = 0; k < 30; ++k)
    EXPECT_EQ(all[0]["ports"][k], "tcp/" + std::to_string(1000 + k)) << k;
  const auto capped = json_of("feed --fingerprint mirai --format json --no-enrich --max-ports 3");
  EXPECT_EQ(capped[0]["ports"], nlohmann::json::array({"tcp/1000", "tcp/1001", "tcp/1002"}));
  EXPECT_EQ(capped[0]["ports_total"], 30);
  const auto csv =
      run_command(darkscope_binary() +
                  " feed --fingerprint mirai --format csv --no-enrich --max-ports 2 --db " + db_);
  ASSERT_EQ(csv.status, 0) << csv.err;
  EXPECT_TRUE(csv.out.ends_with(",495,tcp/1000 tcp/1001\n")) << csv.out;
}

TEST_F(EventsCli, RealZmapRunIsOneInternetWideScan) {
  const std::string pcap = std::string(DARKSCOPE_CORPUS_DIR) + "/scans/seriouszyx_zmap_tcp80_10k.pcap";
  if (!std::filesystem::exists(pcap)) GTEST_SKIP() << "corpus absent: " << pcap;
  const auto r = run_command(darkscope_binary() + " ingest -q --no-enrich --db " + db_ + " " + pcap);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  // The corpus README: 10,000 SYNs to port 80 from one source, IP ID 54321 (zmap),
  // each to a different address (zmap walks a permutation).
  const auto scans = json_of("events --type scan --json");
  std::size_t zmap_scans = 0;
  for (const auto& s : scans) {
    if (s["packets"] != 10000) continue;
    ++zmap_scans;
    EXPECT_EQ(s["proto"], "tcp");
    EXPECT_EQ(s["port"], 80);
    EXPECT_EQ(s["destinations_exact"], false);
    // HyperLogLog, 512 registers: 4.6% standard error; allow 3 of them.
    EXPECT_NEAR(s["destinations"].get<double>(), 10000.0, 10000.0 * 0.138);
    EXPECT_EQ(s["internet_wide"], true);
    EXPECT_EQ(s["fingerprints"], nlohmann::json::array({"zmap"}));
  }
  EXPECT_EQ(zmap_scans, 1u);
}

}  // namespace
}  // namespace darkscope
