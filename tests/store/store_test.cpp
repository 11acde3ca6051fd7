// The SQLite observation store: exact answers for records fed directly, with the
// values derived by hand from SPEC.md's counting rules.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "core/time.hpp"
#include "store/capture_ingest.hpp"
#include "store/observation_store.hpp"
#include "store/schema.hpp"
#include "store/sqlite_db.hpp"

namespace darkscope {
namespace {

constexpr std::int64_t kDay0 = 1704067200;  // 2024-01-01 00:00:00 UTC
constexpr std::int64_t kS = kNsPerSecond;

PacketRecord probe(std::int64_t ts_ns, std::uint32_t src, std::uint16_t port,
                   TrafficClass cls = TrafficClass::kTcpSyn, const char* cc = "JP") {
  PacketRecord r;
  r.ts_ns = ts_ns;
  r.wire_len = 60;
  r.src = IpAddress::v4(src);
  r.dst = IpAddress::v4(0x0A000001);
  r.ip_version = 4;
  r.protocol = cls == TrafficClass::kUdp ? kProtoUdp : kProtoTcp;
  r.dst_port = port;
  r.traffic_class = cls;
  r.observed = true;
  r.country = {cc[0], cc[1]};
  r.asn = 2497;
  return r;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("darkscope-store-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "obs.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  /// Ingests `records` as one capture named `sha`; returns the state begin_capture gave.
  CaptureState ingest(const std::vector<PacketRecord>& records, const std::string& sha = "aa",
                      bool force = false, const std::string& sensor = "default") {
    auto store = open_sqlite_store(db_, true);
    const int sid = store->sensor_id({sensor, "10.0.0.0/16", 65536});
    const CaptureState st = store->begin_capture(sid, {sha, "x.pcap", 1}, force);
    if (st.complete) return st;
    BinAggregator agg;
    CaptureIngest in(*store, agg, sid, st);
    for (const auto& r : records) in.on_packet(r);
    in.finish(true);
    store->refresh_rollups();
    return st;
  }
  std::vector<TopRow> top(std::int64_t from, std::int64_t to, const std::string& by,
                          std::size_t limit = 10) {
    auto store = open_sqlite_store(db_, false);
    return store->top({from, to, by, std::nullopt, limit});
  }

  std::filesystem::path dir_;
  std::string db_;
};

TEST_F(StoreTest, TopCountsPacketsAndUniqueSourcesAcrossDays) {
  std::vector<PacketRecord> rs;
  // Day 0: source 1 sends 3 to tcp/23, source 2 sends 1 to tcp/23 and 2 to udp/53.
  for (int i = 0; i < 3; ++i) rs.push_back(probe((kDay0 + 10 + i) * kS, 1, 23));
  rs.push_back(probe((kDay0 + 20) * kS, 2, 23));
  rs.push_back(probe((kDay0 + 30) * kS, 2, 53, TrafficClass::kUdp, "US"));
  rs.push_back(probe((kDay0 + 7200) * kS, 2, 53, TrafficClass::kUdp, "US"));
  // Day 1: source 1 again on tcp/23 (a repeat source), source 3 new; backscatter not a port row.
  rs.push_back(probe((kDay0 + kBin1d + 5) * kS, 1, 23));
  rs.push_back(probe((kDay0 + kBin1d + 6) * kS, 3, 23));
  rs.push_back(probe((kDay0 + kBin1d + 7) * kS, 4, 80, TrafficClass::kTcpBackscatter));
  ingest(rs);

  const auto ports = top(kDay0, kDay0 + 2 * kBin1d, "port");
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0].key, "tcp/23");
  EXPECT_EQ(ports[0].packets, 6u);
  EXPECT_EQ(ports[0].sources, 3u);  // 1, 2, 3: source 1 counted once over both days
  EXPECT_EQ(ports[1].key, "udp/53");
  EXPECT_EQ(ports[1].packets, 2u);
  EXPECT_EQ(ports[1].sources, 1u);

  const auto day1 = top(kDay0 + kBin1d, kDay0 + 2 * kBin1d, "port");
  ASSERT_EQ(day1.size(), 1u);
  EXPECT_EQ(day1[0].packets, 2u);
  EXPECT_EQ(day1[0].sources, 2u);

