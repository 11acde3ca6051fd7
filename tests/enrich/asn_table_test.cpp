#include "enrich/asn_table.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "enrich_test_support.hpp"

namespace darkscope {
namespace {

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

TEST(AsnTable, ParsesQuotedNamesV4AndV6AndRangeEdges) {
  AsnTable t;
  std::vector<std::string> warnings;
  const std::string text =
      "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
      "1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd\r\n"
      "1.0.64.0,1.0.127.255,18144,\"Enecom,Inc.\"\n"
      "5.0.0.0,5.0.0.0,64500,\"Say \"\"hi\"\", Ltd\"\n"
      "2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,Hurricane Electric LLC\n"
      "2001:200:1ba::,2001:200:1ba:ffff:ffff:ffff:ffff:ffff,24047,\"Internet Systems Consortium, Inc.\"\n";
  EXPECT_EQ(t.add_csv(text, "mem.csv", false, warnings), 6u);
  t.finish();
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(t.v4_ranges(), 4u);
  EXPECT_EQ(t.v6_ranges(), 2u);
  EXPECT_EQ(t.lookup(ip("1.0.0.0")), 13335u);
  EXPECT_EQ(t.lookup(ip("1.0.0.255")), 13335u);
  EXPECT_EQ(t.lookup(ip("1.0.1.0")), 0u);   // gap after the first range
  EXPECT_EQ(t.lookup(ip("1.0.3.255")), 0u);  // gap before the second
  EXPECT_EQ(t.lookup(ip("1.0.4.0")), 38803u);
  EXPECT_EQ(t.lookup(ip("1.0.7.255")), 38803u);
  EXPECT_EQ(t.lookup(ip("0.255.255.255")), 0u);
  EXPECT_EQ(t.lookup(ip("5.0.0.0")), 64500u);
  EXPECT_EQ(t.lookup(ip("5.0.0.1")), 0u);
  EXPECT_EQ(t.lookup(ip("2001::")), 6939u);
  EXPECT_EQ(t.lookup(ip("2001::ffff:ffff:ffff:ffff:ffff:ffff")), 6939u);
  EXPECT_EQ(t.lookup(ip("2001:1::")), 0u);
  EXPECT_EQ(t.lookup(ip("2001:200:1ba:ffff::1")), 24047u);
  EXPECT_EQ(t.lookup(ip("2001:200:1bb::")), 0u);
  EXPECT_EQ(t.name(13335), "Cloudflare, Inc.");
  EXPECT_EQ(t.name(18144), "Enecom,Inc.");
  EXPECT_EQ(t.name(64500), "Say \"hi\", Ltd");
  EXPECT_EQ(t.name(24047), "Internet Systems Consortium, Inc.");
  EXPECT_EQ(t.name(1), "");
}

TEST(AsnTable, NumericFormsOfBothFamilies) {
  AsnTable v4;
  AsnTable v6;
  std::vector<std::string> warnings;
  EXPECT_EQ(v4.add_csv("16777216,16777471,13335,\"Cloudflare, Inc.\"\n", "asn-ipv4-num.csv", false, warnings), 1u);
  // 2001:200::/32 as numbers, from the package's README.
  EXPECT_EQ(v6.add_csv("42540528726795050063891204319802818560,42540528806023212578155541913346768895,2500,WIDE\n",
                       "asn-ipv6-num.csv", true, warnings),
            1u);
  v4.finish();
  v6.finish();
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(v4.lookup(ip("1.0.0.200")), 13335u);
  EXPECT_EQ(v6.lookup(ip("2001:200::1")), 2500u);
  EXPECT_EQ(v6.lookup(ip("2001:200:ffff:ffff:ffff:ffff:ffff:ffff")), 2500u);
  EXPECT_EQ(v6.lookup(ip("2001:201::")), 0u);
}

TEST(AsnTable, NumericIpv6RangeUpToTheLastAddress) {
  AsnTable v6;
  std::vector<std::string> warnings;
  // 2^128 - 1 is the last address; 2^128 does not fit and is a malformed line.
  EXPECT_EQ(v6.add_csv("340282366920938463463374607431768211440,"
                       "340282366920938463463374607431768211455,64496,Last\n"
                       "340282366920938463463374607431768211456,"
                       "340282366920938463463374607431768211456,64497,Past\n"
                       "1000000000000000000000000000000000000000,1,64498,Forty digits\n",
                       "asn-ipv6-num.csv", true, warnings),
            1u);
  v6.finish();
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("asn-ipv6-num.csv:2: bad numeric range"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[1].find("asn-ipv6-num.csv:3: bad numeric range"), std::string::npos)
      << warnings[1];
  EXPECT_EQ(v6.lookup(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), 64496u);
  EXPECT_EQ(v6.lookup(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffef")), 0u);
}

TEST(AsnTable, MalformedLinesReportedWithFileAndLine) {
  AsnTable t;
  std::vector<std::string> warnings;
  const std::string text =
      "1.0.0.0,1.0.0.255,13335,Cloudflare\n"
      "1.0.1.0,1.0.1.300,1,Bad end\n"          // line 2
      "1.0.2.0,1.0.2.255,notanumber,X\n"       // line 3
      "1.0.3.0,1.0.3.255,7,\"unterminated\n"   // line 4
      "1.0.9.0,1.0.8.0,8,backwards\n"          // line 5
      "\n"
      "1.0.4.0,1.0.4.255,9,Fine\n";
  EXPECT_EQ(t.add_csv(text, "x.csv", false, warnings), 2u);
  t.finish();
  ASSERT_EQ(warnings.size(), 4u);
  EXPECT_EQ(warnings[0].rfind("x.csv:2: ", 0), 0u) << warnings[0];
  EXPECT_EQ(warnings[1].rfind("x.csv:3: ", 0), 0u) << warnings[1];
  EXPECT_EQ(warnings[2].rfind("x.csv:4: ", 0), 0u) << warnings[2];
  EXPECT_EQ(warnings[3].rfind("x.csv:5: ", 0), 0u) << warnings[3];
  EXPECT_EQ(t.lookup(ip("1.0.4.1")), 9u);
  EXPECT_EQ(t.lookup(ip("1.0.2.1")), 0u);
}

TEST(AsnTable, UnsortedInputIsSorted) {
  AsnTable t;
  std::vector<std::string> warnings;
  t.add_csv("9.0.0.0,9.255.255.255,3,C\n1.0.0.0,1.255.255.255,1,A\n5.0.0.0,5.255.255.255,2,B\n", "u.csv", false,
            warnings);
  t.finish();
  EXPECT_EQ(t.lookup(ip("1.2.3.4")), 1u);
  EXPECT_EQ(t.lookup(ip("5.2.3.4")), 2u);
  EXPECT_EQ(t.lookup(ip("9.2.3.4")), 3u);
  EXPECT_EQ(t.lookup(ip("7.0.0.0")), 0u);
}

TEST(AsnTable, Ipv4ParserIsStrict) {
  std::uint32_t v = 0;
  EXPECT_TRUE(parse_ipv4("255.255.255.255", v));
  EXPECT_EQ(v, 0xffffffffu);
  EXPECT_TRUE(parse_ipv4("1.2.3.4", v));
  EXPECT_EQ(v, 0x01020304u);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4 ", "1.2.3.1234", "a.b.c.d"}) {
    EXPECT_FALSE(parse_ipv4(bad, v)) << bad;
  }
}

// The real files of @ip-location-db/asn: every line read, known rows answered, and
// the load time (the target is well under a second for the IPv4 file).
TEST(AsnTable, RealPackageFiles) {
  REQUIRE_REPO_DATA();
  AsnTable t;
  std::vector<std::string> warnings;
  const std::clock_t c0 = std::clock();
  const auto t0 = std::chrono::steady_clock::now();
  const auto n4 = t.load_file(test::repo_data("asn/asn-ipv4.csv"), warnings);
  const auto t1 = std::chrono::steady_clock::now();
  const std::clock_t c1 = std::clock();
  const auto n6 = t.load_file(test::repo_data("asn/asn-ipv6.csv"), warnings);
  t.finish();
  const auto t2 = std::chrono::steady_clock::now();
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  EXPECT_EQ(n4, 411961u);  // wc -l of the package's files
  EXPECT_EQ(n6, 103197u);
  std::printf("asn-ipv4.csv: %zu ranges in %.0f ms CPU; ", n4,
              1000.0 * static_cast<double>(c1 - c0) / CLOCKS_PER_SEC);
  std::printf("wall: asn-ipv4.csv: %zu ranges in %.0f ms; asn-ipv6.csv: %zu ranges in %.0f ms\n", n4,
              std::chrono::duration<double, std::milli>(t1 - t0).count(), n6,
              std::chrono::duration<double, std::milli>(t2 - t1).count());
  // First rows of each file.
  EXPECT_EQ(t.lookup(ip("1.0.0.0")), 13335u);
  EXPECT_EQ(t.lookup(ip("1.0.0.255")), 13335u);
  EXPECT_EQ(t.lookup(ip("1.0.1.0")), 0u);
  EXPECT_EQ(t.lookup(ip("1.0.16.7")), 2519u);
  EXPECT_EQ(t.name(13335), "Cloudflare, Inc.");
  EXPECT_EQ(t.name(18144), "Enecom,Inc.");
  EXPECT_EQ(t.lookup(ip("2001::1")), 6939u);
  EXPECT_EQ(t.lookup(ip("2001:200:1ba::53")), 24047u);
  EXPECT_EQ(t.name(24047), "Internet Systems Consortium, Inc.");
  EXPECT_EQ(t.lookup(ip("10.1.2.3")), 0u);
}

}  // namespace
}  // namespace darkscope
