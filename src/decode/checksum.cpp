#include "decode/checksum.hpp"


namespace darkscope {

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