  const auto countries = top(kDay0, kDay0 + 2 * kBin1d, "country");
  ASSERT_EQ(countries.size(), 2u);
  EXPECT_EQ(countries[0].key, "JP");
  EXPECT_EQ(countries[0].packets, 7u);
  EXPECT_EQ(countries[0].sources, 3u);  // 1, 3, 4 (source 2 is US)
  EXPECT_EQ(countries[1].key, "US");
  EXPECT_EQ(countries[1].packets, 2u);

  const auto classes = top(kDay0, kDay0 + 2 * kBin1d, "class");
  ASSERT_EQ(classes.size(), 3u);
  EXPECT_EQ(classes[0].key, "tcp-syn");
  EXPECT_EQ(classes[0].packets, 6u);
  EXPECT_EQ(classes[0].sources, 3u);
  EXPECT_EQ(classes[2].key, "tcp-backscatter");

  const auto sources = top(kDay0, kDay0 + 2 * kBin1d, "source", 1);
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].key, "0.0.0.1");
  EXPECT_EQ(sources[0].packets, 4u);

  // Sub-day range [00:00, 01:00) uses hourly bins: 5 packets, not the one at 02:00.
  const auto hour = top(kDay0, kDay0 + 3600, "port");
  ASSERT_EQ(hour.size(), 2u);
  EXPECT_EQ(hour[0].packets, 4u);
  EXPECT_EQ(hour[1].packets, 1u);
}

TEST_F(StoreTest, FromIsInclusiveToIsExclusive) {
  ingest({probe((kDay0 + 299) * kS + 999'999'000, 1, 23), probe((kDay0 + 300) * kS, 2, 23),
          probe((kDay0 + 600) * kS, 3, 23)});
  auto total = [&](std::int64_t from, std::int64_t to) {
    const auto rows = top(from, to, "port");
    return rows.empty() ? 0u : rows[0].packets;
  };
  EXPECT_EQ(total(kDay0, kDay0 + 300), 1u);        // 00:04:59.999999 in, 00:05:00 out
  EXPECT_EQ(total(kDay0 + 300, kDay0 + 600), 1u);  // 00:05:00 in, 00:10:00 out
  EXPECT_EQ(total(kDay0 + 300, kDay0 + 900), 2u);
  EXPECT_EQ(total(kDay0, kDay0 + kBin1d), 3u);
  EXPECT_EQ(total(kDay0 - kBin1d, kDay0), 0u);
}

TEST_F(StoreTest, SeriesHasEveryBinWithExplicitZeros) {
  ingest({probe((kDay0 + 10) * kS, 1, 23), probe((kDay0 + 11) * kS, 2, 23),
          probe((kDay0 + 900) * kS, 1, 23)});
  auto store = open_sqlite_store(db_, false);
  const auto s = store->series({kDay0, kDay0 + 1200, kBin5m, BinDimension::kPort, "tcp/23", std::nullopt});
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].start, kDay0);
  EXPECT_EQ(s[0].packets, 2u);
  EXPECT_EQ(s[0].sources, 2u);
  EXPECT_EQ(s[1].packets, 0u);
  EXPECT_EQ(s[1].start, kDay0 + 300);
  EXPECT_EQ(s[2].packets, 0u);
  EXPECT_EQ(s[3].packets, 1u);
  EXPECT_EQ(s[3].bytes, 60u);
  const auto days = store->series({kDay0 - kBin1d, kDay0 + 2 * kBin1d, kBin1d, BinDimension::kCountry,
                                   "JP", std::nullopt});
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0].packets, 0u);
  EXPECT_EQ(days[1].packets, 3u);
  EXPECT_EQ(days[1].sources, 2u);
  EXPECT_EQ(days[2].packets, 0u);
}

