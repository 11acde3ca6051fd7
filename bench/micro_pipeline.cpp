// Micro benchmarks of decode and classify on a typical darknet frame.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>

#include "classify/classifier.hpp"
#include "core/frame.hpp"
#include "core/packet_record.hpp"
#include "decode/decoder.hpp"

namespace darkscope {
namespace {

// A Linux SYN to 23/tcp as it arrives on a darknet sensor: Ethernet, IPv4 (DF,
// TTL 51), TCP with MSS, SACK_PERM, TS, NOP, WS (74 bytes), checksums correct.
constexpr std::array<std::uint8_t, 74> kSynFrame = {
    0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x10, 0x00, 0x1c, 0x73, 0x12, 0x34, 0x56, 0x08, 0x00,  // Ethernet
    0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x33, 0x06, 0x73, 0xf7,              // IPv4
    0xda, 0x5c, 0x12, 0x07,                                                              // 218.92.18.7
    0xc6, 0x12, 0x05, 0x09,                                                              // 198.18.5.9
    0xd4, 0x31, 0x00, 0x17, 0x5e, 0x1a, 0x2b, 0x3c, 0x00, 0x00, 0x00, 0x00,              // TCP ports, seq, ack
    0xa0, 0x02, 0xfa, 0xf0, 0x35, 0xed, 0x00, 0x00,                                      // SYN, window 64240
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, 0x02, 0x03,              // MSS, SACK, TS
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};                                     // NOP, WS 7

Frame syn_frame() {
  Frame f;
  f.data = Bytes(kSynFrame.data(), kSynFrame.size());
  f.ts_ns = 1581033600LL * 1'000'000'000;
  f.wire_len = kSynFrame.size();
  f.link_type = kLinkEthernet;
  return f;
}

void BM_DecodeSynFrame(benchmark::State& state) {
  const Frame f = syn_frame();
  PacketRecord r;
  for (auto _ : state) {
    r = PacketRecord{};
    benchmark::DoNotOptimize(decode_frame(f, r));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kSynFrame.size()));
}
BENCHMARK(BM_DecodeSynFrame);

void BM_ClassifySyn(benchmark::State& state) {
  PacketRecord decoded;
  decode_frame(syn_frame(), decoded);
  const Classifier classifier(PrefixSet::parse_list("198.18.0.0/15"), ClassifyOptions{});
  for (auto _ : state) {
    PacketRecord r = decoded;
    classifier.classify(r);
    benchmark::DoNotOptimize(r.fingerprints);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClassifySyn);

void BM_DecodeAndClassify(benchmark::State& state) {
  const Frame f = syn_frame();
  const Classifier classifier(PrefixSet::parse_list("198.18.0.0/15"), ClassifyOptions{});
  PacketRecord r;
  for (auto _ : state) {
    r = PacketRecord{};
    decode_frame(f, r);
    classifier.classify(r);
    benchmark::DoNotOptimize(r.traffic_class);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeAndClassify);

}  // namespace
}  // namespace darkscope
