// The `darkscope lookup` command, run as a user would (skipped when the binary is not built).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "enrich_test_support.hpp"

namespace darkscope {
namespace {

std::string binary() { return std::string(DARKSCOPE_BINARY_DIR) + "/darkscope"; }

int run(const std::string& args, std::string& out) {
  out.clear();
  FILE* p = ::popen((binary() + " " + args + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define REQUIRE_BINARY() \
  if (!std::filesystem::exists(binary())) GTEST_SKIP() << binary() << " not built"

std::string db_flags() {
  return "--geo-db " + test::corpus("mmdb/test-data/GeoLite2-Country-Test.mmdb") + " --asn-db " +
         test::corpus("mmdb/test-data/GeoLite2-ASN-Test.mmdb");
}

TEST(LookupCommand, JsonArrayWithNullsWhereUnknown) {
  REQUIRE_CORPUS();
  REQUIRE_BINARY();
  std::string out;
  ASSERT_EQ(run("lookup " + db_flags() + " --json 81.2.69.142 1.128.0.0 10.0.0.1 162.142.125.9", out), 0);
  const auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j.size(), 4u);
  EXPECT_EQ(j[0]["ip"], "81.2.69.142");
  EXPECT_EQ(j[0]["country"], "GB");
  EXPECT_TRUE(j[0]["asn"].is_null());
  EXPECT_TRUE(j[0]["scanner"].is_null());
  EXPECT_EQ(j[1]["asn"], 1221);
  EXPECT_EQ(j[1]["as_name"], "Telstra Pty Ltd");
  for (const char* k : {"country", "asn", "as_name", "scanner"}) EXPECT_TRUE(j[2][k].is_null()) << k;
  EXPECT_EQ(j[3]["scanner"], "Censys");
}

TEST(LookupCommand, OneTabSeparatedLinePerAddress) {
  REQUIRE_CORPUS();
  REQUIRE_BINARY();
  std::string out;
  ASSERT_EQ(run("lookup " + db_flags() + " 1.128.0.0 10.0.0.1", out), 0);
  EXPECT_EQ(out, "1.128.0.0\t-\tAS1221\tTelstra Pty Ltd\t-\n10.0.0.1\t-\t-\t-\t-\n");
}

TEST(LookupCommand, BadAddressAndCorruptDatabaseFailClearly) {
  REQUIRE_CORPUS();
  REQUIRE_BINARY();
  std::string out;
  EXPECT_NE(run("lookup " + db_flags() + " 300.1.1.1", out), 0);
  EXPECT_NE(run("lookup --geo-db " + test::corpus("mmdb/bad-data/libmaxminddb/libmaxminddb-metadata-marker-only.mmdb") +
                    " 1.1.1.1",
                out),
            0);
}

}  // namespace
}  // namespace darkscope
