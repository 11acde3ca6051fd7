#include "enrich/mmdb_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/prefix.hpp"
#include "enrich_test_support.hpp"

namespace darkscope {
namespace {

using test::corpus;

IpAddress ip(const char* s) { return *IpAddress::parse(s); }
std::string code(const std::optional<std::array<char, 2>>& c) {
  return c ? std::string(c->data(), 2) : std::string("none");
}

// Known answers made with libmaxminddb's mmdblookup (KNOWN_ANSWERS_mmdblookup.txt).
TEST(Mmdb, GeoIp2SchemaKnownAnswers) {
  REQUIRE_CORPUS();
  MmdbFile city(corpus("mmdb/test-data/GeoIP2-City-Test.mmdb"));
  EXPECT_EQ(city.database_type(), "GeoIP2-City");
  EXPECT_EQ(code(city.country(ip("81.2.69.142"))), "GB");
  EXPECT_EQ(code(city.country(ip("89.160.20.112"))), "SE");
  EXPECT_EQ(code(city.country(ip("175.16.199.0"))), "CN");
  EXPECT_EQ(code(city.country(ip("2001:480::1"))), "none");
  MmdbFile country(corpus("mmdb/test-data/GeoLite2-Country-Test.mmdb"));
  EXPECT_EQ(code(country.country(ip("81.2.69.142"))), "GB");
  // An IPv4 address asked in its IPv4-mapped IPv6 form is the same address.
  EXPECT_EQ(code(country.country(ip("::ffff:81.2.69.142"))), "GB");
  // Private space is in no database.
  EXPECT_EQ(code(country.country(ip("10.0.0.1"))), "none");
}

TEST(Mmdb, AsnKnownAnswer) {
  REQUIRE_CORPUS();
  MmdbFile asn(corpus("mmdb/test-data/GeoLite2-ASN-Test.mmdb"));
  const auto a = asn.asn(ip("1.128.0.0"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->asn, 1221u);
  EXPECT_EQ(a->name, "Telstra Pty Ltd");
  EXPECT_FALSE(asn.asn(ip("10.0.0.1")));
  // A country database has no ASN fields, an ASN database no country.
  EXPECT_EQ(code(asn.country(ip("1.128.0.0"))), "none");
}

// Every network of the source data that built the test database answers with its
// country, at its first and last address, IPv4 and IPv6.
void check_source_data(const std::string& db_name, const std::string& json_name, int& v4, int& v6) {
  MmdbFile db(corpus("mmdb/test-data/" + db_name));
  std::ifstream in(corpus("mmdb/source-data/" + json_name));
  const auto doc = nlohmann::json::parse(in);
  for (const auto& item : doc) {
    for (const auto& [network, record] : item.items()) {
      const auto p = Prefix::parse(network);
      ASSERT_TRUE(p) << network;
      std::string want = "none";
      if (record.contains("country") && record["country"].contains("iso_code")) {
        want = record["country"]["iso_code"].get<std::string>();
      }
      IpAddress last = p->network;
      for (int bit = p->bits; bit < 128; ++bit) last.bytes[bit / 8] |= static_cast<std::uint8_t>(0x80 >> (bit % 8));
      EXPECT_EQ(code(db.country(p->network)), want) << db_name << " " << network << " first";
      EXPECT_EQ(code(db.country(last)), want) << db_name << " " << network << " last";
      (p->is_v4() ? v4 : v6)++;
    }
  }
}

TEST(Mmdb, SourceDataGeoLite2Country) {
  REQUIRE_CORPUS();
  int v4 = 0;
  int v6 = 0;
  check_source_data("GeoLite2-Country-Test.mmdb", "GeoLite2-Country-Test.json", v4, v6);
  EXPECT_GT(v4, 10);
  EXPECT_GT(v6, 10);
}

TEST(Mmdb, SourceDataGeoIp2Country) {
  REQUIRE_CORPUS();
  int v4 = 0;
  int v6 = 0;
  check_source_data("GeoIP2-Country-Test.mmdb", "GeoIP2-Country-Test.json", v4, v6);
  EXPECT_GT(v4 + v6, 100);
}

TEST(Mmdb, SourceDataAsn) {
  REQUIRE_CORPUS();
  MmdbFile db(corpus("mmdb/test-data/GeoLite2-ASN-Test.mmdb"));
  std::ifstream in(corpus("mmdb/source-data/GeoLite2-ASN-Test.json"));
  const auto doc = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& item : doc) {
    for (const auto& [network, record] : item.items()) {
      const auto p = Prefix::parse(network);
      ASSERT_TRUE(p) << network;
      const auto a = db.asn(p->network);
      if (!record.contains("autonomous_system_number")) continue;
      ASSERT_TRUE(a) << network;
      EXPECT_EQ(a->asn, record["autonomous_system_number"].get<std::uint32_t>()) << network;
      if (record.contains("autonomous_system_organization")) {
        EXPECT_EQ(a->name, record["autonomous_system_organization"].get<std::string>()) << network;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(doc.size()));
}

// The flat schema of the npm @ip-location-db packages (answers checked with mmdblookup).
TEST(Mmdb, FlatCountryCodeSchema) {
  REQUIRE_REPO_DATA();
  MmdbFile db(test::repo_data("dbip-country-mmdb/dbip-country.mmdb"));
  EXPECT_EQ(code(db.country(ip("8.8.8.8"))), "US");
  EXPECT_EQ(code(db.country(ip("81.2.69.142"))), "GB");
  EXPECT_EQ(code(db.country(ip("133.1.1.1"))), "JP");
  EXPECT_EQ(code(db.country(ip("2a00:1450:4001::1"))), "DE");
  EXPECT_EQ(code(db.country(ip("10.0.0.1"))), "none");
}

TEST(Mmdb, MissingFileIsAClearError) {
  try {
    MmdbFile db("/nonexistent/GeoLite2-Country.mmdb");
    FAIL() << "opened a missing file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/GeoLite2-Country.mmdb"), std::string::npos);
  }
}

// Corrupt databases: rejected with an error naming the file, or read without harm.
TEST(Mmdb, BadDataRejectedOrReadSafely) {
  REQUIRE_CORPUS();
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(corpus("mmdb/bad-data"))) {
    if (e.is_regular_file() && e.path().extension() == ".mmdb") files.push_back(e.path().string());
  }
  for (const char* broken : {"GeoIP2-City-Test-Broken-Double-Format.mmdb", "GeoIP2-City-Test-Invalid-Node-Count.mmdb",
                             "MaxMind-DB-test-broken-pointers-24.mmdb", "MaxMind-DB-test-broken-search-tree-24.mmdb"}) {
    files.push_back(corpus(std::string("mmdb/test-data/") + broken));
  }
  ASSERT_EQ(files.size(), 25u);  // 21 in bad-data, 4 broken test databases
  const char* probes[] = {"1.1.1.1", "1.1.1.3", "81.2.69.142", "1.128.0.0", "0.0.0.0", "255.255.255.255",
                          "::1", "2001:480::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::1.1.1.1"};
  int rejected = 0;
  for (const auto& f : files) {
    try {
      MmdbFile db(f);
      for (const char* p : probes) {
        (void)db.country(ip(p));
        (void)db.asn(ip(p));
      }
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
      ++rejected;
    }
  }
  RecordProperty("rejected", rejected);
  EXPECT_GE(rejected, 1);
}

}  // namespace
}  // namespace darkscope