TEST_F(StoreTest, ReingestIsSkippedAndForceReplacesExactly) {
  const std::vector<PacketRecord> rs = {probe(kDay0 * kS, 1, 23), probe((kDay0 + 5) * kS, 2, 23)};
  EXPECT_FALSE(ingest(rs).complete);
  EXPECT_TRUE(ingest(rs).complete);  // same content: skipped
  EXPECT_EQ(top(kDay0, kDay0 + kBin1d, "port")[0].packets, 2u);
  const CaptureState forced = ingest(rs, "aa", true);
  EXPECT_TRUE(forced.replaced);
  EXPECT_EQ(top(kDay0, kDay0 + kBin1d, "port")[0].packets, 2u);
  EXPECT_EQ(top(kDay0, kDay0 + kBin1d, "port")[0].sources, 2u);
  ingest(rs, "bb");  // different content: counted on top
  EXPECT_EQ(top(kDay0, kDay0 + kBin1d, "port")[0].packets, 4u);
  EXPECT_EQ(top(kDay0, kDay0 + kBin1d, "port")[0].sources, 2u);
}

/// Every row of the tables that hold counts, for comparing two databases.
std::multiset<std::string> dump(const std::string& path) {
  Database db(path, Database::Mode::kReadOnly);
  std::multiset<std::string> rows;
  for (const char* sql :
       {"SELECT 'b', bin_s, dim, start, key, packets, bytes, sources FROM bins",
        "SELECT 'd', day, hex(src), packets, bytes, classes, fingerprints, first_ns, last_ns FROM source_days",
        "SELECT 'p', day, port, hex(src), packets FROM source_day_ports",
        "SELECT 'm', dim, start, key, packets, bytes FROM month_bins",
        "SELECT 'c', packets_done, complete FROM captures"}) {
    auto s = db.prepare(sql);
    while (s.step()) {
      std::string row;
      for (int i = 0; i < 9; ++i) row += s.column_text(i) + "|";
      rows.insert(row);
    }
  }
  return rows;
}

TEST_F(StoreTest, ResumeAfterInterruptionGivesTheUninterruptedTotals) {
  std::vector<PacketRecord> rs;
  // Four hours, several sources, two 5-minute bins per hour; unobserved packets between.
  for (int h = 0; h < 4; ++h) {
    for (int i = 0; i < 50; ++i) {
      PacketRecord r = probe((kDay0 + h * 3600 + (i % 2) * 300 + i) * kS, 100 + i % 7, 23 + i % 3);
      rs.push_back(r);
      if (i % 10 == 0) {
        PacketRecord out = r;
        out.observed = false;
        rs.push_back(out);
      }
    }
  }
  ingest(rs);
  const auto reference = dump(db_);
  std::filesystem::rename(db_, dir_ / "reference.db");

  // Interrupt after k packets (no finish: what a kill leaves), then run again.
  for (std::size_t k : {1u, 57u, 110u, 111u, 150u, 219u}) {
    std::filesystem::remove(db_);
    {
      auto store = open_sqlite_store(db_, true);
      const int sid = store->sensor_id({"default", "10.0.0.0/16", 65536});
      const CaptureState st = store->begin_capture(sid, {"aa", "x.pcap", 1}, false);
      BinAggregator agg;
      CaptureIngest in(*store, agg, sid, st);
      for (std::size_t i = 0; i < k; ++i) in.on_packet(rs[i]);
    }
    const CaptureState st = ingest(rs);
    EXPECT_FALSE(st.complete);
    EXPECT_EQ(dump(db_), reference) << "interrupted after " << k;
  }
}

TEST_F(StoreTest, RetentionKeepsCoarserBins) {
  std::vector<PacketRecord> rs;
  for (int d = 0; d < 20; ++d) rs.push_back(probe((kDay0 + d * kBin1d + 60) * kS, 1, 23));
  ingest(rs);
  {
    auto store = open_sqlite_store(db_, true);
    // Newest day is day 19: keep 5-minute bins of days 15..19, hourly of days 10..19.
    EXPECT_GT(store->apply_retention({5, 10}), 0u);
  }
  auto store = open_sqlite_store(db_, false);
  auto count = [&](std::int64_t width) {
    const auto s = store->series({kDay0, kDay0 + 20 * kBin1d, width, BinDimension::kTotal, "", std::nullopt});
    std::uint64_t n = 0;
    for (const auto& p : s) n += p.packets;
    return n;
  };
  EXPECT_EQ(count(kBin5m), 5u);
  EXPECT_EQ(count(kBin1h), 10u);
  EXPECT_EQ(count(kBin1d), 20u);
  EXPECT_EQ(top(kDay0, kDay0 + 20 * kBin1d, "port")[0].packets, 20u);
}

