// darkscope analyze and packets, run as a user runs them, on captures built byte by byte.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "../support/packet_builder.hpp"
#include "../support/live_traffic.hpp"
#include "../support/run_command.hpp"

namespace darkscope {
namespace {

using namespace darkscope::testing;
using nlohmann::json;

constexpr std::uint32_t kDarknetBase = 0xC6336400;  // 198.51.100.0/24
const std::string kDarknet = "198.51.100.0/24";

PcapRecord syn(std::uint32_t src, std::uint32_t dst, std::uint16_t dport, std::uint32_t seq,
               std::uint32_t sec, std::uint16_t id = 7) {
  Ipv4Spec ip{src, dst, 64, id, 6};
  return {sec, 0, ethernet(ipv4(ip, tcp(ip, 40000, dport, seq, 0x02)))};
}

// A capture with one packet of each kind whose answers follow from SPEC.md alone.
std::vector<PcapRecord> mixed_capture() {
  std::vector<PcapRecord> r;
  // 3 Mirai probes (seq == destination address) from one source to tcp/23.
  for (std::uint32_t i = 1; i <= 3; ++i) {
    r.push_back(syn(0x0B000001, kDarknetBase + i, 23, kDarknetBase + i, 1581379200 + i));
  }
  // A ZMap probe (IP ID 54321) to tcp/80 from another source.
  r.push_back(syn(0x0C000001, kDarknetBase + 9, 80, 12345, 1581379210, 54321));
  // Backscatter: SYN+ACK from a victim; not charged to any port.
  {
    Ipv4Spec ip{0x0D000001, kDarknetBase + 5, 55, 99, 6};
    r.push_back({1581379220, 0, ethernet(ipv4(ip, tcp(ip, 80, 33333, 1, 0x12)))});
  }
  // A UDP probe to udp/53.
  {
    Ipv4Spec ip{0x0E000001, kDarknetBase + 6, 50, 3, 17};
    r.push_back({1581379230, 0, ethernet(ipv4(ip, udp(ip, 5353, 53, {1, 2, 3, 4})))});
  }
  // Outside the darknet.
  r.push_back(syn(0x0F000001, 0x08080808, 23, 1, 1581379240));
  // ARP: not IP.
  r.push_back({1581379250, 0, ethernet(ByteVec(28, 0), 0x0806)});
  // A TCP header cut to 12 bytes: malformed, but its source is known.
  {
    Ipv4Spec ip{0x10000001, kDarknetBase + 7, 64, 5, 6};
    ByteVec t = tcp(ip, 1, 23, 0, 0x02);
    t.resize(12);
    r.push_back({1581379260, 0, ethernet(ipv4(ip, t))});
  }
  return r;
}

class AnalyzeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(darkscope_binary())) GTEST_SKIP() << "darkscope binary not built";
    dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(AnalyzeCli, CountsEveryClassByTheSpec) {
  write_file(path("mixed.pcap"), pcap_file(mixed_capture()));
  const auto r = run_command(darkscope_binary() + " analyze --no-enrich --json --darknet " + kDarknet +
                             " " + path("mixed.pcap"));
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["packets"], 9);
  EXPECT_EQ(j["non_ip"], 1);
  EXPECT_EQ(j["outside"], 1);
  EXPECT_EQ(j["observed"], 7);
  EXPECT_EQ(j["classes"]["tcp-syn"], 4);
  EXPECT_EQ(j["classes"]["tcp-backscatter"], 1);
  EXPECT_EQ(j["classes"]["udp"], 1);
  EXPECT_EQ(j["classes"]["malformed"], 1);
  EXPECT_EQ(j["classes"]["icmp-request"], 0);
  EXPECT_EQ(j["classes"].size(), 9u);
  EXPECT_EQ(j["fingerprints"]["mirai"], 3);
  EXPECT_EQ(j["fingerprints"]["zmap"], 1);
  EXPECT_EQ(j["fingerprints"]["masscan"], 0);
  EXPECT_EQ(j["sources"], 5);        // the malformed packet's source is known
  EXPECT_EQ(j["destinations"], 7);
  EXPECT_EQ(j["first_seen"], "2020-02-11T00:00:01Z");
  EXPECT_EQ(j["last_seen"], "2020-02-11T00:01:00Z");
  ASSERT_EQ(j["top_ports"].size(), 3u);
  EXPECT_EQ(j["top_ports"][0]["key"], "tcp/23");
  EXPECT_EQ(j["top_ports"][0]["packets"], 3);  // the malformed probe is not charged
  EXPECT_EQ(j["top_ports"][0]["service"], "telnet");
  EXPECT_EQ(j["top_ports"][1]["key"], "tcp/80");
  EXPECT_EQ(j["top_ports"][2]["key"], "udp/53");
  EXPECT_EQ(j["top_ports"][2]["proto"], "udp");
  EXPECT_EQ(j["top_ports"][2]["port"], 53);
  EXPECT_EQ(j["anomalies"]["truncated_tcp_header"], 1);
  ASSERT_EQ(j["files"].size(), 1u);
  EXPECT_EQ(j["files"][0]["format"], "pcap");
  EXPECT_EQ(j["files"][0]["compression"], "none");
  EXPECT_EQ(j["files"][0]["link_types"], json::array({1}));
  EXPECT_EQ(j["files"][0]["packets"], 9);
  EXPECT_EQ(j["files"][0]["complete"], true);
  EXPECT_TRUE(j["files"][0]["error"].is_null());
}

