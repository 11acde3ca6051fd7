// IPv4/IPv6 addresses held in one fixed 16-byte form.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace darkscope {

/// An IP address. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so that one type,
/// one hash and one prefix test serve both families. Trivially copyable.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};

  /// From an IPv4 address in host byte order (0x01020304 is 1.2.3.4).
  static constexpr IpAddress v4(std::uint32_t host_order) noexcept {
    IpAddress a;
    a.bytes[10] = 0xff;
    a.bytes[11] = 0xff;
    a.bytes[12] = static_cast<std::uint8_t>(host_order >> 24);
    a.bytes[13] = static_cast<std::uint8_t>(host_order >> 16);
    a.bytes[14] = static_cast<std::uint8_t>(host_order >> 8);
    a.bytes[15] = static_cast<std::uint8_t>(host_order);
    return a;
  }
  /// From 16 bytes in network order.
  static IpAddress v6(const std::uint8_t* network_order) noexcept {
    IpAddress a;
    std::memcpy(a.bytes.data(), network_order, 16);
    return a;
  }

  [[nodiscard]] constexpr bool is_v4() const noexcept {
    // Two word compares (this runs several times per packet): the first 8 bytes
    // are zero and bytes 8..11 are 00 00 ff ff.
    const auto words = std::bit_cast<std::array<std::uint64_t, 2>>(bytes);
    constexpr std::uint64_t kMarkMask = std::endian::native == std::endian::little
                                            ? 0x00000000ffffffffULL
                                            : 0xffffffff00000000ULL;
    constexpr std::uint64_t kMark = std::endian::native == std::endian::little
                                        ? 0x00000000ffff0000ULL
                                        : 0x0000ffff00000000ULL;
    return words[0] == 0 && (words[1] & kMarkMask) == kMark;
  }
  /// The IPv4 value in host byte order; meaningful only when is_v4().
  [[nodiscard]] constexpr std::uint32_t v4_value() const noexcept {
    const auto words = std::bit_cast<std::array<std::uint32_t, 4>>(bytes);
    if constexpr (std::endian::native == std::endian::little) {
      return __builtin_bswap32(words[3]);
    } else {
      return words[3];
    }
  }
  [[nodiscard]] constexpr bool is_unset() const noexcept {
    const auto words = std::bit_cast<std::array<std::uint64_t, 2>>(bytes);
    return (words[0] | words[1]) == 0;
  }

  /// Dotted quad for IPv4, RFC 5952 text for IPv6.
  [[nodiscard]] std::string to_string() const;
  /// Parses "1.2.3.4" or an IPv6 text form; nullopt when it is neither.
  static std::optional<IpAddress> parse(std::string_view text);

  constexpr auto operator<=>(const IpAddress&) const noexcept = default;
  /// Two 64-bit compares: the defaulted form calls memcmp, and hash tables on the
  /// packet path compare addresses on every probe.
  friend bool operator==(const IpAddress& a, const IpAddress& b) noexcept {
    std::uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.bytes.data(), 8);
    std::memcpy(&a1, a.bytes.data() + 8, 8);
    std::memcpy(&b0, b.bytes.data(), 8);
    std::memcpy(&b1, b.bytes.data() + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
};

/// A fast, well-mixed 64-bit hash of an address (for hash tables on the hot path).
[[nodiscard]] inline std::uint64_t hash_address(const IpAddress& a) noexcept {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  std::memcpy(&hi, a.bytes.data(), 8);
  std::memcpy(&lo, a.bytes.data() + 8, 8);
  std::uint64_t h = lo * 0x9E3779B97F4A7C15ULL ^ (hi + 0x632BE59BD9B4E019ULL);
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ULL;
  h ^= h >> 32;
  return h;
}

struct IpAddressHash {
  std::size_t operator()(const IpAddress& a) const noexcept {
    return static_cast<std::size_t>(hash_address(a));
  }
};

}  // namespace darkscope
