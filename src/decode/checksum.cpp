#include "decode/checksum.hpp"

#include <bit>
#include <cstring>

namespace darkscope {

std::uint64_t checksum_add(std::uint64_t sum, Bytes bytes) noexcept {
  // Ones' complement sums do not depend on byte order (RFC 1071, 2B): add native
  // 32-bit halves of 64-bit loads, fold once, and swap the 16-bit result at the end.
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint64_t native = 0;
  while (n >= 8) {
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

std::uint64_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, bool ipv6,
                                std::uint8_t protocol, std::uint32_t length) noexcept {
  std::uint64_t sum = length + protocol;
  if (ipv6) {
    for (int i = 0; i < 16; i += 4) sum += load_be32(src.bytes.data() + i);
    for (int i = 0; i < 16; i += 4) sum += load_be32(dst.bytes.data() + i);
  } else {
    sum += load_be32(src.bytes.data() + 12);
    sum += load_be32(dst.bytes.data() + 12);
  }
  return sum;
}

}  // namespace darkscope