TEST_F(AnalyzeCli, StrictMiraiNeedsHighSourcePort) {
  std::vector<PcapRecord> recs;
  Ipv4Spec ip{0x0B000001, kDarknetBase + 1, 64, 1, 6};
  recs.push_back({1581379200, 0, ethernet(ipv4(ip, tcp(ip, 1024, 23, kDarknetBase + 1, 0x02)))});
  recs.push_back({1581379201, 0, ethernet(ipv4(ip, tcp(ip, 1025, 23, kDarknetBase + 1, 0x02)))});
  write_file(path("m.pcap"), pcap_file(recs));
  const std::string base = darkscope_binary() + " analyze --no-enrich --json " + path("m.pcap");
  EXPECT_EQ(json::parse(run_command(base).out)["fingerprints"]["mirai"], 2);
  EXPECT_EQ(json::parse(run_command(base + " --mirai-strict").out)["fingerprints"]["mirai"], 1);
}

TEST_F(AnalyzeCli, NoDarknetMeansEverythingObservedAndSaysSo) {
  write_file(path("mixed.pcap"), pcap_file(mixed_capture()));
  const auto r = run_command(darkscope_binary() + " analyze --no-enrich --json " + path("mixed.pcap"));
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(json::parse(r.out)["observed"], 8);
  EXPECT_EQ(json::parse(r.out)["outside"], 0);
  EXPECT_NE(r.err.find("every packet counts as an observation"), std::string::npos) << r.err;
}

TEST_F(AnalyzeCli, DamagedFileIsReadUpToTheDamageWithExit3) {
  ByteVec bytes = pcap_file(mixed_capture());
  const std::size_t full = bytes.size();
  bytes.resize(full - 10);  // the last record runs past the end
  write_file(path("cut.pcap"), bytes);
  const auto r = run_command(darkscope_binary() + " analyze --no-enrich --json --darknet " + kDarknet +
                             " " + path("cut.pcap"));
  EXPECT_EQ(r.status, 3) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["packets"], 8);
  EXPECT_EQ(j["files"][0]["complete"], false);
  const std::string error = j["files"][0]["error"];
  // The damaged record starts where the last full record ended.
  const std::size_t last_frame = mixed_capture().back().frame.size();
  const std::size_t offset = full - 16 - last_frame;
  EXPECT_NE(error.find(std::to_string(offset)), std::string::npos) << error;
  EXPECT_NE(r.err.find("cut.pcap"), std::string::npos) << r.err;
}

