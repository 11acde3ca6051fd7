#include "core/address_set.hpp"

#include <gtest/gtest.h>

namespace darkscope {

TEST(AddressSet, CountsUniqueAcrossGrowth) {
  AddressSet set;
  for (std::uint32_t i = 0; i < 100000; ++i) {
    EXPECT_TRUE(set.insert(IpAddress::v4(0x0A000000u + i)));
  }
  for (std::uint32_t i = 0; i < 100000; i += 7) {
    EXPECT_FALSE(set.insert(IpAddress::v4(0x0A000000u + i)));
  }
  EXPECT_EQ(set.size(), 100000u);
  EXPECT_TRUE(set.contains(IpAddress::v4(0x0A000000u + 99999)));
  EXPECT_FALSE(set.contains(IpAddress::v4(0x0B000000u)));
  std::size_t seen = 0;
  set.for_each([&](const IpAddress&) { ++seen; });
  EXPECT_EQ(seen, 100000u);
  set.clear();
  EXPECT_EQ(set.size(), 0u);
  EXPECT_FALSE(set.contains(IpAddress::v4(0x0A000000u)));
}

}  // namespace darkscope

#include "core/address_map.hpp"

namespace darkscope {

TEST(AddressMap, KeepsValuesAcrossGrowth) {
  AddressMap<std::uint64_t> map;
  for (std::uint32_t i = 0; i < 50000; ++i) map[IpAddress::v4(i * 2654435761u)] += i;
  for (std::uint32_t i = 0; i < 50000; ++i) map[IpAddress::v4(i * 2654435761u)] += 1;
  EXPECT_EQ(map.size(), 50000u);
  const auto* v = map.find(IpAddress::v4(1234u * 2654435761u));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 1235u);
  EXPECT_EQ(map.find(*IpAddress::parse("2001:db8::1")), nullptr);
  std::uint64_t total = 0;
  map.for_each([&](const IpAddress&, std::uint64_t value) { total += value; });
  EXPECT_EQ(total, 50000ull * 49999 / 2 + 50000);
}

}  // namespace darkscope