TEST_F(StoreTest, MonthlyRollupsGiveTheSameTotalsAsDays) {
  std::vector<PacketRecord> rs;
  // 2024-01-01 .. 2024-03-31, one packet a day, port by month.
  for (int d = 0; d < 91; ++d) rs.push_back(probe((kDay0 + d * kBin1d) * kS, 1 + d % 5, d < 31 ? 23 : 80));
  ingest(rs);
  EXPECT_EQ(top(kDay0, kDay0 + 91 * kBin1d, "port")[0].packets, 60u);   // tcp/80: Feb 29 + Mar 31
  EXPECT_EQ(top(kDay0, kDay0 + 91 * kBin1d, "port")[1].packets, 31u);
  // 2024-01-15 .. 2024-03-10: days + February's rollup + days.
  const auto mid = top(kDay0 + 14 * kBin1d, kDay0 + 69 * kBin1d, "port");
  EXPECT_EQ(mid[0].key, "tcp/80");
  EXPECT_EQ(mid[0].packets, 38u);  // 29 + 9
  EXPECT_EQ(mid[1].packets, 17u);  // Jan 15..31
  EXPECT_EQ(mid[0].sources, 5u);
}

TEST_F(StoreTest, RefusesAForeignOrNewerDatabase) {
  {
    Database foreign(db_, Database::Mode::kReadWrite);
    foreign.exec("CREATE TABLE t(x)");
  }
  try {
    open_sqlite_store(db_, true);
    FAIL() << "a foreign database was accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("not a darkscope database"), std::string::npos) << e.what();
  }
  std::filesystem::remove(db_);
  { std::ofstream(db_) << "this is a text file, long enough to look like something................"
                          "..................................................................."; }
  EXPECT_THROW(open_sqlite_store(db_, true), StoreError);
  std::filesystem::remove(db_);
  ingest({probe(kDay0 * kS, 1, 23)});
  {
    Database db(db_, Database::Mode::kReadWrite);
    db.exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1));
  }
  try {
    open_sqlite_store(db_, false);
    FAIL() << "a newer schema was accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer darkscope"), std::string::npos) << e.what();
  }
}

TEST_F(StoreTest, ReaderWorksDuringAWriteTransactionAndOneWriterOnly) {
  ingest({probe(kDay0 * kS, 1, 23)});
  Database writer(db_, Database::Mode::kReadWrite);
  writer.exec("BEGIN IMMEDIATE");
  writer.exec("UPDATE bins SET packets = packets + 1000");
  // The reader sees the last committed state, without waiting.
  const auto rows = top(kDay0, kDay0 + kBin1d, "port");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].packets, 1u);
  writer.exec("ROLLBACK");

  auto first = open_sqlite_store(db_, true);
  try {
    open_sqlite_store(db_, true);
    FAIL() << "two writers";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("another darkscope ingest"), std::string::npos);
  }
}

TEST_F(StoreTest, LockedDatabaseNamesTheCauseAndKeepsCommittedData) {
  ingest({probe(kDay0 * kS, 1, 23)});
  auto store = open_sqlite_store(db_, true);
  Database other(db_, Database::Mode::kReadWrite, 100);
  other.exec("BEGIN IMMEDIATE");  // a writer outside darkscope's own lock
  try {
    (void)store->begin_capture(1, {"cc", "y.pcap", 1}, false);  // waits the busy timeout, then fails
    FAIL() << "wrote through a lock";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("locked"), std::string::npos) << e.what();
  }
  other.exec("ROLLBACK");
  EXPECT_EQ(top(kDay0, kDay0 + kBin1d, "port")[0].packets, 1u);
}

TEST(Sha256, KnownDigest) {
  const auto path = std::filesystem::temp_directory_path() / ("darkscope-sha-" + std::to_string(::getpid()));
  { std::ofstream(path) << "abc"; }
  EXPECT_EQ(sha256_file(path.string()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::filesystem::remove(path);
  EXPECT_THROW((void)sha256_file("/nonexistent/file"), std::runtime_error);
}

}  // namespace
}  // namespace darkscope
