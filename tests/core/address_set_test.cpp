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
