// The distinct destinations of a darknet, counted as bits: a /15 takes 16 KiB and
// stays in the first-level cache, where a hash set of the same addresses would not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/address_set.hpp"
#include "core/prefix.hpp"
#include "core/u32_set.hpp"

namespace darkscope {

/// Distinct addresses seen, with one bit per address of the IPv4 darknet prefixes.
/// Addresses outside them (an unconfigured darknet, IPv6) go to hash sets.
class DarknetAddressSet {
 public:
  /// IPv4 prefixes up to this many addresses in all get bitmaps (8 MiB).
  static constexpr std::uint64_t kMaxBitmapAddresses = std::uint64_t{1} << 26;

  DarknetAddressSet() = default;
  explicit DarknetAddressSet(const PrefixSet& darknet) {
    std::uint64_t total = 0;
    for (const Prefix& p : darknet.prefixes()) {
      if (p.is_v4()) total += std::uint64_t{1} << (32 - p.length());
    }
    if (total == 0 || total > kMaxBitmapAddresses) return;
    std::uint64_t offset = 0;
    for (const Prefix& p : darknet.prefixes()) {
      if (!p.is_v4()) continue;
      const int len = p.length();
      const std::uint32_t mask = len == 0 ? 0 : ~std::uint32_t{0} << (32 - len);
      ranges_.push_back({p.network.v4_value(), mask, offset});
      offset += std::uint64_t{1} << (32 - len);
    }
    bits_.assign((offset + 63) / 64, 0);
  }

  void insert(const IpAddress& a) {
    if (a.is_v4()) {
      insert_v4(a.v4_value());
    } else {
      v6_.insert(a);
    }
  }
  void insert_v4(std::uint32_t v) {
    for (const Range& r : ranges_) {
      if ((v & r.mask) == r.network) {
        const std::uint64_t bit = r.offset + (v - r.network);
        std::uint64_t& word = bits_[bit >> 6];
        const std::uint64_t m = std::uint64_t{1} << (bit & 63);
        bitmap_count_ += (word & m) == 0 ? 1 : 0;
        word |= m;
        return;
      }
    }
    other_v4_.insert(v);
  }
  [[nodiscard]] std::size_t size() const noexcept {
    return bitmap_count_ + other_v4_.size() + v6_.size();
  }

 private:
  struct Range {
    std::uint32_t network;
    std::uint32_t mask;
    std::uint64_t offset;
  };
  std::vector<Range> ranges_;
  std::vector<std::uint64_t> bits_;
  std::size_t bitmap_count_ = 0;
  U32Set other_v4_;
  AddressSet v6_;
};

}  // namespace darkscope
