#include "enrich/os_guess.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <initializer_list>

namespace darkscope {
namespace {

constexpr std::uint8_t kEol = 0;
constexpr std::uint8_t kNop = 1;
constexpr std::uint8_t kMss = 2;
constexpr std::uint8_t kWs = 3;
constexpr std::uint8_t kSack = 4;
constexpr std::uint8_t kTs = 8;

// Layouts compare as one 64-bit word (kind i in bits 8i..8i+7) under a mask of the
// pattern's length: every SYN of a darknet goes through these, so no byte loops.
struct Pattern {
  std::uint64_t word = 0;
  std::uint64_t mask = 0;
  std::size_t length = 0;
};
constexpr Pattern pattern(std::initializer_list<std::uint8_t> kinds) {
  Pattern p;
  for (const std::uint8_t k : kinds) {
    p.word |= std::uint64_t{k} << (8 * p.length);
    p.mask |= std::uint64_t{0xff} << (8 * p.length);
    ++p.length;
  }
  return p;
}
std::uint64_t layout_word(const TcpOptionsSummary& o) noexcept {
  std::uint64_t w;
  std::memcpy(&w, o.layout.data(), sizeof w);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}
bool layout_is(const TcpOptionsSummary& o, std::uint64_t w, const Pattern& p) noexcept {
  return o.layout_len == p.length && (w & p.mask) == p.word;
}
bool layout_starts(const TcpOptionsSummary& o, std::uint64_t w, const Pattern& p) noexcept {
  return o.layout_len >= p.length && (w & p.mask) == p.word;
}

}  // namespace

std::uint8_t guess_os(const PacketRecord& r) noexcept {
  if (r.protocol != kProtoTcp || (r.tcp_flags & (kTcpSyn | kTcpAck)) != kTcpSyn || r.ttl == 0) {
    return kOsNone;
  }
  static constexpr Pattern kLinux = pattern({kMss, kSack, kTs, kNop, kWs});
  static constexpr Pattern kLinuxNoTs = pattern({kMss, kNop, kNop, kSack, kNop, kWs});
  static constexpr Pattern kMacos = pattern({kMss, kNop, kWs, kNop, kNop, kTs, kSack, kEol});
  static constexpr Pattern kBsd = pattern({kMss, kNop, kWs, kSack, kTs});
  static constexpr Pattern kMssOnly = pattern({kMss});
  static constexpr Pattern kWindows = pattern({kMss, kNop, kWs, kNop, kNop, kSack});
  static constexpr Pattern kWindowsNoWs = pattern({kMss, kNop, kNop, kSack});
  const int initial_ttl = r.ttl <= 64 ? 64 : (r.ttl <= 128 ? 128 : 255);
  const auto& o = r.tcp_options;
  const std::uint64_t w = layout_word(o);
  if (initial_ttl == 64) {
    if (layout_starts(o, w, kLinux) || layout_is(o, w, kLinuxNoTs)) return kOsLinux;
    if (layout_is(o, w, kMacos) || layout_starts(o, w, kBsd)) return kOsBsdMacos;
    if (layout_is(o, w, kMssOnly) && r.tcp_window <= 5840) return kOsEmbedded;
    return kOsNone;
  }
  if (initial_ttl == 128) {
    if (layout_starts(o, w, kWindows) || layout_is(o, w, kWindowsNoWs)) return kOsWindows;
  }
  return kOsNone;
}

std::string_view os_guess_name(std::uint8_t os) noexcept {
  static constexpr std::array<std::string_view, kOsGuessCount> kNames = {"", "linux", "windows",
                                                                         "bsd-macos", "embedded"};
  return os < kNames.size() ? kNames[os] : std::string_view{};
}

}  // namespace darkscope
