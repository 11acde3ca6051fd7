// Decoding real captures from the shared corpus: checksum verdicts against tshark,
// and every frame of the robustness collection decoded without a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "classify/classifier.hpp"
#include "decode/decoder.hpp"
#include "mini_pcap.hpp"

namespace darkscope {
namespace {

namespace fs = std::filesystem;

const std::string kRobustness = std::string(DARKSCOPE_CORPUS_DIR) + "/robustness";

struct ChecksumCounts {
  long ip = 0;
  long tcp = 0;
  long udp = 0;
};

ChecksumCounts bad_checksums(const std::string& path) {
  ChecksumCounts c;
  for (const test::TestFrame& tf : test::read_capture(path)) {
    Frame f{Bytes(tf.data.data(), tf.data.size()), 0, tf.wire_len, tf.link_type, 0};
    PacketRecord r;
    decode_frame(f, r);
    c.ip += r.has_anomaly(kAnBadIpChecksum);
    c.tcp += r.has_anomaly(kAnBadTcpChecksum);
    c.udp += r.has_anomaly(kAnBadUdpChecksum);
  }
  return c;
}

// Expected counts: tshark -o {ip,tcp,udp}.check_checksum:TRUE -Y '<proto>.checksum.status==0'.
TEST(CorpusDecode, BadChecksumsAgreeWithTshark) {
  struct Case {
    const char* file;
    ChecksumCounts want;
  };
  const Case cases[] = {
      {"pcapplusplus/Tests/Pcap++Test/PcapExamples/example.pcap", {0, 1739, 69}},
      {"zeek/testing/btest/Traces/ncp.pcap", {245, 244, 0}},
      {"tcpdump/tests/resp_3_malicious.pcap", {0, 163, 0}},
      {"pcapplusplus/Tests/Pcap++Test/PcapExamples/sll.pcap", {0, 158, 16}},
  };
  for (const Case& c : cases) {
    const std::string path = kRobustness + "/" + c.file;
    if (!fs::exists(path)) {
      GTEST_SKIP() << "shared corpus not found: " << path;
    }
    SCOPED_TRACE(c.file);
    const ChecksumCounts got = bad_checksums(path);
    EXPECT_EQ(got.ip, c.want.ip);
    EXPECT_EQ(got.tcp, c.want.tcp);
    EXPECT_EQ(got.udp, c.want.udp);
  }
}

TEST(CorpusDecode, EveryRobustnessFrameDecodes) {
  if (!fs::exists(kRobustness)) {
    GTEST_SKIP() << "shared corpus not found: " << kRobustness;
  }
  const Classifier classifier(PrefixSet{}, {});
  long frames = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kRobustness)) {
    if (!entry.is_regular_file()) continue;
    for (const test::TestFrame& tf : test::read_capture(entry.path().string())) {
      Frame f{Bytes(tf.data.data(), tf.data.size()), 0, tf.wire_len, tf.link_type, 0};
      PacketRecord r;
      const DecodeStatus s = decode_frame(f, r);
      ++frames;
      if (s != DecodeStatus::kOk) {
        ASSERT_EQ(r.ip_version, 0) << entry.path();
        continue;
      }
      classifier.classify(r);
      if (r.ip_version == 0) {
        ASSERT_TRUE(r.anomalies & (kAnTruncatedIpHeader | kAnBadIpVersion)) << entry.path();
        ASSERT_EQ(r.traffic_class, TrafficClass::kMalformed) << entry.path();
      }
      if (r.traffic_class == TrafficClass::kMalformed) {
        ASSERT_EQ(r.fingerprints, 0);
      }
    }
  }
  EXPECT_GT(frames, 30000);  // the collection holds ~39,000 readable frames
}

}  // namespace
}  // namespace darkscope
