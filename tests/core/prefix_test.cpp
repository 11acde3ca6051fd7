#include "core/prefix.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace darkscope {

TEST(Prefix, ParsesAndClearsHostBits) {
  const auto p = Prefix::parse("10.1.2.3/8");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->to_string(), "10.0.0.0/8");
  EXPECT_EQ(p->length(), 8);
  EXPECT_TRUE(p->is_v4());
  EXPECT_DOUBLE_EQ(p->address_count(), 16777216.0);
}

TEST(Prefix, BareAddressIsHostPrefix) {
  const auto p = Prefix::parse("192.0.2.7");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length(), 32);
  EXPECT_TRUE(p->contains(*IpAddress::parse("192.0.2.7")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("192.0.2.8")));
}

TEST(Prefix, RejectsBadLengths) {
  EXPECT_FALSE(Prefix::parse("10.0.0.0/33"));
  EXPECT_FALSE(Prefix::parse("10.0.0.0/"));
  EXPECT_FALSE(Prefix::parse("10.0.0.0/8x"));
  EXPECT_FALSE(Prefix::parse("2001:db8::/129"));
}

TEST(PrefixSet, MatchesV4AndV6) {
  const auto set = PrefixSet::parse_list("198.51.100.0/24, 2001:db8:1::/48");
  EXPECT_TRUE(set.contains(*IpAddress::parse("198.51.100.255")));
  EXPECT_FALSE(set.contains(*IpAddress::parse("198.51.101.0")));
  EXPECT_TRUE(set.contains(*IpAddress::parse("2001:db8:1:ffff::1")));
  EXPECT_FALSE(set.contains(*IpAddress::parse("2001:db8:2::1")));
  // An IPv6 address whose low 32 bits look like the IPv4 prefix is not inside it.
  EXPECT_FALSE(set.contains(*IpAddress::parse("::c633:6401")));
}

TEST(PrefixSet, EmptyContainsEverything) {
  const PrefixSet set;
  EXPECT_TRUE(set.contains(*IpAddress::parse("8.8.8.8")));
  EXPECT_DOUBLE_EQ(set.ipv4_size(), 0.0);
}

TEST(PrefixSet, SizeCountsOverlapsOnce) {
  const auto set = PrefixSet::parse_list("10.0.0.0/16,10.0.1.0/24,10.0.0.0/16,192.0.2.0/24");
  EXPECT_DOUBLE_EQ(set.ipv4_size(), 65536.0 + 256.0);
}

TEST(PrefixSet, BadItemThrowsWithItsText) {
  try {
    (void)PrefixSet::parse_list("10.0.0.0/8,nonsense");
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("nonsense"), std::string::npos);
  }
}

TEST(PrefixSet, Bpf) {
  EXPECT_EQ(PrefixSet::parse_list("10.0.0.0/8,2001:db8::/32").to_bpf(),
            "dst net 10.0.0.0/8 or ip6 dst net 2001:db8::/32");
}

}  // namespace darkscope
