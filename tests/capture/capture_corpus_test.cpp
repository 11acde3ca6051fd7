// Readers against the real captures of the shared corpus (skipped when absent).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "capture/capture_source.hpp"
#include "capture_writer.hpp"

namespace darkscope {
namespace {

namespace fs = std::filesystem;
using test::ByteVector;

const fs::path kCorpus = DARKSCOPE_CORPUS_DIR;

#define REQUIRE_CORPUS() \
  if (!fs::is_directory(kCorpus)) GTEST_SKIP() << "corpus not found at " << kCorpus

struct SeenFrame {
  ByteVector data;
  std::int64_t ts_ns;
  std::uint32_t wire_len;
  bool operator==(const SeenFrame&) const = default;
};

std::vector<SeenFrame> read_all(CaptureSource& source) {
  std::vector<SeenFrame> out;
  Frame f;
  while (source.next(f))
    out.push_back({ByteVector(f.data.begin(), f.data.end()), f.ts_ns, f.wire_len});
  return out;
}

ByteVector slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return ByteVector((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::uint64_t count_frames(const fs::path& path, CaptureInfo* info = nullptr) {
  auto source = open_capture_file(path.string());
  Frame f;
  std::uint64_t n = 0;
  while (source->next(f)) ++n;
  if (info != nullptr) *info = source->info();
  return n;
}

TEST(CaptureCorpus, KnownFrameCounts) {
  REQUIRE_CORPUS();
  CaptureInfo info;
  EXPECT_EQ(count_frames(kCorpus / "scans/seriouszyx_zmap_tcp80_10k.pcap", &info), 10'055u);
  EXPECT_TRUE(info.complete) << info.error;
  EXPECT_EQ(info.format, "pcap");
  EXPECT_EQ(count_frames(kCorpus / "scans/seriouszyx_masscan.pcap", &info), 612u);
  EXPECT_TRUE(info.complete) << info.error;
  EXPECT_EQ(count_frames(kCorpus / "scans/chrissanders_synscan.pcapng", &info), 2'011u);
  EXPECT_TRUE(info.complete) << info.error;
  EXPECT_EQ(info.format, "pcapng");
  EXPECT_EQ(info.packets, 2'011u);
}

/// libtrace ships the same 100 packets as µs pcap, ns pcap and pcapng; with our
/// own gzip/zstd/xz versions of each, every form must give the same frames.
TEST(CaptureCorpus, LibtraceHundredPacketsIdenticalInEveryForm) {
  REQUIRE_CORPUS();
  const fs::path dir = kCorpus / "robustness/libtrace/test/traces";
  const char* names[] = {"100_packets.pcap", "100_packetsns.pcap", "100_packets.pcapng"};
  auto reference_source = open_capture_file((dir / names[0]).string());
  const auto reference = read_all(*reference_source);
  ASSERT_EQ(reference.size(), 100u);
  ASSERT_TRUE(reference_source->info().complete);
  int forms = 0;
  for (const char* name : names) {
    const ByteVector raw = slurp(dir / name);
    for (const auto& bytes :
         {raw, test::gzip_compress(raw), test::zstd_compress(raw), test::xz_compress(raw)}) {
      auto source = open_capture_memory(Bytes(bytes.data(), bytes.size()), name);
      EXPECT_EQ(read_all(*source), reference) << name << " " << source->info().compression;
      EXPECT_TRUE(source->info().complete) << source->info().error;
      ++forms;
    }
  }
  EXPECT_EQ(forms, 12);
}

/// Our own, independent look at a file: does some record (pcap) or block (pcapng)
/// whose header is complete claim more bytes than the file has left?
bool record_runs_past_end(const ByteVector& b) {
  if (b.size() < 24) return false;
  const std::uint32_t magic = load_le32(b.data());
  const bool le = magic == 0xA1B2C3D4 || magic == 0xA1B23C4D;
  const bool be = magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1;
  if (le || be) {
    for (std::size_t at = 24; at + 16 <= b.size();) {
      const std::uint64_t caplen = be ? load_be32(&b[at + 8]) : load_le32(&b[at + 8]);
      if (at + 16 + caplen > b.size()) return true;
      at += 16 + caplen;
    }
    return false;
  }
  if (magic == 0x0A0D0D0A) {
    const std::uint32_t order = load_le32(&b[8]);
    if (order != 0x1A2B3C4D && order != 0x4D3C2B1A) return false;
    const bool big = order == 0x4D3C2B1A;
    for (std::size_t at = 0; at + 12 <= b.size();) {
      const std::uint64_t length = big ? load_be32(&b[at + 4]) : load_le32(&b[at + 4]);
      if (at + length > b.size()) return true;
      if (length < 12 || length % 4 != 0) return false;
      at += length;
    }
  }
  return false;
}

TEST(CaptureCorpus, EveryRobustnessFileReadDamagedOrRefused) {
  REQUIRE_CORPUS();
  const auto started = std::chrono::steady_clock::now();
  int complete = 0;
  int damaged = 0;
  int refused = 0;
  int past_end = 0;
  std::uint64_t frames = 0;
  bool no_header_refused = false;
  for (const auto& entry : fs::recursive_directory_iterator(kCorpus / "robustness")) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    const bool expect_damage = record_runs_past_end(slurp(entry.path()));
    past_end += expect_damage ? 1 : 0;
    std::unique_ptr<CaptureSource> source;
    try {
      source = open_capture_file(path);
    } catch (const CaptureOpenError& e) {
      ++refused;
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_FALSE(expect_damage) << path << " refused: " << e.what();
      if (entry.path().filename() == "thornlewars_honeypot_NO_GLOBAL_HEADER.pcap") {
        no_header_refused = true;
        EXPECT_NE(std::string(e.what()).find("not a pcap/pcapng capture (first bytes: 68 02 b8 41"),
                  std::string::npos)
            << e.what();
      }
      continue;
    }
    Frame f;
    std::uint64_t n = 0;
    while (source->next(f)) ++n;
    frames += n;
    const CaptureInfo& info = source->info();
    EXPECT_EQ(info.packets, n);
    if (info.complete) {
      ++complete;
      EXPECT_TRUE(info.error.empty()) << path;
      EXPECT_FALSE(expect_damage) << path << " read as complete, but a record runs past its end";
    } else {
      ++damaged;
      EXPECT_NE(info.error.find(path), std::string::npos) << info.error;
      EXPECT_NE(info.error.find("byte offset " + std::to_string(info.error_offset)),
                std::string::npos)
          << info.error;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "robustness corpus: %d complete, %d damaged, %d refused (%llu frames, %.1f s); "
      "%d files have a record running past the end\n",
      complete, damaged, refused, static_cast<unsigned long long>(frames), seconds, past_end);
  EXPECT_EQ(past_end, 18);
  EXPECT_TRUE(no_header_refused);
  EXPECT_GT(complete, 1000);
  EXPECT_LT(seconds, 120.0);
}

}  // namespace
}  // namespace darkscope
