#include "decode/checksum.hpp"

namespace darkscope {

std::uint64_t checksum_add(std::uint64_t sum, Bytes bytes) noexcept {
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  // 32-bit words: 2^16 == 1 (mod 0xffff), so adding both halves at once gives the
  // same ones' complement sum as adding them one by one, at half the additions.
  while (n >= 4) {
    sum += load_be32(p);
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    sum += load_be16(p);
    p += 2;
    n -= 2;
  }
  if (n == 1) sum += std::uint32_t{p[0]} << 8;
  return sum;
}

std::uint64_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, bool ipv6,
                                std::uint8_t protocol, std::uint32_t length) noexcept {
  std::uint64_t sum = 0;
  if (ipv6) {
    sum = checksum_add(sum, Bytes(src.bytes.data(), 16));
    sum = checksum_add(sum, Bytes(dst.bytes.data(), 16));
  } else {
    sum = checksum_add(sum, Bytes(src.bytes.data() + 12, 4));
    sum = checksum_add(sum, Bytes(dst.bytes.data() + 12, 4));
  }
  return sum + length + protocol;
}

}  // namespace darkscope
