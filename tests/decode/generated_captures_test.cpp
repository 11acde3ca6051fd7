// Runs tools/gen_test_captures.py and checks every packet of every capture it
// writes against the rule the capture was made for.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "classify/classifier.hpp"
#include "decode/decoder.hpp"
#include "mini_pcap.hpp"

namespace darkscope {
namespace {

namespace fs = std::filesystem;

const std::string kDir = DARKSCOPE_TEST_CAPTURES_DIR;

/// Generates the captures once per script change. ctest runs each case in its own
/// process, maybe in parallel: each generates into a private directory and moves
/// it into place, so no case ever reads a half-written file.
bool generate_captures() {
  const fs::path script = fs::path(DARKSCOPE_SOURCE_DIR) / "tools" / "gen_test_captures.py";
  const fs::path dir(kDir);
  const fs::path stamp = dir / ".generated";
  std::error_code ec;
  if (fs::exists(stamp) && fs::last_write_time(stamp) >= fs::last_write_time(script)) return true;
  const fs::path tmp = dir.string() + ".tmp." + std::to_string(::getpid());
  fs::create_directories(dir.parent_path());
  const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  const std::string cmd = python + " " + script.string() + " " + tmp.string() + " > " +
                          tmp.string() + ".log 2>&1";
  if (std::system(cmd.c_str()) != 0) return false;
  fs::remove(tmp.string() + ".log", ec);
  { std::ofstream(tmp / ".generated") << "tools/gen_test_captures.py\n"; }
  fs::remove_all(dir, ec);
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp, ec);  // another process moved its copy in first
  return fs::exists(stamp);
}

class GeneratedCaptures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { generated_ = generate_captures(); }
  void SetUp() override {
    if (!generated_) {
      GTEST_SKIP() << "tools/gen_test_captures.py did not run (python3-scapy missing?); see "
                   << kDir << ".tmp.*.log";
    }
  }
  static inline bool generated_ = false;
};

struct Decoded {
  DecodeStatus status;
  PacketRecord r;          ///< classified with default options
  std::uint16_t strict_fp;  ///< fingerprints with the strict Mirai variant
};

std::vector<Decoded> decode_file(const std::string& name) {
  const Classifier normal(PrefixSet::parse_list("203.0.113.0/24,2001:db8:d::/48"), {});
  const Classifier strict(PrefixSet{}, ClassifyOptions{.mirai_strict = true});
  std::vector<Decoded> out;
  for (const test::TestFrame& tf : test::read_capture(kDir + "/" + name)) {
    Frame f{Bytes(tf.data.data(), tf.data.size()), 0, tf.wire_len, tf.link_type, 0};
    Decoded d{};
    d.status = decode_frame(f, d.r);
    normal.classify(d.r);
    PacketRecord copy = d.r;
    strict.classify(copy);
    d.strict_fp = copy.fingerprints;
    out.push_back(d);
  }
  return out;
}

struct Want {
  DecodeStatus status;
  TrafficClass cls;
  std::uint16_t fingerprints;
  std::uint16_t strict_fingerprints;
  std::uint32_t anomalies;
};

constexpr DecodeStatus kOk = DecodeStatus::kOk;
using TC = TrafficClass;

void check(const std::string& file, const std::vector<Want>& want) {
  SCOPED_TRACE(file);
  const std::vector<Decoded> got = decode_file(file);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("packet " + std::to_string(i));
    EXPECT_EQ(got[i].status, want[i].status);
    if (want[i].status != kOk) {
      EXPECT_EQ(got[i].r.anomalies, want[i].anomalies);
      continue;
    }
    EXPECT_EQ(to_string(got[i].r.traffic_class), to_string(want[i].cls));
    EXPECT_EQ(got[i].r.fingerprints, want[i].fingerprints);
    EXPECT_EQ(got[i].strict_fp, want[i].strict_fingerprints);
    EXPECT_EQ(got[i].r.anomalies, want[i].anomalies);
    if (got[i].r.source_known()) {
      EXPECT_TRUE(got[i].r.observed);
    }
  }
}

