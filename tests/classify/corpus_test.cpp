// Known answers from real scanner captures in the shared corpus (README.md there).
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <string>

#include "../decode/mini_pcap.hpp"
#include "classify/classifier.hpp"
#include "decode/decoder.hpp"

namespace darkscope {
namespace {

struct Tally {
  std::size_t frames = 0;
  std::size_t non_ip = 0;
  std::array<std::size_t, kTrafficClassCount> classes{};
  std::array<std::size_t, kFingerprintCount> fingerprints{};  ///< over tcp-syn/udp/icmp probes
  std::size_t syn_ack = 0;
  std::size_t rst = 0;
  std::size_t syn_with_zmap = 0;
  std::size_t syn_with_masscan = 0;
  std::size_t checksum_anomalies = 0;
  std::size_t class_of_flags_mismatches = 0;  ///< TCP packets whose class is not SPEC's for its flags

  [[nodiscard]] std::size_t of(TrafficClass c) const { return classes[static_cast<int>(c)]; }
  [[nodiscard]] std::size_t of(Fingerprint f) const {
    for (int i = 0; i < kFingerprintCount; ++i) {
      if ((1u << i) == f) return fingerprints[i];
    }
    return 0;
  }
};

/// SPEC.md's TCP rows written out once more, independently of classify.cpp.
TrafficClass spec_tcp_class(std::uint8_t f) {
  const bool syn = f & 0x02, ack = f & 0x10, rst = f & 0x04;
  if (syn && !ack) return TrafficClass::kTcpSyn;
  if ((syn && ack) || rst) return TrafficClass::kTcpBackscatter;
  return TrafficClass::kTcpOther;
}

std::string corpus(const char* name) {
  return std::string(DARKSCOPE_CORPUS_DIR) + "/scans/" + name;
}

Tally run(const std::string& path) {
  const Classifier classifier(PrefixSet{}, ClassifyOptions{});
  Tally t;
  for (const test::TestFrame& tf : test::read_capture(path)) {
    Frame f{Bytes(tf.data.data(), tf.data.size()), 0, tf.wire_len, tf.link_type, 0};
    PacketRecord r;
    ++t.frames;
    if (decode_frame(f, r) != DecodeStatus::kOk) {
      ++t.non_ip;
      continue;
    }
    classifier.classify(r);
    ++t.classes[static_cast<int>(r.traffic_class)];
    for (int i = 0; i < kFingerprintCount; ++i) {
      if (r.fingerprints & (1u << i)) ++t.fingerprints[i];
    }
    if (r.protocol == kProtoTcp && r.traffic_class != TrafficClass::kMalformed) {
      if ((r.tcp_flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck)) ++t.syn_ack;
      if (r.tcp_flags & kTcpRst) ++t.rst;
      if (r.traffic_class != spec_tcp_class(r.tcp_flags)) ++t.class_of_flags_mismatches;
    }
    if (r.traffic_class == TrafficClass::kTcpSyn && r.has_fingerprint(kFpZmap)) ++t.syn_with_zmap;
    if (r.traffic_class == TrafficClass::kTcpSyn && r.has_fingerprint(kFpMasscan)) {
      ++t.syn_with_masscan;
    }
    if (r.anomalies & (kAnBadIpChecksum | kAnBadTcpChecksum | kAnBadUdpChecksum)) {
      ++t.checksum_anomalies;
    }
  }
  return t;
}

#define REQUIRE_CORPUS_FILE(path)                                              \
  if (!std::filesystem::exists(path)) {                                        \
    GTEST_SKIP() << "shared corpus not found: " << (path);                     \
  }

TEST(CorpusKnownAnswers, Zmap) {
  const std::string path = corpus("seriouszyx_zmap_tcp80_10k.pcap");
  REQUIRE_CORPUS_FILE(path);
  const Tally t = run(path);
  EXPECT_EQ(t.frames, 10055u);
  EXPECT_EQ(t.of(TrafficClass::kTcpSyn), 10000u);
  EXPECT_EQ(t.syn_with_zmap, 10000u);
  EXPECT_EQ(t.of(kFpZmap), 10000u);
  EXPECT_EQ(t.of(TrafficClass::kTcpBackscatter), 42u);
  EXPECT_EQ(t.syn_ack, 14u);
  EXPECT_EQ(t.rst, 28u);
  EXPECT_EQ(t.of(kFpMirai), 0u);
  EXPECT_EQ(t.of(kFpMasscan), 0u);
  EXPECT_EQ(t.of(kFpNmap), 0u);
  EXPECT_EQ(t.of(kFpLargeScale), 0u);  // window 65535
  EXPECT_EQ(t.of(TrafficClass::kMalformed), 0u);
  EXPECT_EQ(t.class_of_flags_mismatches, 0u);
}

TEST(CorpusKnownAnswers, Masscan) {
  const std::string path = corpus("seriouszyx_masscan.pcap");
  REQUIRE_CORPUS_FILE(path);
  const Tally t = run(path);
  EXPECT_EQ(t.frames, 612u);
  EXPECT_EQ(t.of(TrafficClass::kTcpSyn), 600u);
  EXPECT_EQ(t.syn_with_masscan, 600u);
  EXPECT_EQ(t.of(kFpMasscan), 600u);
  EXPECT_EQ(t.of(kFpLargeScale), 600u);  // TTL 255, window 1024, no options
  EXPECT_EQ(t.of(kFpZmap), 0u);
  EXPECT_EQ(t.of(kFpMirai), 0u);
  EXPECT_EQ(t.of(kFpNmap), 0u);
  EXPECT_EQ(t.of(TrafficClass::kTcpBackscatter), 10u);
  EXPECT_EQ(t.syn_ack, 3u);
  EXPECT_EQ(t.rst, 7u);
  EXPECT_EQ(t.of(TrafficClass::kMalformed), 0u);
}

TEST(CorpusKnownAnswers, NmapSynScan) {
  const std::string path = corpus("chrissanders_synscan.pcapng");
  REQUIRE_CORPUS_FILE(path);
  const Tally t = run(path);
  EXPECT_EQ(t.frames, 2011u);
  EXPECT_EQ(t.of(TrafficClass::kTcpSyn), 1994u);
  EXPECT_EQ(t.of(kFpNmap), 1994u);
  EXPECT_EQ(t.of(kFpMirai), 0u);
  EXPECT_EQ(t.of(kFpMasscan), 0u);
  // nmap picks IP IDs at random: frame 43 happens to carry 54321 (tshark -Y
  // "ip.id==54321"), so exactly one probe also matches ZMap's rule.
  EXPECT_EQ(t.of(kFpZmap), 1u);
  EXPECT_EQ(t.of(kFpLargeScale), 0u);
  EXPECT_EQ(t.syn_ack, 12u);
  EXPECT_EQ(t.rst, 5u);
  EXPECT_EQ(t.of(TrafficClass::kTcpBackscatter), 17u);
}

TEST(CorpusKnownAnswers, EsnetOneWayAllFlags) {
  const std::string path = corpus("esnet_tcp_one_way_all_flags.pcap");
  REQUIRE_CORPUS_FILE(path);
  const Tally t = run(path);
  // Flags 0x00..0x3e, one packet each: 16 have SYN without ACK, 31 SYN+ACK or RST.
  EXPECT_EQ(t.frames, 63u);
  EXPECT_EQ(t.of(TrafficClass::kTcpSyn), 16u);
  EXPECT_EQ(t.of(TrafficClass::kTcpBackscatter), 31u);
  EXPECT_EQ(t.of(TrafficClass::kTcpOther), 16u);
  EXPECT_EQ(t.class_of_flags_mismatches, 0u);
  EXPECT_EQ(t.checksum_anomalies, 0u);
}

TEST(CorpusKnownAnswers, EsnetTwoWayAllFlags) {
  const std::string path = corpus("esnet_tcp_two_way_all_flags.pcap");
  REQUIRE_CORPUS_FILE(path);
  const Tally t = run(path);
  EXPECT_EQ(t.frames, 7938u);
  EXPECT_EQ(t.of(TrafficClass::kTcpSyn), 2016u);
  EXPECT_EQ(t.of(TrafficClass::kTcpBackscatter), 3906u);
  EXPECT_EQ(t.of(TrafficClass::kTcpOther), 2016u);
  EXPECT_EQ(t.class_of_flags_mismatches, 0u);
}

}  // namespace
}  // namespace darkscope
