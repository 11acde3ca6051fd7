#include "core/u32_line_map.hpp"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <unordered_set>

namespace darkscope {
namespace {

TEST(U32LineMap, ExactAcrossGrowth) {
  U32LineMap m;
  std::unordered_map<std::uint32_t, std::uint32_t> want;
  std::mt19937 rng(7);
  // Random keys, clustered keys (one /16, whose values share hash neighbourhoods) and zero.
  for (std::uint32_t i = 0; i < 300000; ++i) {
    const std::uint32_t k = i % 3 == 0 ? (0xC6120000u | (i & 0xffff)) : (i == 5 ? 0 : rng());
    const auto [value, fresh] = m.insert(k);
    const bool absent = want.find(k) == want.end();
    ASSERT_EQ(fresh, absent) << k;
    if (fresh) {
      ASSERT_EQ(*value, 0u);
      *value = i + 1;
      want[k] = i + 1;
    }
  }
  EXPECT_EQ(m.size(), want.size());
  EXPECT_GT(m.memory_bytes(), want.size() * 8);  // grew past its first 64k entries
  for (const auto& [k, v] : want) {
    const std::uint32_t* got = m.find(k);
    ASSERT_NE(got, nullptr) << k;
    ASSERT_EQ(*got, v) << k;
  }
  std::size_t strays = 0;
  for (int i = 0; i < 100000; ++i) {
    const std::uint32_t k = rng();
    if (want.find(k) == want.end() && m.find(k) != nullptr) ++strays;
  }
  EXPECT_EQ(strays, 0u);
}

TEST(U32LineMap, BoundedCacheKeepsItsSizeAndTrueValues) {
  U32LineMap m(1 << 16);
  std::mt19937 rng(11);
  const std::size_t bytes = m.memory_bytes();
  for (int i = 0; i < 500000; ++i) {
    const std::uint32_t k = rng() | 1;
    *m.insert(k).first = k * 3;
  }
  EXPECT_EQ(m.memory_bytes(), bytes);  // 64k entries from the start: never grew
  EXPECT_LE(m.size(), std::size_t{1} << 16);
  EXPECT_GT(m.size(), (std::size_t{1} << 16) / 2);
  // Whatever it kept answers correctly; the newest keys are there.
  std::mt19937 again(11);
  std::unordered_set<std::uint32_t> kept;
  for (int i = 0; i < 500000; ++i) {
    const std::uint32_t k = again() | 1;
    if (const std::uint32_t* v = m.find(k)) {
      ASSERT_EQ(*v, k * 3);
      kept.insert(k);
    }
  }
  EXPECT_EQ(kept.size(), m.size());
  const std::uint32_t last = 0x12345679u;
  *m.insert(last).first = 9;
  ASSERT_NE(m.find(last), nullptr);
  EXPECT_EQ(*m.find(last), 9u);
}

}  // namespace
}  // namespace darkscope
