// Radix sort of 64-bit values by their high bits, for tables of millions of keys.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace darkscope {

/// Sorts v[0, n) by the bits of each value from `low_bit` up, stably (values that
/// agree there keep their order). `scratch` must hold n values.
///
/// One most-significant pass of 11 bits spreads the values into up to 2048
/// buckets; then least-significant passes of 8 bits sort each bucket, which then
/// lies in the cache. A whole-array LSD pass would scatter to 2048 places in
/// memory every time. Digits that are the same in every value (of the array, or of
/// a bucket) are skipped.
inline void radix_sort_high(std::uint64_t* v, std::size_t n, int low_bit, std::uint64_t* scratch) {
  const auto by_high = [low_bit](std::uint64_t a, std::uint64_t b) {
    return (a >> low_bit) < (b >> low_bit);
  };
  if (n < 256) {
    std::stable_sort(v, v + n, by_high);
    return;
  }
  const auto varying_bits = [low_bit](const std::uint64_t* p, std::size_t m) {
    std::uint64_t all_or = 0;
    std::uint64_t all_and = ~std::uint64_t{0};
    for (std::size_t i = 0; i < m; ++i) {
      all_or |= p[i];
      all_and &= p[i];
    }
    return (all_or ^ all_and) & (~std::uint64_t{0} << low_bit);
  };
  const std::uint64_t varying = varying_bits(v, n);
  if (varying == 0) return;

  constexpr int kMsdBits = 11;
  const int top = 63 - std::countl_zero(varying);
  const int msd_shift = std::max(low_bit, top - (kMsdBits - 1));
  const std::size_t buckets = std::size_t{1} << (top - msd_shift + 1);
  const std::uint64_t msd_mask = buckets - 1;
  std::vector<std::size_t> start(buckets + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++start[((v[i] >> msd_shift) & msd_mask) + 1];
  for (std::size_t b = 0; b < buckets; ++b) start[b + 1] += start[b];
  {
    std::vector<std::size_t> next(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < n; ++i) scratch[next[(v[i] >> msd_shift) & msd_mask]++] = v[i];
  }

  std::array<std::size_t, 256> count{};
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::size_t s = start[b];
    const std::size_t len = start[b + 1] - s;
    if (len == 0) continue;
    std::uint64_t* from = scratch + s;
    std::uint64_t* to = v + s;
    if (len < 64) {
      std::copy(from, from + len, to);
      std::stable_sort(to, to + len, by_high);
      continue;
    }
    const std::uint64_t below =
        msd_shift >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << msd_shift) - 1;
    const std::uint64_t bucket_varying = varying_bits(from, len) & below;
    for (int shift = low_bit; shift < msd_shift; shift += 8) {
      const int width = std::min(8, msd_shift - shift);
      const std::uint64_t mask = (std::uint64_t{1} << width) - 1;
      if (((bucket_varying >> shift) & mask) == 0) continue;
      count.fill(0);
      for (std::size_t i = 0; i < len; ++i) ++count[(from[i] >> shift) & mask];
      std::size_t sum = 0;
      for (std::size_t d = 0; d <= mask; ++d) {
        const std::size_t c = count[d];
        count[d] = sum;
        sum += c;
      }
      for (std::size_t i = 0; i < len; ++i) to[count[(from[i] >> shift) & mask]++] = from[i];
      std::swap(from, to);
    }
    if (from != v + s) std::memcpy(v + s, from, len * sizeof(std::uint64_t));
  }
}

}  // namespace darkscope
