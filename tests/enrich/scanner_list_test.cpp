#include "enrich/scanner_list.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "enrich_test_support.hpp"

namespace darkscope {
namespace {

using test::corpus;

IpAddress ip(const char* s) { return *IpAddress::parse(s); }
std::string org_of(const ScannerRanges& s, const char* a) { return std::string(s.org_name(s.lookup(ip(a)))); }

TEST(ScannerList, OrgNamedFromFile) {
  EXPECT_EQ(ScannerRanges::org_from_file_name("/x/y/censys_v4.txt"), "censys");
  EXPECT_EQ(ScannerRanges::org_from_file_name("shodan_v6.txt"), "shodan");
  EXPECT_EQ(ScannerRanges::org_from_file_name("dir/censys.nft"), "censys");
  EXPECT_EQ(ScannerRanges::org_from_file_name("internet-measurement.com.txt"), "internet-measurement.com");
  EXPECT_EQ(ScannerRanges::org_from_file_name("mass_scanner.txt"), "mass_scanner");
}

TEST(ScannerList, AllThreeLineFormsAndEdges) {
  ScannerRanges s;
  std::vector<std::string> w;
  EXPECT_EQ(s.add_text("# comment\n198.51.100.0/24\n203.0.113.7 # host.example\n2001:db8::/32\n", "a_v4.txt",
                       "a", w),
            3u);
  EXPECT_EQ(s.add_text("define b_v4 = {\n\t192.0.2.0/25,\n\t192.0.2.200, 192.0.2.201-192.0.2.203\n}\n", "b.nft",
                       "b", w),
            3u);
  s.finish();
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(org_of(s, "198.51.100.0"), "a");
  EXPECT_EQ(org_of(s, "198.51.100.255"), "a");
  EXPECT_EQ(org_of(s, "198.51.101.0"), "");
  EXPECT_EQ(org_of(s, "198.51.99.255"), "");
  EXPECT_EQ(org_of(s, "203.0.113.7"), "a");
  EXPECT_EQ(org_of(s, "203.0.113.8"), "");
  EXPECT_EQ(org_of(s, "2001:db8:ffff::1"), "a");
  EXPECT_EQ(org_of(s, "2001:db9::"), "");
  EXPECT_EQ(org_of(s, "192.0.2.127"), "b");
  EXPECT_EQ(org_of(s, "192.0.2.128"), "");
  EXPECT_EQ(org_of(s, "192.0.2.200"), "b");
  EXPECT_EQ(org_of(s, "192.0.2.203"), "b");
  EXPECT_EQ(org_of(s, "192.0.2.204"), "");
  // The IPv4 table does not answer for an IPv6 address with the same low bits.
  EXPECT_EQ(org_of(s, "::c633:6401"), "");
}

TEST(ScannerList, FirstLoadedWinsOverlaps) {
  ScannerRanges s;
  std::vector<std::string> w;
  s.add_text("10.1.0.0/16\n2001:db8:1::/48\n", "inner.txt", "inner", w);
  s.add_text("10.0.0.0/8\n2001:db8::/32\n", "outer.txt", "outer", w);
  s.add_text("0.0.0.0/0\n", "all.txt", "all", w);
  s.finish();
  EXPECT_EQ(org_of(s, "10.1.2.3"), "inner");
  EXPECT_EQ(org_of(s, "10.1.255.255"), "inner");
  EXPECT_EQ(org_of(s, "10.2.0.0"), "outer");
  EXPECT_EQ(org_of(s, "10.0.255.255"), "outer");
  EXPECT_EQ(org_of(s, "10.255.255.255"), "outer");
  EXPECT_EQ(org_of(s, "11.0.0.0"), "all");
  EXPECT_EQ(org_of(s, "0.0.0.0"), "all");
  EXPECT_EQ(org_of(s, "255.255.255.255"), "all");
  EXPECT_EQ(org_of(s, "2001:db8:1::5"), "inner");
  EXPECT_EQ(org_of(s, "2001:db8:2::5"), "outer");
  EXPECT_EQ(org_of(s, "2001:db9::"), "");
}

TEST(ScannerList, SameOrgIgnoringCaseAndPunctuation) {
  ScannerRanges s;
  EXPECT_EQ(s.org_id("Palo Alto Networks"), s.org_id("paloaltonetworks"));
  EXPECT_EQ(s.org_id("Censys"), s.org_id("censys"));
  EXPECT_NE(s.org_id("Censys"), s.org_id("Shodan"));
}

TEST(ScannerList, MalformedLinesReportedWithFileAndLine) {
  ScannerRanges s;
  std::vector<std::string> w;
  const auto n = s.add_text("1.2.3.4\nnot-an-ip\n1.2.3.0/33\n5.6.7.8 junk\n\n9.9.9.9\ndefine x = {\n1.1.1.1, bogus\n}\n",
                            "m.txt", "m", w);
  s.finish();
  EXPECT_EQ(n, 3u);  // 1.2.3.4, 9.9.9.9, 1.1.1.1
  EXPECT_EQ(s.malformed(), 4u);
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].rfind("m.txt:2: ", 0), 0u) << w[0];
  EXPECT_EQ(w[1].rfind("m.txt:3: ", 0), 0u) << w[1];
  EXPECT_EQ(w[2].rfind("m.txt:4: ", 0), 0u) << w[2];
  EXPECT_EQ(w[3].rfind("m.txt:8: ", 0), 0u) << w[3];
  EXPECT_EQ(org_of(s, "5.6.7.8"), "");  // the whole bad line is skipped
  EXPECT_EQ(org_of(s, "1.1.1.1"), "m");
}

