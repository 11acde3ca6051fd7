#include "enrich/os_guess.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>

namespace darkscope {
namespace {

constexpr std::uint8_t kEol = 0;
constexpr std::uint8_t kNop = 1;
constexpr std::uint8_t kMss = 2;
constexpr std::uint8_t kWs = 3;
constexpr std::uint8_t kSack = 4;
constexpr std::uint8_t kTs = 8;

bool layout_is(const TcpOptionsSummary& o, std::initializer_list<std::uint8_t> want) {
  return o.layout_len == want.size() && std::equal(want.begin(), want.end(), o.layout.begin());
}
bool layout_starts(const TcpOptionsSummary& o, std::initializer_list<std::uint8_t> want) {
  return o.layout_len >= want.size() && std::equal(want.begin(), want.end(), o.layout.begin());
}

}  // namespace

std::uint8_t guess_os(const PacketRecord& r) noexcept {
  if (r.protocol != kProtoTcp || (r.tcp_flags & (kTcpSyn | kTcpAck)) != kTcpSyn || r.ttl == 0) {
    return kOsNone;
  }
  const int initial_ttl = r.ttl <= 64 ? 64 : (r.ttl <= 128 ? 128 : 255);
  const auto& o = r.tcp_options;
  if (initial_ttl == 64) {
    if (layout_starts(o, {kMss, kSack, kTs, kNop, kWs}) ||
        layout_is(o, {kMss, kNop, kNop, kSack, kNop, kWs})) {
      return kOsLinux;
    }
    if (layout_is(o, {kMss, kNop, kWs, kNop, kNop, kTs, kSack, kEol}) ||
        layout_starts(o, {kMss, kNop, kWs, kSack, kTs})) {
      return kOsBsdMacos;
    }
    if (layout_is(o, {kMss}) && r.tcp_window <= 5840) return kOsEmbedded;
    return kOsNone;
  }
  if (initial_ttl == 128) {
    if (layout_starts(o, {kMss, kNop, kWs, kNop, kNop, kSack}) ||
        layout_is(o, {kMss, kNop, kNop, kSack})) {
      return kOsWindows;
    }
  }
  return kOsNone;
}

std::string_view os_guess_name(std::uint8_t os) noexcept {
  static constexpr std::array<std::string_view, kOsGuessCount> kNames = {"", "linux", "windows",
                                                                         "bsd-macos", "embedded"};
  return os < kNames.size() ? kNames[os] : std::string_view{};
}

}  // namespace darkscope
