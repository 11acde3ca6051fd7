// LEB128 varints: seven bits a byte, low bits first, the high bit set on every
// byte but the last. The byte form of counts and deltas in the store's blobs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace darkscope {

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

/// Reads one varint at `pos` and moves `pos` past it; false (pos at the end) when
/// the input ends inside it or it is longer than 64 bits.
[[nodiscard]] inline bool get_varint(std::string_view data, std::size_t& pos, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && pos < data.size(); shift += 7) {
    const auto b = static_cast<std::uint8_t>(data[pos++]);
    v |= std::uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace darkscope