TEST(ScannerList, UnclosedSetIsReported) {
  ScannerRanges s;
  std::vector<std::string> w;
  EXPECT_EQ(s.add_text("# x\ndefine x = {\n1.1.1.1,\n", "u.nft", "u", w), 1u);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("u.nft:2: ", 0), 0u) << w[0];
}

TEST(ScannerList, UnreadablePathThrowsNamingIt) {
  ScannerRanges s;
  std::vector<std::string> w;
  try {
    s.add_path("/nonexistent/list.txt", w);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/list.txt"), std::string::npos);
  }
}

// Counts below were made with Python's ipaddress module over the same files.
TEST(ScannerList, OpenfiltersCidrDirectory) {
  REQUIRE_CORPUS();
  ScannerRanges s;
  std::vector<std::string> w;
  EXPECT_EQ(s.add_path(corpus("scanner-lists/openfilters/cidr"), w), 22088u);
  s.finish();
  EXPECT_TRUE(w.empty()) << w.front();
  EXPECT_EQ(s.orgs().size() - 1, 66u);  // <org>_v4/_v6 pairs are one org
  EXPECT_EQ(org_of(s, "162.142.125.1"), "censys");
  EXPECT_EQ(org_of(s, "2602:80d:1000::1"), "censys");
  EXPECT_EQ(org_of(s, "184.105.139.70"), "shadowserver");
  EXPECT_EQ(org_of(s, "2001:470:1:332::9"), "shadowserver");
  EXPECT_EQ(org_of(s, "205.210.31.9"), "paloaltonetworks");
  EXPECT_EQ(org_of(s, "8.8.8.8"), "");
}

TEST(ScannerList, OpenfiltersNftSets) {
  REQUIRE_CORPUS();
  ScannerRanges s;
  std::vector<std::string> w;
  EXPECT_EQ(s.add_path(corpus("scanner-lists/openfilters"), w), 22086u);
  s.finish();
  EXPECT_TRUE(w.empty()) << w.front();
  EXPECT_EQ(s.orgs().size() - 1, 66u);
  EXPECT_EQ(org_of(s, "167.94.138.44"), "censys");
  EXPECT_EQ(org_of(s, "71.6.233.17"), "rapid7");
}

