// Bounds-checked reading of big- and little-endian fields from untrusted bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace darkscope {

using Bytes = std::span<const std::uint8_t>;

[[nodiscard]] inline std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
[[nodiscard]] inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
[[nodiscard]] inline std::uint16_t load_le16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
[[nodiscard]] inline std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}
[[nodiscard]] inline std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  return std::uint64_t{load_le32(p)} | (std::uint64_t{load_le32(p + 4)} << 32);
}

/// A cursor over bytes that never reads past the end. A read that would go past
/// the end returns 0, leaves the cursor where it was and clears ok(); callers
/// check ok() once after a group of reads instead of after each one.
class ByteReader {
 public:
  explicit ByteReader(Bytes bytes) noexcept : bytes_(bytes) {}

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  [[nodiscard]] bool has(std::size_t n) const noexcept { return remaining() >= n; }
  [[nodiscard]] Bytes rest() const noexcept { return bytes_.subspan(pos_); }
  [[nodiscard]] const std::uint8_t* here() const noexcept { return bytes_.data() + pos_; }

  std::uint8_t u8() noexcept { return take(1) ? bytes_[pos_ - 1] : 0; }
  std::uint16_t be16() noexcept { return take(2) ? load_be16(here() - 2) : 0; }
  std::uint32_t be32() noexcept { return take(4) ? load_be32(here() - 4) : 0; }
  std::uint16_t le16() noexcept { return take(2) ? load_le16(here() - 2) : 0; }
  std::uint32_t le32() noexcept { return take(4) ? load_le32(here() - 4) : 0; }

  /// Advances n bytes; fails (and stays put) when fewer remain.
  bool skip(std::size_t n) noexcept { return take(n); }
  /// The next n bytes as a span, advancing past them; empty and !ok() when short.
  Bytes bytes(std::size_t n) noexcept {
    if (!take(n)) return {};
    return bytes_.subspan(pos_ - n, n);
  }

 private:
  bool take(std::size_t n) noexcept {
    if (remaining() < n) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }

  Bytes bytes_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace darkscope
