#include "enrich/enricher.hpp"
#include "enrich/source_table.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <unordered_set>

#include "enrich_test_support.hpp"

namespace darkscope {
namespace {

using test::corpus;

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

EnrichOptions test_db_options() {
  EnrichOptions o;
  o.geo_db = corpus("mmdb/test-data/GeoLite2-Country-Test.mmdb");
  o.asn_db = corpus("mmdb/test-data/GeoLite2-ASN-Test.mmdb");
  return o;
}

TEST(Enricher, LookupWithMaxMindTestDatabases) {
  REQUIRE_CORPUS();
  Enricher e(test_db_options());
  EXPECT_TRUE(e.warnings().empty());
  const auto gb = e.lookup(ip("81.2.69.142"));
  EXPECT_EQ(gb.country, "GB");
  EXPECT_FALSE(gb.scanner);
  const auto telstra = e.lookup(ip("1.128.0.0"));
  EXPECT_EQ(telstra.asn, 1221u);
  EXPECT_EQ(telstra.as_name, "Telstra Pty Ltd");
  EXPECT_EQ(e.as_name(1221), "Telstra Pty Ltd");
  EXPECT_EQ(e.lookup(ip("2001:480::1")).country, "US");  // in the Country test DB, not in City's
  const auto none = e.lookup(ip("10.0.0.1"));
  EXPECT_FALSE(none.country);
  EXPECT_FALSE(none.asn);
  EXPECT_FALSE(none.as_name);
  const auto censys = e.lookup(ip("162.142.125.9"));
  EXPECT_EQ(censys.scanner, "Censys");
}

TEST(Enricher, FillsRecordSlots) {
  REQUIRE_CORPUS();
  Enricher e(test_db_options());
  PacketRecord r;
  r.ip_version = 4;
  r.src = ip("1.128.0.1");
  e.enrich(r);
  EXPECT_EQ(r.asn, 1221u);
  r.src = ip("81.2.69.142");
  e.enrich(r);
  EXPECT_EQ(std::string(r.country.data(), 2), "GB");
  EXPECT_EQ(r.asn, 0u);
  r.src = ip("71.6.233.4");
  e.enrich(r);
  EXPECT_EQ(e.org_name(r.scanner_org), "Rapid7");
  // No IP header: no source, slots untouched.
  PacketRecord blank;
  e.enrich(blank);
  EXPECT_EQ(blank.asn, 0u);
  EXPECT_EQ(blank.scanner_org, 0u);
  EXPECT_EQ(blank.country[0], 0);
}

TEST(Enricher, ExplicitBadFilesThrowNamingThem) {
  REQUIRE_CORPUS();
  EnrichOptions o;
  o.geo_db = corpus("mmdb/bad-data/libmaxminddb/libmaxminddb-metadata-marker-only.mmdb");
  try {
    Enricher e(o);
    FAIL() << "accepted a corrupt database";
  } catch (const std::runtime_error& err) {
    EXPECT_NE(std::string(err.what()).find(o.geo_db), std::string::npos) << err.what();
  }
  EnrichOptions l;
  l.geo_db = corpus("mmdb/test-data/GeoLite2-Country-Test.mmdb");
  l.asn_db = corpus("mmdb/test-data/GeoLite2-ASN-Test.mmdb");
  l.scanner_lists = {"/nonexistent/dir"};
  EXPECT_THROW(Enricher{l}, std::runtime_error);
}

TEST(Enricher, MissingDefaultDataIsAWarningNotAFailure) {
  const char* old = std::getenv("DARKSCOPE_DATA_DIR");
  const std::string saved = old ? old : "";
  // The test binary lives in the build tree, where no data sits beside it.
  ::setenv("DARKSCOPE_DATA_DIR", "/nonexistent-darkscope-data", 1);
  bool found_elsewhere = !find_data_file("dbip-country-mmdb/dbip-country.mmdb").empty();
  if (found_elsewhere) {
    old ? ::setenv("DARKSCOPE_DATA_DIR", saved.c_str(), 1) : ::unsetenv("DARKSCOPE_DATA_DIR");
    GTEST_SKIP() << "default data is installed system-wide";
  }
  EnrichOptions o;
  Enricher e(o);
  ASSERT_EQ(e.warnings().size(), 2u);
  EXPECT_NE(e.warnings()[0].find("no country database"), std::string::npos);
  EXPECT_NE(e.warnings()[1].find("no ASN database"), std::string::npos);
  const auto a = e.lookup(ip("81.2.69.142"));
  EXPECT_FALSE(a.country);
  EXPECT_FALSE(a.asn);
  EXPECT_EQ(e.lookup(ip("162.142.125.9")).scanner, "Censys");  // the built-in list needs no file
  old ? ::setenv("DARKSCOPE_DATA_DIR", saved.c_str(), 1) : ::unsetenv("DARKSCOPE_DATA_DIR");
}

TEST(Enricher, DataDirFromEnvironment) {
  const auto dir = std::filesystem::temp_directory_path() / "darkscope_enrich_env_test";
  std::filesystem::create_directories(dir / "asn");
  std::ofstream(dir / "asn/asn-ipv4.csv") << "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n";
  ::setenv("DARKSCOPE_DATA_DIR", dir.c_str(), 1);
  EXPECT_EQ(find_data_file("asn/asn-ipv4.csv"), (dir / "asn/asn-ipv4.csv").string());
  EXPECT_EQ(data_search_dirs().front(), dir.string());
  EnrichOptions o;
  o.geo_db = test::have_corpus() ? corpus("mmdb/test-data/GeoLite2-Country-Test.mmdb") : "";
  if (!o.geo_db.empty()) {
    Enricher e(o);
    EXPECT_EQ(e.lookup(ip("1.0.0.9")).as_name, "Cloudflare, Inc.");
  }
  ::unsetenv("DARKSCOPE_DATA_DIR");
  std::filesystem::remove_all(dir);
}

// The default data (npm packages) and both families through the whole enricher.
TEST(Enricher, RepoDataEndToEnd) {
  REQUIRE_REPO_DATA();
  EnrichOptions o;
  o.geo_db = test::repo_data("dbip-country-mmdb/dbip-country.mmdb");
  o.asn_db = test::repo_data("asn/asn-ipv4.csv");  // brings asn-ipv6.csv along
  Enricher e(o);
  EXPECT_TRUE(e.warnings().empty());
  const auto cf = e.lookup(ip("1.0.0.1"));
  EXPECT_EQ(cf.asn, 13335u);
  EXPECT_EQ(cf.as_name, "Cloudflare, Inc.");
  EXPECT_EQ(e.lookup(ip("8.8.8.8")).country, "US");
  const auto he = e.lookup(ip("2001::1"));
  EXPECT_EQ(he.asn, 6939u);
  EXPECT_EQ(he.as_name, "Hurricane Electric LLC");
  EXPECT_EQ(e.lookup(ip("2a00:1450:4001::1")).country, "DE");
}

// The cache must never change an answer: 100k random sources, many repeated, through a
// small cache (constant replacement) and the default one, against uncached lookups.
/// Whether the record's enrichment slots say what `want` says.
testing::AssertionResult slots_say(const Enricher& e, const PacketRecord& r, const SourceInfo& want) {
  const auto country =
      r.country[0] ? std::optional<std::string>(std::string(r.country.data(), 2)) : std::nullopt;
  const auto asn = r.asn ? std::optional<std::uint32_t>(r.asn) : std::nullopt;
  const auto scanner =
      r.scanner_org ? std::optional<std::string>(std::string(e.org_name(r.scanner_org))) : std::nullopt;
  if (country == want.country && asn == want.asn && scanner == want.scanner) {
    return testing::AssertionSuccess();
  }
  const std::uint32_t want_asn = want.asn.has_value() ? *want.asn : 0;
  return testing::AssertionFailure() << "slots " << country.value_or("-") << " AS" << r.asn << " "
                                     << scanner.value_or("-") << ", want " << want.country.value_or("-")
                                     << " AS" << want_asn << " " << want.scanner.value_or("-");
}

/// n random sources: every `every`-th global-unicast IPv6, the one after it in
/// Censys's 162.142.125.0/24, the rest random IPv4.
std::vector<IpAddress> source_pool(std::mt19937_64& rng, int n, int every) {
  std::vector<IpAddress> pool;
  for (int i = 0; i < n; ++i) {
    const auto r = rng();
    if (i % every == 0) {
      std::uint8_t b[16];
      for (int k = 0; k < 16; ++k) b[k] = static_cast<std::uint8_t>(rng());
      b[0] = 0x20;  // global unicast
      b[1] = static_cast<std::uint8_t>(b[1] & 0x0f);
      pool.push_back(IpAddress::v6(b));
    } else if (i % every == 1) {
      pool.push_back(IpAddress::v4(0xA28E7D00u | (r & 0xff)));
    } else {
      pool.push_back(IpAddress::v4(static_cast<std::uint32_t>(r)));
    }
  }
  return pool;
}

void check_cache_agrees(const EnrichOptions& base, std::size_t cache_entries) {
  EnrichOptions o = base;
  o.cache_entries = cache_entries;
  Enricher e(o);
  std::mt19937_64 rng(42);
  const std::vector<IpAddress> pool = source_pool(rng, 20000, 10);
  std::size_t known = 0;
  for (int i = 0; i < 100000; ++i) {
    const IpAddress& a = pool[rng() % (i % 3 == 0 ? pool.size() : 500)];
    PacketRecord r;
    r.ip_version = a.is_v4() ? 4 : 6;
    r.src = a;
    e.enrich(r);
    const auto want = e.lookup_uncached(a);
    ASSERT_TRUE(slots_say(e, r, want)) << a.to_string();
    known += want.country || want.asn || want.scanner;
  }
  EXPECT_GT(known, 1000u);  // the comparison is not between empty answers
  const auto st = e.stats();
  EXPECT_EQ(st.lookups, 100000u);
  // About 20k distinct sources: a cache that holds them all misses only on first sight.
  if (cache_entries >= 20000) {
    EXPECT_GT(st.hits, 75000u);
  } else {
    EXPECT_GT(st.hits, 1000u);
  }
}

/// The installed data when there is some, else the corpus test databases.
EnrichOptions repo_or_corpus_options() {
  EnrichOptions o;
  if (test::have_repo_data()) {
    o.geo_db = test::repo_data("dbip-country-mmdb/dbip-country.mmdb");
    o.asn_db = test::repo_data("asn/asn-ipv4.csv");
  } else {
    o = test_db_options();
  }
  return o;
}

TEST(Enricher, CacheAgreesWithUncachedLookups) {
  REQUIRE_CORPUS();
  const EnrichOptions o = repo_or_corpus_options();
  check_cache_agrees(o, 1024);
  check_cache_agrees(o, std::size_t{1} << 20);
}

// The pipeline's way for `analyze`: one SourceTable entry per source gives both the
// first-packet mark and the enrichment, which must equal the enricher's own answers.
TEST(SourceTable, MarksFirstPacketsAndEnrichesLikeTheEnricher) {
  REQUIRE_CORPUS();
  const EnrichOptions o = repo_or_corpus_options();
  Enricher e(o);
  SourceTable table(&e);
  std::mt19937_64 rng(3);
  std::vector<IpAddress> pool = source_pool(rng, 150000, 50);
  pool[2] = IpAddress::v4(0);  // crafted packets come from 0.0.0.0 too
  std::unordered_set<IpAddress, IpAddressHash> seen;
  std::vector<PacketRecord> run(64);
  std::size_t firsts = 0, known = 0;
  for (int k = 0; k < 6000; ++k) {
    for (std::size_t j = 0; j < run.size(); ++j) {
      PacketRecord& r = run[j];
      r = PacketRecord{};
      r.src = pool[rng() % (k % 2 == 0 ? pool.size() : 2000)];
      r.ip_version = r.src.is_v4() ? 4 : 6;
      r.observed = j % 16 != 5;               // some outside the darknet
      if (j % 32 == 7) r.ip_version = 0;      // some without an IP header
    }
    table.mark(run);
    for (const PacketRecord& r : run) {
      if (!r.observed || !r.source_known()) {
        ASSERT_FALSE(r.new_source);
        ASSERT_EQ(r.asn, 0u);
        continue;
      }
      const bool first = seen.insert(r.src).second;
      ASSERT_EQ(r.new_source, first) << r.src.to_string();
      firsts += first;
      const auto want = e.lookup_uncached(r.src);
      ASSERT_TRUE(slots_say(e, r, want)) << r.src.to_string();
      known += want.country || want.asn || want.scanner;
    }
  }
  EXPECT_EQ(table.size(), seen.size());
  EXPECT_EQ(firsts, seen.size());
  EXPECT_GT(seen.size(), 100000u);  // the table grew several times
  EXPECT_GT(known, 10000u);
}

// CPU time of this thread: the machine may be shared, wall time would measure the neighbours.
double thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Cost per address with and without the cache (printed; numbers go to docs/PERFORMANCE.md).
TEST(Enricher, MeasureLookupCost) {
  REQUIRE_REPO_DATA();
  EnrichOptions o;
  o.geo_db = test::repo_data("dbip-country-mmdb/dbip-country.mmdb");
  o.asn_db = test::repo_data("asn/asn-ipv4.csv");
  std::mt19937_64 rng(7);
  std::vector<IpAddress> sources(200000);
  for (auto& a : sources) a = IpAddress::v4(static_cast<std::uint32_t>(rng()));
  std::vector<std::uint32_t> order(2000000);
  for (auto& i : order) i = static_cast<std::uint32_t>(rng() % sources.size());
  for (const std::size_t cache : {std::size_t{0}, std::size_t{1} << 20}) {
    o.cache_entries = cache;
    Enricher e(o);
    PacketRecord r;
    r.ip_version = 4;
    std::uint64_t sink = 0;
    const double t0 = thread_cpu_ns();
    for (const auto i : order) {
      r.src = sources[i];
      e.enrich(r);
      sink += r.asn;
    }
    const double ns = thread_cpu_ns() - t0;
    // Hits alone: the same packets again, every source now cached.
    const double t1 = thread_cpu_ns();
    for (const auto i : order) {
      r.src = sources[i];
      e.enrich(r);
      sink += r.asn;
    }
    const double again = thread_cpu_ns() - t1;
    // The pipeline's way: runs of 64 records through enrich_observed().
    std::vector<PacketRecord> run(64, r);
    for (auto& x : run) x.observed = true;
    const double t2 = thread_cpu_ns();
    for (std::size_t k = 0; k < order.size(); k += run.size()) {
      for (std::size_t j = 0; j < run.size(); ++j) run[j].src = sources[order[(k + j) % order.size()]];
      e.enrich_observed(run);
      sink += run[0].asn;
    }
    const double batched = thread_cpu_ns() - t2;
    std::printf("enrich(): %s: %.0f ns per packet first pass, %.0f ns per packet second pass, "
                "%.0f ns per packet in runs of 64 (CPU time; 2M packets, 200k sources, hits %llu) "
                "[%llu]\n",
                cache ? "with cache" : "no cache", ns / static_cast<double>(order.size()),
                again / static_cast<double>(order.size()), batched / static_cast<double>(order.size()),
                static_cast<unsigned long long>(e.stats().hits), static_cast<unsigned long long>(sink % 10));
  }
}

}  // namespace
}  // namespace darkscope