TEST_F(GeneratedCaptures, Mirai) {
  check("mirai.pcap", {{kOk, TC::kTcpSyn, kFpMirai, kFpMirai, 0},
                       {kOk, TC::kTcpSyn, kFpMirai, 0, 0},
                       {kOk, TC::kTcpBackscatter, 0, 0, 0}});
}

TEST_F(GeneratedCaptures, Zmap) {
  check("zmap.pcap", {{kOk, TC::kTcpSyn, kFpZmap, kFpZmap, 0},
                      {kOk, TC::kUdp, kFpZmap, kFpZmap, 0},
                      {kOk, TC::kIcmpRequest, kFpZmap, kFpZmap, 0},
                      {kOk, TC::kIcmpRequest, 0, 0, 0}});
}

TEST_F(GeneratedCaptures, MasscanAndLargeScale) {
  check("masscan.pcap", {{kOk, TC::kTcpSyn, kFpMasscan | kFpLargeScale,
                          kFpMasscan | kFpLargeScale, 0},
                         {kOk, TC::kTcpSyn, kFpLargeScale, kFpLargeScale, 0}});
  check("large_scale.pcap", {{kOk, TC::kTcpSyn, kFpLargeScale, kFpLargeScale, 0},
                             {kOk, TC::kTcpSyn, 0, 0, 0}});
}

TEST_F(GeneratedCaptures, Nmap) {
  check("nmap.pcap", {{kOk, TC::kTcpSyn, kFpNmap, kFpNmap, 0}, {kOk, TC::kTcpSyn, 0, 0, 0}});
}

TEST_F(GeneratedCaptures, Backscatter) {
  check("backscatter.pcap", {{kOk, TC::kTcpBackscatter, 0, 0, 0},
                             {kOk, TC::kTcpBackscatter, 0, 0, 0},
                             {kOk, TC::kTcpBackscatter, 0, 0, 0}});
}

TEST_F(GeneratedCaptures, IcmpUnreachableQuotesVictim) {
  check("icmp_unreachable.pcap", {{kOk, TC::kIcmpBackscatter, 0, 0, 0}});
  const auto got = decode_file("icmp_unreachable.pcap");
  ASSERT_EQ(got.size(), 1u);
  const QuotedHeader& q = got[0].r.quoted;
  ASSERT_TRUE(q.present);
  EXPECT_EQ(q.src.to_string(), "203.0.113.5");
  EXPECT_EQ(q.dst.to_string(), "192.0.2.80");
  EXPECT_EQ(q.protocol, kProtoTcp);
  EXPECT_EQ(q.src_port, 3333);
  EXPECT_EQ(q.dst_port, 80);
  EXPECT_EQ(got[0].r.icmp_type, 3);
  EXPECT_EQ(got[0].r.icmp_code, 1);
}

TEST_F(GeneratedCaptures, Ipv6ExtensionHeadersAndFragments) {
  check("ipv6_ext.pcap", {{kOk, TC::kTcpSyn, 0, 0, 0},
                          {kOk, TC::kUdp, 0, 0, 0},
                          {kOk, TC::kOther, 0, 0, 0},
                          {kOk, TC::kIcmpRequest, 0, 0, 0}});
  const auto got = decode_file("ipv6_ext.pcap");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].r.dst_port, 22);
  EXPECT_EQ(got[0].r.dst.to_string(), "2001:db8:d::5");
  EXPECT_EQ(got[1].r.ip_id, 0x5678);
  EXPECT_TRUE(got[1].r.more_fragments);
  EXPECT_EQ(got[1].r.dst_port, 161);
  EXPECT_EQ(got[2].r.fragment_offset, 100);
  EXPECT_EQ(got[2].r.protocol, kProtoUdp);
  EXPECT_EQ(got[3].r.icmp_type, 128);
}