TEST_F(AnalyzeCli, NotACaptureIsExit2AndTheRunGoesOn) {
  write_file(path("notes.pcap"), ByteVec{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'});
  write_file(path("good.pcap"), pcap_file(mixed_capture()));
  const auto r = run_command(darkscope_binary() + " analyze --no-enrich --json " + path("notes.pcap") +
                             " " + path("good.pcap") + " " + path("missing.pcap"));
  EXPECT_EQ(r.status, 2);
  const json j = json::parse(r.out);
  ASSERT_EQ(j["files"].size(), 3u);
  EXPECT_EQ(j["files"][1]["packets"], 9);
  EXPECT_EQ(j["packets"], 9);
  EXPECT_NE(r.err.find("68 65 6c 6c"), std::string::npos) << "first bytes are shown: " << r.err;
  EXPECT_NE(r.err.find("missing.pcap"), std::string::npos) << r.err;
}

TEST_F(AnalyzeCli, CompressedCaptureIsFoundByMagicNotName) {
  write_file(path("a.pcap"), pcap_file(mixed_capture()));
  ASSERT_EQ(std::system(("zstd -q -f " + path("a.pcap") + " -o " + path("a.data")).c_str()), 0);
  const auto r = run_command(darkscope_binary() + " analyze --no-enrich --json --darknet " + kDarknet +
                             " " + path("a.data"));
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["files"][0]["compression"], "zstd");
  EXPECT_EQ(j["observed"], 7);
  EXPECT_EQ(j["fingerprints"]["mirai"], 3);
}

TEST_F(AnalyzeCli, PacketsPrintsOneLinePerPacket) {
  write_file(path("mixed.pcap"), pcap_file(mixed_capture()));
  const auto r = run_command(darkscope_binary() + " packets --no-enrich --json --darknet " + kDarknet +
                             " " + path("mixed.pcap"));
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<json> packets;
  for (std::string line; std::getline(lines, line);) packets.push_back(json::parse(line));
  ASSERT_EQ(packets.size(), 8u);  // ARP is not an IP packet
  EXPECT_EQ(packets[0]["src"], "11.0.0.1");
  EXPECT_EQ(packets[0]["dst"], "198.51.100.1");
  EXPECT_EQ(packets[0]["dport"], 23);
  EXPECT_EQ(packets[0]["class"], "tcp-syn");
  EXPECT_EQ(packets[0]["fingerprints"], json::array({"mirai"}));
  EXPECT_EQ(packets[0]["flags"], "S");
  EXPECT_EQ(packets[4]["class"], "tcp-backscatter");
  EXPECT_EQ(packets[4]["flags"], "SA");
  EXPECT_EQ(packets[6]["observed"], false);
  EXPECT_EQ(packets[7]["class"], "malformed");
  EXPECT_EQ(packets[7]["anomalies"], json::array({"truncated_tcp_header"}));
}

// Real captures with known answers (../shared/corpus/scans/README).
class CorpusCli : public AnalyzeCli {
 protected:
  json analyze(const std::string& relative) {
    const std::string file = std::string(DARKSCOPE_CORPUS_DIR) + "/" + relative;
    if (!std::filesystem::exists(file)) return nullptr;
    const auto r = run_command(darkscope_binary() + " analyze --no-enrich --json --top 3 " + file);
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out);
  }
};

TEST_F(CorpusCli, ZmapScanKnownAnswers) {
  const json j = analyze("scans/seriouszyx_zmap_tcp80_10k.pcap");
  if (j.is_null()) GTEST_SKIP() << "corpus not present";
  EXPECT_EQ(j["packets"], 10055);
  EXPECT_EQ(j["classes"]["tcp-syn"], 10000);
  EXPECT_EQ(j["fingerprints"]["zmap"], 10000);
  EXPECT_EQ(j["fingerprints"]["mirai"], 0);
  EXPECT_EQ(j["fingerprints"]["masscan"], 0);
  EXPECT_EQ(j["classes"]["tcp-backscatter"], 14 + 28);
  EXPECT_EQ(j["top_ports"][0]["key"], "tcp/80");
  EXPECT_EQ(j["top_ports"][0]["packets"], 10000);
}

