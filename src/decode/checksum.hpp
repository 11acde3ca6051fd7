// Internet checksum (RFC 1071) for IPv4 headers and TCP/UDP/ICMP pseudo-header sums.
#pragma once

#include <cstdint>

#include "core/byte_reader.hpp"
#include "core/ip_address.hpp"

namespace darkscope {

/// Adds the bytes as big-endian 16-bit words to a running sum (odd tail padded with
/// zero). The sum is kept unfolded; fold it with checksum_fold.
[[nodiscard]] std::uint64_t checksum_add(std::uint64_t sum, Bytes bytes) noexcept;

/// Folds a running sum to 16 bits (ones' complement addition, not inverted).
[[nodiscard]] inline std::uint16_t checksum_fold(std::uint64_t sum) noexcept {
  sum = (sum & 0xffffffffu) + (sum >> 32);  // < 2^33
  sum = (sum & 0xffffu) + (sum >> 16);      // < 2^17 + 2^16
  sum = (sum & 0xffffu) + (sum >> 16);      // < 2^16 + 2
  sum = (sum & 0xffffu) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
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