TEST_F(GeneratedCaptures, LinkTypes) {
  for (const char* file : {"vlan.pcap", "null.pcap", "raw.pcap", "sll.pcap", "sll2.pcap"}) {
    SCOPED_TRACE(file);
    const auto got = decode_file(file);
    ASSERT_FALSE(got.empty());
    for (const Decoded& d : got) {
      EXPECT_EQ(d.status, kOk);
      EXPECT_EQ(d.r.anomalies, 0u);
      EXPECT_NE(d.r.traffic_class, TC::kMalformed);
    }
  }
  check("vlan.pcap", {{kOk, TC::kTcpSyn, 0, 0, 0}, {kOk, TC::kTcpSyn, 0, 0, 0}});
  check("sll.pcap", {{kOk, TC::kTcpSyn, 0, 0, 0}});
  check("sll2.pcap", {{kOk, TC::kTcpSyn, 0, 0, 0}});
  check("null.pcap",
        {{kOk, TC::kTcpSyn, 0, 0, 0}, {kOk, TC::kTcpSyn, 0, 0, 0}, {kOk, TC::kTcpSyn, 0, 0, 0}});
  check("raw.pcap", {{kOk, TC::kTcpSyn, 0, 0, 0}, {kOk, TC::kUdp, 0, 0, 0}});
  EXPECT_EQ(decode_file("vlan.pcap")[1].r.dst_port, 8080);
  EXPECT_EQ(decode_file("sll2.pcap")[0].r.link_type, kLinkLinuxSll2);
  EXPECT_EQ(decode_file("null.pcap")[2].r.ip_version, 6);
  EXPECT_EQ(decode_file("raw.pcap")[1].r.dst_port, 53);
}

TEST_F(GeneratedCaptures, Ipv4Fragments) {
  check("fragments.pcap", {{kOk, TC::kUdp, 0, 0, 0},
                           {kOk, TC::kOther, 0, 0, 0},
                           {kOk, TC::kOther, 0, 0, 0}});
  const auto got = decode_file("fragments.pcap");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].r.dst_port, 1900);
  EXPECT_TRUE(got[0].r.more_fragments);
  EXPECT_EQ(got[1].r.fragment_offset, 5);
  EXPECT_EQ(got[2].r.fragment_offset, 10);
  EXPECT_EQ(got[2].r.ip_id, 999);
}

TEST_F(GeneratedCaptures, Truncation) {
  check("truncated.pcap",
        {{DecodeStatus::kNonIp, TC::kMalformed, 0, 0, kAnTruncatedLinkHeader},
         {kOk, TC::kMalformed, 0, 0, kAnTruncatedIpHeader},
         {kOk, TC::kMalformed, 0, 0, kAnTruncatedTcpHeader | kAnTruncatedPayload},
         {kOk, TC::kTcpSyn, 0, 0, kAnTcpOptionsTruncated | kAnTruncatedPayload},
         {kOk, TC::kMalformed, 0, 0, kAnTruncatedUdpHeader | kAnTruncatedPayload},
         {kOk, TC::kMalformed, 0, 0, kAnTruncatedIcmpHeader | kAnTruncatedPayload},
         {kOk, TC::kUdp, 0, 0, kAnTruncatedPayload}});
}

TEST_F(GeneratedCaptures, BadChecksums) {
  check("bad_checksums.pcap", {{kOk, TC::kTcpSyn, 0, 0, kAnBadIpChecksum},
                               {kOk, TC::kTcpSyn, 0, 0, kAnBadTcpChecksum},
                               {kOk, TC::kUdp, 0, 0, kAnBadUdpChecksum},
                               {kOk, TC::kIcmpRequest, 0, 0, kAnBadIcmpChecksum}});
}

TEST_F(GeneratedCaptures, ArpIsNonIp) {
  check("arp.pcap", {{DecodeStatus::kNonIp, TC::kMalformed, 0, 0, 0}});
}

}  // namespace
}  // namespace darkscope
