#include "core/ip_address.hpp"

#include <gtest/gtest.h>

namespace darkscope {

TEST(IpAddress, V4RoundTrip) {
  const auto a = IpAddress::parse("192.0.2.33");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->v4_value(), 0xC0000221u);
  EXPECT_EQ(a->to_string(), "192.0.2.33");
  EXPECT_EQ(IpAddress::v4(0xC0000221u), *a);
}

TEST(IpAddress, V6RoundTripIsCanonical) {
  const auto a = IpAddress::parse("2001:DB8:0:0:0:0:0:1");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->is_v4());
  EXPECT_EQ(a->to_string(), "2001:db8::1");
}

TEST(IpAddress, RejectsGarbage) {
  EXPECT_FALSE(IpAddress::parse(""));
  EXPECT_FALSE(IpAddress::parse("1.2.3"));
  EXPECT_FALSE(IpAddress::parse("256.1.1.1"));
  EXPECT_FALSE(IpAddress::parse("hello"));
  EXPECT_FALSE(IpAddress::parse(std::string(100, '1')));
}

TEST(IpAddress, HashDiffersForNeighbours) {
  EXPECT_NE(hash_address(IpAddress::v4(1)), hash_address(IpAddress::v4(2)));
}

}  // namespace darkscope
