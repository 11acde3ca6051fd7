// Readers against captures built byte by byte in the test: every frame's bytes,
// timestamp, lengths and link type are known in advance.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "capture/capture_source.hpp"
#include "capture_writer.hpp"

namespace darkscope {
namespace {

using test::ByteVector;

/// What a reader handed out, copied so that it outlives the call.
struct SeenFrame {
  ByteVector data;
  std::int64_t ts_ns;
  std::uint32_t wire_len;
  std::uint16_t link_type;
  std::uint16_t interface_id;
  bool operator==(const SeenFrame&) const = default;
};

std::vector<SeenFrame> read_all(CaptureSource& source) {
  std::vector<SeenFrame> frames;
  Frame f;
  while (source.next(f)) {
    frames.push_back({ByteVector(f.data.begin(), f.data.end()), f.ts_ns, f.wire_len, f.link_type,
                      f.interface_id});
  }
  EXPECT_FALSE(source.next(f)) << "next() after the end must stay false";
  return frames;
}

std::vector<SeenFrame> read_memory(const ByteVector& bytes, CaptureInfo* info = nullptr) {
  auto source = open_capture_memory(Bytes(bytes.data(), bytes.size()), "mem");
  auto frames = read_all(*source);
  if (info != nullptr) *info = source->info();
  return frames;
}

/// Frame content that differs per index and size, so a misplaced byte shows.
/// Pseudo-random, so that compressors cannot shrink it to almost nothing.
ByteVector payload(std::size_t index, std::size_t size) {
  ByteVector out(size);
  std::uint64_t x = index * 0x9E3779B97F4A7C15ull + size;
  for (std::size_t i = 0; i < size; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    out[i] = static_cast<std::uint8_t>(x >> 56);
  }
  return out;
}

constexpr std::size_t kSizes[] = {60, 0, 1, 1514, 77, 262144};

struct PcapCase {
  bool big;
  bool ns;
};

class CapturePcapFormats : public ::testing::TestWithParam<PcapCase> {};

TEST_P(CapturePcapFormats, EveryFrameExact) {
  const auto [big, ns] = GetParam();
  // Upper bits set in the link type field (FCS length 4, FCS present) must be masked off.
  test::PcapWriter w(big, ns, 0x44000001u);
  std::vector<SeenFrame> expected;
  for (std::size_t i = 0; i < std::size(kSizes); ++i) {
    const auto data = payload(i, kSizes[i]);
    const std::uint32_t sec = 1'700'000'000u + static_cast<std::uint32_t>(i);
    const std::uint32_t sub = ns ? 999'999'999u - static_cast<std::uint32_t>(i)
                                 : 999'999u - static_cast<std::uint32_t>(i);
    w.record(sec, sub, data, static_cast<std::uint32_t>(kSizes[i] + 4));
    const std::int64_t ts = std::int64_t{sec} * 1'000'000'000 + std::int64_t{sub} * (ns ? 1 : 1000);
    expected.push_back({data, ts, static_cast<std::uint32_t>(kSizes[i] + 4), 1, 0});
  }
  CaptureInfo info;
  EXPECT_EQ(read_memory(w.data(), &info), expected);
  EXPECT_EQ(info.format, "pcap");
  EXPECT_EQ(info.compression, "none");
  EXPECT_EQ(info.link_types, std::vector<std::uint16_t>{1});
  EXPECT_EQ(info.packets, expected.size());
  EXPECT_TRUE(info.complete);
  EXPECT_TRUE(info.error.empty());

  // The same bytes from a file and through each compressor.
  const std::string path = test::write_temp_file("plain.pcap", w.data());
  auto file = open_capture_file(path);
  EXPECT_EQ(read_all(*file), expected);
  EXPECT_EQ(file->bytes_read(), w.data().size());
  for (const auto& [name, bytes] : {std::pair{"gzip", test::gzip_compress(w.data())},
                                    std::pair{"zstd", test::zstd_compress(w.data())},
                                    std::pair{"xz", test::xz_compress(w.data())}}) {
    auto source = open_capture_memory(Bytes(bytes.data(), bytes.size()), name);
    EXPECT_EQ(read_all(*source), expected) << name;
    EXPECT_EQ(source->info().compression, name);
    EXPECT_EQ(source->info().format, "pcap");
    EXPECT_TRUE(source->info().complete) << source->info().error;
    EXPECT_EQ(source->bytes_read(), bytes.size()) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(ByteOrderAndResolution, CapturePcapFormats,
                         ::testing::Values(PcapCase{false, false}, PcapCase{false, true},
                                           PcapCase{true, false}, PcapCase{true, true}),
                         [](const ::testing::TestParamInfo<PcapCase>& param_info) {
                           return std::string(param_info.param.big ? "BigEndian" : "LittleEndian") +
                                  (param_info.param.ns ? "Nanoseconds" : "Microseconds");
                         });

/// Two sections, the second in the other byte order; interfaces with different
/// link types and resolutions; EPB, SPB, obsolete PB and skipped unknown blocks.
ByteVector build_pcapng(bool big_first, std::vector<SeenFrame>& expected) {
  test::PcapngWriter first(big_first);
  first.section();
  first.unknown_block(0x40000BAD, 13);   // custom block before any interface
  first.interface(1);                    // µs (default)
  first.interface(101, 9);               // ns
  first.interface(113, 0x80 | 20, 100);  // 2^-20 s, +100 s offset
  first.interface(1, 12);                // ps
  first.enhanced_packet(0, 1'700'000'000'123'456ull, payload(0, 60), 60);
  expected.push_back({payload(0, 60), 1'700'000'000'123'456'000, 60, 1, 0});
  first.enhanced_packet(1, 1'700'000'001'987'654'321ull, payload(1, 41), 1500, true);
  expected.push_back({payload(1, 41), 1'700'000'001'987'654'321, 1500, 101, 1});
  first.unknown_block(5, 40);  // interface statistics: skipped
  // 3.5 s in 2^-20 ticks, then the 100 s offset.
  first.enhanced_packet(2, (3ull << 20) + (1ull << 19), payload(2, 1514), 1514);
  expected.push_back({payload(2, 1514), 103'500'000'000, 1514, 113, 2});
  // Picoseconds: 64 bits only reach about 213 days, so a small time; 567 ps round down.
  first.enhanced_packet(3, 12'345'678'901'234'567ull, payload(3, 3), 3);
  expected.push_back({payload(3, 3), 12'345'678'901'234, 3, 1, 3});
  first.simple_packet(payload(4, 99), 99);
  expected.push_back({payload(4, 99), 0, 99, 1, 0});
  first.obsolete_packet(1, 42, payload(5, 10), 20);
  expected.push_back({payload(5, 10), 42, 20, 101, 1});

  test::PcapngWriter second(!big_first);
  second.section();
  second.interface(228, 3);  // ms; ids start again at 0
  second.enhanced_packet(0, 1'700'000'003'500ull, payload(6, 20), 20);
  expected.push_back({payload(6, 20), 1'700'000'003'500'000'000, 20, 228, 0});
  ByteVector all = first.data();
  all.insert(all.end(), second.data().begin(), second.data().end());
  return all;
}

TEST(CapturePcapng, SectionsInterfacesResolutionsAndBlockKinds) {
  for (const bool big : {false, true}) {
    std::vector<SeenFrame> expected;
    const ByteVector bytes = build_pcapng(big, expected);
    CaptureInfo info;
    EXPECT_EQ(read_memory(bytes, &info), expected) << "big-endian first section: " << big;
    EXPECT_EQ(info.format, "pcapng");
    EXPECT_EQ(info.link_types, (std::vector<std::uint16_t>{1, 101, 113, 228}));
    EXPECT_EQ(info.packets, 7u);
    EXPECT_TRUE(info.complete) << info.error;
    for (const auto& compressed :
         {test::gzip_compress(bytes), test::zstd_compress(bytes), test::xz_compress(bytes)}) {
      auto source = open_capture_memory(Bytes(compressed.data(), compressed.size()), "c");
      EXPECT_EQ(read_all(*source), expected);
      EXPECT_TRUE(source->info().complete) << source->info().error;
    }
  }
}

TEST(CapturePcapng, LinkTypesKnownRightAfterOpen) {
  std::vector<SeenFrame> expected;
  const ByteVector bytes = build_pcapng(false, expected);
  auto source = open_capture_memory(Bytes(bytes.data(), bytes.size()), "m");
  EXPECT_EQ(source->info().link_types, (std::vector<std::uint16_t>{1, 101, 113}));
  EXPECT_EQ(source->info().packets, 0u);
}

TEST(CaptureCompression, ChosenByMagicNotByName) {
  test::PcapWriter w(false, false, 1);
  w.record(10, 20, payload(0, 64), 64);
  const std::vector<SeenFrame> expected{{payload(0, 64), 10'000'020'000, 64, 1, 0}};
  const std::pair<std::string, ByteVector> files[] = {
      {"really_gzip.pcap", test::gzip_compress(w.data())},
      {"really_pcap.gz", w.data()},
      {"really_xz.zst", test::xz_compress(w.data())},
      {"really_zstd.txt", test::zstd_compress(w.data())},
  };
  const char* compressions[] = {"gzip", "none", "xz", "zstd"};
  for (std::size_t i = 0; i < std::size(files); ++i) {
    auto source = open_capture_file(test::write_temp_file(files[i].first, files[i].second));
    EXPECT_EQ(read_all(*source), expected) << files[i].first;
    EXPECT_EQ(source->info().compression, compressions[i]);
  }
}

TEST(CaptureCompression, ConcatenatedGzipMembersSplitMidRecord) {
  test::PcapWriter w(false, true, 1);
  std::vector<SeenFrame> expected;
  for (std::size_t i = 0; i < 50; ++i) {
    w.record(1, static_cast<std::uint32_t>(i), payload(i, 100 + i),
             static_cast<std::uint32_t>(100 + i));
    expected.push_back({payload(i, 100 + i), 1'000'000'000 + static_cast<std::int64_t>(i),
                        static_cast<std::uint32_t>(100 + i), 1, 0});
  }
  const ByteVector& all = w.data();
  const std::size_t cut = 24 + 16 + 50;  // inside the first record's data
  ByteVector joined = test::gzip_compress(ByteVector(all.begin(), all.begin() + cut));
  const ByteVector second = test::gzip_compress(ByteVector(all.begin() + cut, all.end()));
  joined.insert(joined.end(), second.begin(), second.end());
  CaptureInfo info;
  EXPECT_EQ(read_memory(joined, &info), expected);
  EXPECT_TRUE(info.complete) << info.error;
  EXPECT_EQ(info.compression, "gzip");
}

/// Large enough to need several refills of the 4 MiB buffer, with frames of
/// varying size so that many of them straddle a refill boundary.
TEST(CaptureStreaming, FramesAcrossBufferRefills) {
  test::PcapWriter w(true, false, 101);
  std::vector<std::size_t> sizes;
  std::size_t total = 0;
  for (std::size_t i = 0; total < (std::size_t{13} << 20); ++i) {
    const std::size_t size = (i * 7919) % 9000;
    sizes.push_back(size);
    w.record(static_cast<std::uint32_t>(i), 0, payload(i, size), static_cast<std::uint32_t>(size));
    total += 16 + size;
  }
  const auto check = [&](CaptureSource& source, const char* what) {
    Frame f;
    std::size_t i = 0;
    bool all_match = true;
    while (source.next(f)) {
      if (i >= sizes.size() || f.data.size() != sizes[i] ||
          f.ts_ns != static_cast<std::int64_t>(i) * 1'000'000'000 ||
          !std::equal(f.data.begin(), f.data.end(), payload(i, sizes[i]).begin())) {
        all_match = false;
      }
      ++i;
    }
    EXPECT_TRUE(all_match) << what;
    EXPECT_EQ(i, sizes.size()) << what;
    EXPECT_TRUE(source.info().complete) << what << ": " << source.info().error;
  };
  const ByteVector gz = test::gzip_compress(w.data());
  check(*open_capture_memory(Bytes(gz.data(), gz.size()), "gz"), "gzip stream");
  const ByteVector zs = test::zstd_compress(w.data());
  check(*open_capture_memory(Bytes(zs.data(), zs.size()), "zst"), "zstd stream");
  check(*open_capture_file(test::write_temp_file("big.pcap", w.data())), "regular file");
  // A pipe is not a regular file: it takes the streamed read() path.
  const std::string fifo = test::write_temp_file("fifo_base", {}) + ".fifo";
  std::filesystem::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    std::FILE* out = std::fopen(fifo.c_str(), "wb");
    std::fwrite(w.data().data(), 1, w.data().size(), out);
    std::fclose(out);
  });
  check(*open_capture_file(fifo), "fifo");
  writer.join();
}

/// A packet block of about 2 MiB (long options) needs the buffer to grow past its
/// initial size; the frames before and after it must be unaffected.
TEST(CaptureStreaming, PacketBlockLargerThanTheInitialBuffer) {
  test::PcapngWriter w(false);
  w.section();
  w.interface(1);
  w.enhanced_packet(0, 1, payload(0, 70), 70);
  w.long_enhanced_packet(0, payload(1, 1500), 32);
  w.enhanced_packet(0, 3, payload(2, 80), 80);
  const ByteVector gz = test::gzip_compress(w.data());
  CaptureInfo info;
  const auto frames = read_memory(gz, &info);
  EXPECT_TRUE(info.complete) << info.error;
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].data, payload(0, 70));
  EXPECT_EQ(frames[1].data, payload(1, 1500));
  EXPECT_EQ(frames[1].ts_ns, 1000);
  EXPECT_EQ(frames[2].data, payload(2, 80));
  EXPECT_EQ(frames[2].ts_ns, 3000);
}

// --- damage --------------------------------------------------------------------------

/// A pcap of n records of 100 bytes: record k starts at 24 + 116 k.
ByteVector hundred_byte_records(std::size_t n) {
  test::PcapWriter w(false, false, 1);
  for (std::size_t i = 0; i < n; ++i) w.record(1, 0, payload(i, 100), 100);
  return w.data();
}

TEST(CaptureDamage, TruncatedRecordDataNamesItsOffset) {
  ByteVector bytes = hundred_byte_records(5);
  bytes.resize(24 + 116 * 3 + 16 + 40);  // record 3 keeps its header and 40 of 100 bytes
  const std::string path = test::write_temp_file("cut.pcap", bytes);
  auto source = open_capture_file(path);
  EXPECT_EQ(read_all(*source).size(), 3u);
  const CaptureInfo& info = source->info();
  EXPECT_FALSE(info.complete);
  EXPECT_EQ(info.error_offset, 24u + 116 * 3);
  EXPECT_EQ(info.packets, 3u);
  EXPECT_NE(info.error.find(path), std::string::npos) << info.error;
  EXPECT_NE(info.error.find("truncated record"), std::string::npos) << info.error;
  EXPECT_NE(info.error.find("byte offset 372"), std::string::npos) << info.error;
}

TEST(CaptureDamage, TruncatedRecordHeader) {
  ByteVector bytes = hundred_byte_records(2);
  bytes.resize(24 + 116 + 9);
  CaptureInfo info;
  EXPECT_EQ(read_memory(bytes, &info).size(), 1u);
  EXPECT_FALSE(info.complete);
  EXPECT_EQ(info.error_offset, 140u);
  EXPECT_NE(info.error.find("truncated record header"), std::string::npos) << info.error;
}

TEST(CaptureDamage, TruncatedCompressedCaptureSaysDecompressedOffset) {
  ByteVector bytes = hundred_byte_records(6);
  bytes.resize(24 + 116 * 4 + 50);
  for (const auto& compressed :
       {test::gzip_compress(bytes), test::zstd_compress(bytes), test::xz_compress(bytes)}) {
    CaptureInfo info;
    EXPECT_EQ(read_memory(compressed, &info).size(), 4u);
    EXPECT_FALSE(info.complete);
    EXPECT_EQ(info.error_offset, 24u + 116 * 4);
    EXPECT_NE(info.error.find("byte offset 488 of the decompressed stream"), std::string::npos)
        << info.error;
  }
}

TEST(CaptureDamage, CutCompressedStreamIsADecompressionError) {
  const ByteVector bytes = hundred_byte_records(6000);  // 696,024 bytes: several zstd blocks
  for (auto compressed :
       {test::gzip_compress(bytes), test::zstd_compress(bytes), test::xz_compress(bytes)}) {
    compressed.resize(compressed.size() / 2);
    CaptureInfo info;
    const auto frames = read_memory(compressed, &info);
    EXPECT_FALSE(info.complete);
    EXPECT_GT(frames.size(), 1000u);
    EXPECT_LT(frames.size(), 6000u);
    EXPECT_NE(info.error.find("ends early (truncated)"), std::string::npos) << info.error;
    EXPECT_NE(info.error.find("of the decompressed stream"), std::string::npos) << info.error;
    // Every frame delivered before the cut is intact, and the damage is past them.
    EXPECT_GE(info.error_offset, 24 + 116 * frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) ASSERT_EQ(frames[i].data, payload(i, 100)) << i;
  }
}

TEST(CaptureDamage, CorruptGzipMemberStopsAtItsDecompressedOffset) {
  const ByteVector bytes = hundred_byte_records(20);
  const std::size_t half = 24 + 116 * 10;
  ByteVector gz = test::gzip_compress(ByteVector(bytes.begin(), bytes.begin() + half));
  const std::size_t second_member = gz.size();
  const ByteVector rest = test::gzip_compress(ByteVector(bytes.begin() + half, bytes.end()));
  gz.insert(gz.end(), rest.begin(), rest.end());
  gz[second_member + 10] = 0x07;  // first deflate block: final, reserved type 3
  CaptureInfo info;
  const auto frames = read_memory(gz, &info);
  ASSERT_EQ(frames.size(), 10u);
  for (std::size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(frames[i].data, payload(i, 100)) << i;
  EXPECT_FALSE(info.complete);
  EXPECT_EQ(info.error_offset, half);
  // zlib reports after taking the bad byte, so the compressed position is just past it.
  const std::string marker = "gzip data corrupt (invalid block type) at compressed byte ";
  const std::size_t at = info.error.find(marker);
  ASSERT_NE(at, std::string::npos) << info.error;
  const std::size_t compressed_at = std::stoul(info.error.substr(at + marker.size()));
  EXPECT_GE(compressed_at, second_member + 10);
  EXPECT_LE(compressed_at, second_member + 11);
  EXPECT_NE(info.error.find("byte offset " + std::to_string(half) + " of the decompressed stream"),
            std::string::npos)
      << info.error;
}

TEST(CaptureDamage, GzipChecksumMismatchAfterTheLastFrame) {
  const ByteVector bytes = hundred_byte_records(20);
  ByteVector gz = test::gzip_compress(bytes);
  gz[gz.size() - 8] ^= 0xFF;  // CRC-32 of the trailer
  CaptureInfo info;
  EXPECT_EQ(read_memory(gz, &info).size(), 20u);
  EXPECT_FALSE(info.complete);
  EXPECT_EQ(info.error_offset, bytes.size());
  EXPECT_NE(info.error.find("gzip data corrupt (incorrect data check)"), std::string::npos)
      << info.error;
}

TEST(CaptureDamage, AbsurdCapturedLength) {
  test::PcapWriter w(true, false, 1);
  w.record(1, 0, payload(0, 10), 10);
  ByteVector bytes = w.data();
  test::ByteWriter bad(true);
  bad.u32(2);
  bad.u32(0);
  bad.u32(262145);  // one more than the bound
  bad.u32(262145);
  bytes.insert(bytes.end(), bad.data().begin(), bad.data().end());
  bytes.resize(bytes.size() + 300000, 0xEE);  // the data is even there: still refused
  CaptureInfo info;
  EXPECT_EQ(read_memory(bytes, &info).size(), 1u);
  EXPECT_FALSE(info.complete);
  EXPECT_EQ(info.error_offset, 24u + 16 + 10);
  EXPECT_NE(info.error.find("absurd captured length 262145"), std::string::npos) << info.error;
}

TEST(CaptureDamage, PcapngBadBlockLengths) {
  test::PcapngWriter w(false);
  w.section();
  w.interface(1);
  w.enhanced_packet(0, 1, payload(0, 8), 8);
  const std::size_t good = w.size();
  w.enhanced_packet(0, 2, payload(1, 8), 8);
  w.enhanced_packet(0, 3, payload(2, 8), 8);

  ByteVector odd = w.data();
  odd[good + 4] = 13;  // not a multiple of 4
  odd[good + 5] = odd[good + 6] = odd[good + 7] = 0;
  CaptureInfo info;
  EXPECT_EQ(read_memory(odd, &info).size(), 1u);
  EXPECT_FALSE(info.complete);
  EXPECT_EQ(info.error_offset, good);
  EXPECT_NE(info.error.find("bad block length 13"), std::string::npos) << info.error;

  ByteVector mismatch = w.data();
  mismatch[good + 4] += 4;  // header length no longer equals the trailer
  EXPECT_EQ(read_memory(mismatch, &info).size(), 1u);
  EXPECT_FALSE(info.complete);
  EXPECT_EQ(info.error_offset, good);
  EXPECT_NE(info.error.find("bad block length"), std::string::npos) << info.error;

  ByteVector cut = w.data();
  cut.resize(cut.size() - 4);
  EXPECT_EQ(read_memory(cut, &info).size(), 2u);
  EXPECT_FALSE(info.complete);
  EXPECT_EQ(info.error_offset, good + (w.size() - good) / 2);
  EXPECT_NE(info.error.find("truncated block"), std::string::npos) << info.error;
}

TEST(CaptureDamage, PcapngPacketForUndescribedInterface) {
  test::PcapngWriter w(true);
  w.section();
  w.interface(1);
  w.enhanced_packet(1, 1, payload(0, 8), 8);
  CaptureInfo info;
  EXPECT_TRUE(read_memory(w.data(), &info).empty());
  EXPECT_FALSE(info.complete);
  EXPECT_NE(info.error.find("interface 1 but only 1"), std::string::npos) << info.error;
}

// --- refused at open ---------------------------------------------------------------

std::string open_error(const std::string& path) {
  try {
    open_capture_file(path);
  } catch (const CaptureOpenError& e) {
    return e.what();
  }
  return "(opened)";
}

TEST(CaptureOpenErrors, MissingFile) {
  const std::string message = open_error("/nonexistent/x.pcap");
  EXPECT_EQ(message, "/nonexistent/x.pcap: cannot open: No such file or directory");
}

TEST(CaptureOpenErrors, NotACaptureShowsFirstBytes) {
  const ByteVector text{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'};
  const std::string path = test::write_temp_file("hello.pcap", text);
  EXPECT_EQ(open_error(path),
            path + ": not a pcap/pcapng capture (first bytes: 68 65 6c 6c 6f 20 77 6f)");
  const std::string gz = test::write_temp_file("hello.pcap.gz", test::gzip_compress(text));
  EXPECT_EQ(open_error(gz), gz + ": gzip-compressed, but the decompressed data is not a "
                                 "pcap/pcapng capture (first bytes: 68 65 6c 6c 6f 20 77 6f)");
  const std::string empty = test::write_temp_file("empty.pcap", {});
  EXPECT_EQ(open_error(empty), empty + ": empty, not a pcap/pcapng capture");
  EXPECT_NE(open_error(std::filesystem::temp_directory_path().string()).find("is a directory"),
            std::string::npos);
}

TEST(CaptureOpenErrors, ShortPcapHeader) {
  ByteVector bytes = hundred_byte_records(1);
  bytes.resize(20);
  const std::string path = test::write_temp_file("short.pcap", bytes);
  EXPECT_EQ(open_error(path), path + ": truncated pcap file header (20 of 24 bytes)");
}

TEST(CaptureOpenErrors, MemoryAndFileAgree) {
  const ByteVector text{0x0a, 0x0d, 0x0d, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_THROW(open_capture_memory(Bytes(text.data(), text.size()), "m"), CaptureOpenError);
  EXPECT_NE(open_error(test::write_temp_file("badshb", text))
                .find("first bytes: 0a 0d 0d 0a 01 02 03 04"),
            std::string::npos);
}

}  // namespace
}  // namespace darkscope

namespace darkscope {
namespace {

/// An 8 MiB capture of 1,000-byte frames whose payload names the frame.
std::string mapped_capture(const char* name, std::size_t* frames) {
  test::PcapWriter w(false, false, 101);
  std::size_t n = 0;
  for (std::size_t total = 0; total < (std::size_t{8} << 20); total += 16 + 1000) {
    w.record(static_cast<std::uint32_t>(n), 0, ByteVector(1000, static_cast<std::uint8_t>(n)),
             1000);
    ++n;
  }
  *frames = n;
  return test::write_temp_file(name, w.data());
}

/// Large regular files are read through a mapping: the same frames as a stream.
TEST(CaptureMapped, LargeFileReadThroughAMapping) {
  std::size_t frames = 0;
  const std::string path = mapped_capture("mapped.pcap", &frames);
  auto source = open_capture_file(path);
  Frame f;
  std::size_t i = 0;
  bool all_match = true;
  while (source->next(f)) {
    all_match = all_match && f.data.size() == 1000 &&
                f.data[999] == static_cast<std::uint8_t>(i) &&
                f.ts_ns == static_cast<std::int64_t>(i) * 1'000'000'000;
    ++i;
  }
  EXPECT_TRUE(all_match);
  EXPECT_EQ(i, frames);
  EXPECT_TRUE(source->info().complete) << source->info().error;
  EXPECT_EQ(source->bytes_read(), std::filesystem::file_size(path));
}

/// A mapped file that shrinks while it is read cannot fail a read(): the reader
/// names the file and exits with the damaged-input status instead of dying silently.
TEST(CaptureMappedDeathTest, FileShrinkingUnderTheReaderIsNamedAndExits3) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::size_t frames = 0;
  const std::string path = mapped_capture("shrinking.pcap", &frames);
  EXPECT_EXIT(
      {
        auto source = open_capture_file(path);
        Frame f;
        ASSERT_TRUE(source->next(f));
        ASSERT_EQ(::truncate(path.c_str(), 1 << 20), 0);
        while (source->next(f)) {
        }
        std::exit(0);  // not reached: the pages past 1 MiB are gone
      },
      ::testing::ExitedWithCode(3), "shrinking.pcap: the file shrank");
}

}  // namespace
}  // namespace darkscope