TEST_F(CorpusCli, MasscanKnownAnswers) {
  const json j = analyze("scans/seriouszyx_masscan.pcap");
  if (j.is_null()) GTEST_SKIP() << "corpus not present";
  EXPECT_EQ(j["packets"], 612);
  EXPECT_EQ(j["classes"]["tcp-syn"], 600);
  EXPECT_EQ(j["fingerprints"]["masscan"], 600);
  EXPECT_EQ(j["fingerprints"]["zmap"], 0);
  EXPECT_EQ(j["classes"]["tcp-backscatter"], 3 + 7);
}

TEST_F(CorpusCli, NmapPcapngKnownAnswers) {
  const json j = analyze("scans/chrissanders_synscan.pcapng");
  if (j.is_null()) GTEST_SKIP() << "corpus not present";
  EXPECT_EQ(j["files"][0]["format"], "pcapng");
  EXPECT_EQ(j["packets"], 2011);
  EXPECT_EQ(j["classes"]["tcp-syn"], 1994);
  EXPECT_EQ(j["classes"]["tcp-backscatter"], 12 + 5);
  EXPECT_EQ(j["fingerprints"]["mirai"], 0);
  EXPECT_EQ(j["fingerprints"]["masscan"], 0);
}

}  // namespace
}  // namespace darkscope

namespace darkscope {
namespace {

/// `analyze --interface lo` as an operator runs it: capture until SIGTERM, then the
/// same summary. The darknet filter keeps only the packets sent into 127.77.0.0/16.
TEST(AnalyzeLive, LoopbackUntilSigtermThenTheSummary) {
  if (!std::filesystem::exists(darkscope_binary())) GTEST_SKIP() << "darkscope binary not built";
  const auto dir = temp_dir("analyze-live");
  const std::string out = (dir / "out.json").string();
  const std::string err = (dir / "err.txt").string();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::freopen(out.c_str(), "w", stdout);
    std::freopen(err.c_str(), "w", stderr);
    const std::string bin = darkscope_binary();
    ::execl(bin.c_str(), bin.c_str(), "analyze", "--no-enrich", "--json", "--interface", "lo",
            "--darknet", "127.77.0.0/16", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait until the capture runs (it says so on stderr), or until it has failed.
  std::string said;
  for (int i = 0; i < 100 && said.find("Ctrl-C") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(err);
    said.assign(std::istreambuf_iterator<char>(in), {});
    if (::waitpid(child, nullptr, WNOHANG) == child) break;
  }
  if (said.find("Ctrl-C") == std::string::npos) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    GTEST_SKIP() << "live capture on lo not possible here: " << said;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the capture handle is active
  constexpr int kInside = 25;
  ASSERT_TRUE(send_udp(kInside + 10, "dksc", [](int i) {
    // The last ten go to 127.0.0.1: outside the darknet, filtered out by BPF.
    return std::pair{i < kInside ? 0x7F4D0005u : 0x7F000001u, 9000 + i % 3};
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int status = terminate_and_wait(child);
  ASSERT_NE(status, -1);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::ifstream in(out);
  const json j = json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
  EXPECT_EQ(j["classes"]["udp"], kInside);
  EXPECT_EQ(j["observed"], kInside);
  EXPECT_EQ(j["outside"], 0);
  EXPECT_EQ(j["destinations"], 1);
  ASSERT_EQ(j["top_ports"].size(), 3u);
  EXPECT_EQ(j["top_ports"][0]["key"], "udp/9000");
  EXPECT_EQ(j["top_ports"][0]["packets"], 9);
  ASSERT_EQ(j["files"].size(), 1u);
  EXPECT_EQ(j["files"][0]["format"], "live");
  std::ifstream err_in(err);
  const std::string err_text(std::istreambuf_iterator<char>(err_in), {});
  EXPECT_NE(err_text.find("kernel: "), std::string::npos) << err_text;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace darkscope
