// Internet checksum (RFC 1071) for IPv4 headers and TCP/UDP/ICMP pseudo-header sums.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "core/byte_reader.hpp"
#include "core/ip_address.hpp"

namespace darkscope {

/// Folds a running sum to 16 bits (ones' complement addition, not inverted).
[[nodiscard]] inline std::uint16_t checksum_fold(std::uint64_t sum) noexcept {
  sum = (sum & 0xffffffffu) + (sum >> 32);  // < 2^33
  sum = (sum & 0xffffu) + (sum >> 16);      // < 2^17 + 2^16
  sum = (sum & 0xffffu) + (sum >> 16);      // < 2^16 + 2
  sum = (sum & 0xffffu) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

/// Adds the bytes as big-endian 16-bit words to a running sum (odd tail padded with
/// zero). The sum is kept unfolded; fold it with checksum_fold. Inline: every packet
/// sums its IP header and its transport segment.
[[nodiscard]] inline std::uint64_t checksum_add(std::uint64_t sum, Bytes bytes) noexcept {
  // Ones' complement sums do not depend on byte order (RFC 1071, 2B): add native
  // 32-bit halves of 64-bit loads, fold once, and swap the 16-bit result at the end.
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint64_t native = 0;
  // Two independent 16-byte lanes per iteration: headers are 20 to 60 bytes, so
  // most of a sum is one or two turns of this loop.
  std::uint64_t other = 0;
  while (n >= 16) {
    std::uint64_t v;
    std::uint64_t w;
    std::memcpy(&v, p, 8);
    std::memcpy(&w, p + 8, 8);
    native += (v & 0xffffffffu) + (v >> 32);
    other += (w & 0xffffffffu) + (w >> 32);
    p += 16;
    n -= 16;
  }
  native += other;
  if (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    native += (v & 0xffffffffu) + (v >> 32);
    p += 8;
    n -= 8;
  }
  if (n >= 4) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    native += v;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    native += v;
    p += 2;
    n -= 2;
  }
  if (n == 1) {
    const std::uint8_t tail[2] = {p[0], 0};  // the odd byte is padded with zero
    std::uint16_t v;
    std::memcpy(&v, tail, 2);
    native += v;
  }
  std::uint16_t folded = checksum_fold(native);
  if constexpr (std::endian::native == std::endian::little) {
    folded = static_cast<std::uint16_t>((folded >> 8) | (folded << 8));
  }
  return sum + folded;
}

/// The pseudo-header sum of TCP/UDP/ICMPv6 for the packet's address family.
[[nodiscard]] std::uint64_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst,
                                              bool ipv6, std::uint8_t protocol,
                                              std::uint32_t length) noexcept;

/// True when the bytes (checksum field included) sum to 0xffff: a valid checksum.
[[nodiscard]] inline bool checksum_ok(std::uint64_t sum, Bytes bytes) noexcept {
  return checksum_fold(checksum_add(sum, bytes)) == 0xffff;
}

}  // namespace darkscope
