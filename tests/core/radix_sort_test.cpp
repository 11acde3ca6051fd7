// radix_sort_high against std::stable_sort on the same values.
#include "core/radix_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace darkscope {
namespace {

/// Sorts a copy of `values` both ways and compares them whole. Values that agree
/// from low_bit up differ below it here, so "the same order" is checked too.
void expect_sorted_as_stable_sort(std::vector<std::uint64_t> values, int low_bit) {
  std::vector<std::uint64_t> expected = values;
  std::stable_sort(expected.begin(), expected.end(), [low_bit](std::uint64_t a, std::uint64_t b) {
    return (a >> low_bit) < (b >> low_bit);
  });
  std::vector<std::uint64_t> scratch(values.size(), 0xdeadbeef);
  radix_sort_high(values.data(), values.size(), low_bit, scratch.data());
  EXPECT_EQ(values, expected) << "n=" << values.size() << " low_bit=" << low_bit;
}

TEST(RadixSort, MatchesStableSortOverSizesAndSpreads) {
  std::mt19937_64 rng(42);
  for (const std::size_t n : {0u, 1u, 2u, 63u, 255u, 256u, 257u, 5000u, 300000u}) {
    for (const int low_bit : {0, 13}) {
      // Random 64-bit values: every digit varies.
      std::vector<std::uint64_t> v(n);
      for (auto& x : v) x = rng();
      expect_sorted_as_stable_sort(v, low_bit);
      // The pair keys of the bins: a 32-bit source + 1 at bit 31, an 18-bit port
      // index at bit 13, a bin below; few sources, many ties of source.
      for (auto& x : v) {
        const std::uint64_t source = rng() % 1000 + 0xC0A80000u;
        x = ((source + 1) << 31) | ((rng() % 3000) << 13) | (rng() % 288);
      }
      expect_sorted_as_stable_sort(v, low_bit);
      // Only low bits vary (one MSD bucket), and exact duplicates.
      for (auto& x : v)
        x = (std::uint64_t{7} << 50) | (rng() % 64 << low_bit) | (rng() & ((1u << low_bit) - 1));
      expect_sorted_as_stable_sort(v, low_bit);
    }
  }
}

TEST(RadixSort, ValuesThatAgreeAboveLowBitKeepTheirOrder) {
  // 10,000 values, one key: nothing above bit 13 varies, so nothing moves.
  std::vector<std::uint64_t> v(10000);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = (std::uint64_t{5} << 20) | (v.size() - i) % 8192;
  const std::vector<std::uint64_t> before = v;
  std::vector<std::uint64_t> scratch(v.size());
  radix_sort_high(v.data(), v.size(), 13, scratch.data());
  EXPECT_EQ(v, before);
  // Two keys, interleaved: each key's values in their first order.
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = (std::uint64_t{i % 2} << 40) | i;
  radix_sort_high(v.data(), v.size(), 13, scratch.data());
  for (std::size_t i = 0; i < v.size() / 2; ++i) {
    ASSERT_EQ(v[i], 2 * i) << i;
    ASSERT_EQ(v[v.size() / 2 + i], (std::uint64_t{1} << 40) | (2 * i + 1)) << i;
  }
}

}  // namespace
}  // namespace darkscope