TEST(ScannerList, MaltrailCommentLinesAndItsFiveBadLines) {
  REQUIRE_CORPUS();
  ScannerRanges s;
  std::vector<std::string> w;
  const auto path = corpus("scanner-lists/maltrail/mass_scanner.txt");
  EXPECT_EQ(s.add_path(path, w), 19215u);
  s.finish();
  EXPECT_EQ(s.malformed(), 5u);
  ASSERT_EQ(w.size(), 5u);
  for (const char* line : {":16343: ", ":16347: ", ":17474: ", ":17484: ", ":18235: "}) {
    bool found = false;
    for (const auto& x : w) found = found || x.rfind(path + line, 0) == 0;
    EXPECT_TRUE(found) << line;
  }
  EXPECT_EQ(s.orgs().size() - 1, 1u);
  EXPECT_EQ(org_of(s, "129.82.138.12"), "mass_scanner");
  EXPECT_EQ(org_of(s, "2400:6180:0:d0::1008:2001"), "mass_scanner");
}

TEST(ScannerList, WdesDirectory) {
  REQUIRE_CORPUS();
  ScannerRanges s;
  std::vector<std::string> w;
  EXPECT_EQ(s.add_path(corpus("scanner-lists/wdes/data/scanners"), w), 19689u);
  s.finish();
  EXPECT_TRUE(w.empty()) << w.front();
  EXPECT_EQ(s.orgs().size() - 1, 9u);
  // 45.55.151.3 is listed both as DigitalOcean space and by internet-measurement.com:
  // the file read first (in name order) names it.
  EXPECT_EQ(org_of(s, "45.55.151.3"), "digitalocean_announced_ips");
  const auto entries = [&](const char* name) {
    for (const auto& o : s.orgs()) {
      if (o.name == name) return o.entries;
    }
    return std::size_t{0};
  };
  EXPECT_EQ(entries("internet-measurement.com"), 44u);
  EXPECT_EQ(entries("censys"), 14u);
  EXPECT_EQ(entries("binaryedge_api_ips"), 5080u);
  EXPECT_EQ(org_of(s, "4.144.0.1"), "stretchoid_ranges");
}

TEST(ScannerList, BuiltinListIsCleanAndSourced) {
  ScannerRanges s;
  std::vector<std::string> w;
  EXPECT_GT(s.add_text(kBuiltinScannerList, "built-in", "", w), 100u);
  s.finish();
  EXPECT_TRUE(w.empty()) << w.front();
  for (std::size_t i = 1; i < s.orgs().size(); ++i) {
    const auto& o = s.orgs()[i];
    EXPECT_EQ(o.source.rfind("https://", 0), 0u) << o.name << " has no source";
    EXPECT_GT(o.entries, 0u) << o.name << " has no ranges";
  }
  EXPECT_EQ(org_of(s, "162.142.125.200"), "Censys");
  EXPECT_EQ(org_of(s, "71.6.146.185"), "Shodan");
  EXPECT_EQ(org_of(s, "184.105.139.100"), "Shadowserver");
  EXPECT_EQ(org_of(s, "71.6.233.4"), "Rapid7");
  EXPECT_EQ(org_of(s, "205.210.31.40"), "Palo Alto Networks");
  EXPECT_EQ(org_of(s, "87.236.176.99"), "internet-measurement.com");
  EXPECT_EQ(org_of(s, "44.240.155.235"), "BinaryEdge");
  EXPECT_EQ(org_of(s, "20.29.33.99"), "Stretchoid");
  EXPECT_EQ(org_of(s, "2620:96:a003::1"), "Internet Measurement Research");
  EXPECT_EQ(org_of(s, "8.8.8.8"), "");
}

// A user's list for an organisation of the built-in list adds to that organisation.
TEST(ScannerList, UserListJoinsBuiltinOrganisation) {
  REQUIRE_CORPUS();
  ScannerRanges s;
  std::vector<std::string> w;
  s.add_text(kBuiltinScannerList, "built-in", "", w);
  const auto before = s.orgs().size();
  s.add_path(corpus("scanner-lists/openfilters/cidr/censys_v4.txt"), w);
  s.finish();
  EXPECT_EQ(s.orgs().size(), before);
  EXPECT_EQ(org_of(s, "66.132.153.3"), "Censys");
}

}  // namespace
}  // namespace darkscope
