// The SQLite observation store: exact answers for records fed directly, with the
// values derived by hand from SPEC.md's counting rules.
#include <gtest/gtest.h>
#include <sqlite3.h>
#define XXH_INLINE_ALL  // one-shot XXH3 of a whole buffer, the reference for the streamed file digest
#include <xxhash.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <tuple>

#include "core/time.hpp"
#include "store/bin_reader.hpp"
#include "store/capture_ingest.hpp"
#include "store/events_store.hpp"
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
                      bool force = false, const std::string& sensor = "default",
                      CheckpointPolicy policy = {}) {
    auto store = open_sqlite_store(db_, true);
    const int sid = store->sensor_id({sensor, "10.0.0.0/16", 65536});
    const CaptureState st = store->begin_capture(sid, {sha, "x.pcap", 1}, force);
    if (st.complete) return st;
    BinAggregator agg([](std::uint16_t org) { return org == 3 ? std::string("Censys") : std::string(); });
    CommitQueue queue(*store, false);
    auto handle = std::make_shared<CaptureHandle>();
    handle->id = st.id;
    CaptureIngest in(queue, agg, sid, handle, st.packets_done, policy);
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
  // Day 0: source 1 sends 3 to tcp/23, source 2 (in the US: enrichment is per
  // address) sends 1 to tcp/23 and 2 to udp/53.
  for (int i = 0; i < 3; ++i) rs.push_back(probe((kDay0 + 10 + i) * kS, 1, 23));
  rs.push_back(probe((kDay0 + 20) * kS, 2, 23, TrafficClass::kTcpSyn, "US"));
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
  EXPECT_EQ(countries[0].packets, 6u);
  EXPECT_EQ(countries[0].sources, 3u);  // 1, 3, 4 (source 2 is US)
  EXPECT_EQ(countries[1].key, "US");
  EXPECT_EQ(countries[1].packets, 3u);
  EXPECT_EQ(countries[1].sources, 1u);

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
       {"SELECT 'b', span, dim, start, capture_id, hex(cells) FROM bins",
        "SELECT 's', span, dim, start, capture_id, first_key, last_key, hex(sets) FROM bin_sets",
        "SELECT 'd', day, bucket, capture_id, segment, hex(records) FROM source_chunks",
        "SELECT 'r', span, start, built FROM rollups",
        "SELECT 'c', packets_done, complete FROM captures"}) {
    auto s = db.prepare(sql);
    while (s.step()) {
      std::string row;
      for (int i = 0; i < 8; ++i) row += s.column_text(i) + "|";
      rows.insert(row);
    }
  }
  return rows;
}

TEST_F(StoreTest, ResumeAfterInterruptionGivesTheUninterruptedTotals) {
  std::vector<PacketRecord> rs;
  // Commits every hour here (files commit per UTC day), so that an interruption
  // lands between commits. Four hours, several sources, two 5-minute bins per
  // hour; unobserved packets between; a packet of the day before after the first hour.
  CheckpointPolicy policy;
  policy.boundary_s = kBin1h;
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
    if (h == 1) rs.push_back(probe((kDay0 - 30) * kS, 100, 23));
  }
  ingest(rs, "aa", false, "default", policy);
  const auto reference = dump(db_);
  std::filesystem::rename(db_, dir_ / "reference.db");

  // Interrupt after k packets (no finish: what a kill leaves), then run again.
  for (std::size_t k : {1u, 57u, 110u, 111u, 150u, 219u}) {
    std::filesystem::remove(db_);
    {
      auto store = open_sqlite_store(db_, true);
      const int sid = store->sensor_id({"default", "10.0.0.0/16", 65536});
      const CaptureState st = store->begin_capture(sid, {"aa", "x.pcap", 1}, false);
      BinAggregator agg([](std::uint16_t org) { return org == 3 ? std::string("Censys") : std::string(); });
      CommitQueue queue(*store, false);
      auto handle = std::make_shared<CaptureHandle>();
      handle->id = st.id;
      CaptureIngest in(queue, agg, sid, handle, st.packets_done, policy);
      for (std::size_t i = 0; i < k; ++i) in.on_packet(rs[i]);
    }
    const CaptureState st = ingest(rs, "aa", false, "default", policy);
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
  EXPECT_EQ(mid[1].sources, 5u);
}

TEST_F(StoreTest, CompleteMonthsAreRolledUpAndIncompleteOnesAreNot) {
  std::vector<PacketRecord> rs;
  for (int d = 0; d < 45; ++d) rs.push_back(probe((kDay0 + d * kBin1d) * kS, 1 + d % 5, 23));
  ingest(rs);
  Database db(db_, Database::Mode::kReadOnly);
  std::map<std::pair<int, std::int64_t>, int> built;
  auto s = db.prepare("SELECT span, start, built FROM rollups");
  while (s.step()) built[{static_cast<int>(s.column_int(0)), s.column_int(1)}] = static_cast<int>(s.column_int(2));
  EXPECT_EQ((built[{kSpanMonth, kDay0}]), 1);                // January: later data exists
  EXPECT_EQ((built[{kSpanMonth, kDay0 + 31 * kBin1d}]), 0);  // February: ends after the newest day
  EXPECT_EQ((built[{kSpanYear, kDay0}]), 0);
  // Either way the answers are the days'.
  const auto feb = top(kDay0 + 31 * kBin1d, kDay0 + 60 * kBin1d, "port");
  ASSERT_EQ(feb.size(), 1u);
  EXPECT_EQ(feb[0].packets, 14u);
  EXPECT_EQ(feb[0].sources, 5u);
  const auto jan = top(kDay0, kDay0 + 31 * kBin1d, "port");
  EXPECT_EQ(jan[0].packets, 31u);
  EXPECT_EQ(jan[0].sources, 5u);
}

TEST_F(StoreTest, YearRollupAnswersAYearWithExactSources) {
  // 2021: every day one of 50 sources probes tcp/23, and a source never seen before
  // probes tcp/80 (and, every tenth day, udp/53 as well).
  const std::int64_t y0 = *parse_time("2021-01-01") / kS;
  std::vector<PacketRecord> rs;
  std::map<std::string, std::pair<std::uint64_t, std::set<std::uint32_t>>> expect;
  auto add = [&](std::int64_t t, std::uint32_t src, std::uint16_t port, TrafficClass cls, const char* key) {
    rs.push_back(probe(t * kS, src, port, cls));
    ++expect[key].first;
    expect[key].second.insert(src);
  };
  for (int d = 0; d < 365; ++d) {
    const std::int64_t t = y0 + d * kBin1d + 100;
    add(t, 7 + d % 50, 23, TrafficClass::kTcpSyn, "tcp/23");
    add(t + 1, 100000 + d, 80, TrafficClass::kTcpSyn, "tcp/80");
    if (d % 10 == 0) add(t + 2, 200000 + d, 53, TrafficClass::kUdp, "udp/53");
  }
  ingest(rs);
  {
    Database db(db_, Database::Mode::kReadOnly);
    EXPECT_EQ(db.query_int("SELECT count(*) FROM rollups WHERE span = 4 AND built = 1"), 12);
    EXPECT_EQ(db.query_int("SELECT count(*) FROM rollups WHERE span = 5 AND built = 1"), 1);
  }
  const auto year = top(y0, *parse_time("2022-01-01") / kS, "port", 0);
  ASSERT_EQ(year.size(), 3u);
  for (const TopRow& r : year) {
    EXPECT_EQ(r.packets, expect[r.key].first) << r.key;
    EXPECT_EQ(r.sources, expect[r.key].second.size()) << r.key;
  }
  EXPECT_EQ(year[0].key, "tcp/23");  // a tie with tcp/80: TCP ports by number
  // A period of days, whole months and days again: the same as counting the packets.
  const std::int64_t from = *parse_time("2021-03-15") / kS;
  const std::int64_t to = *parse_time("2021-06-10") / kS;
  std::map<std::string, std::pair<std::uint64_t, std::set<std::uint32_t>>> mid;
  for (const PacketRecord& r : rs) {
    if (r.ts_ns < from * kS || r.ts_ns >= to * kS) continue;
    const std::string key = ranking_port_key(r)->text();
    ++mid[key].first;
    mid[key].second.insert(r.src.v4_value());
  }
  for (const TopRow& r : top(from, to, "port", 0)) {
    EXPECT_EQ(r.packets, mid[r.key].first) << r.key;
    EXPECT_EQ(r.sources, mid[r.key].second.size()) << r.key;
  }
  const auto countries = top(y0, *parse_time("2022-01-01") / kS, "country");
  ASSERT_EQ(countries.size(), 1u);
  EXPECT_EQ(countries[0].sources, 50u + 365u + 37u);
}

TEST_F(StoreTest, ADayCommittedTwiceIsUnitedExactly) {
  // Sources 1 and 2 on day 0, source 3 on day 1 (which commits day 0), then late
  // packets of day 0 from sources 1 and 4: day 0 is written a second time.
  ingest({probe((kDay0 + 10) * kS, 1, 23), probe((kDay0 + 20) * kS, 2, 23),
          probe((kDay0 + kBin1d + 5) * kS, 3, 23), probe((kDay0 + 30) * kS, 1, 23),
          probe((kDay0 + 40) * kS, 4, 23)});
  const auto d0 = top(kDay0, kDay0 + kBin1d, "port");
  ASSERT_EQ(d0.size(), 1u);
  EXPECT_EQ(d0[0].packets, 4u);
  EXPECT_EQ(d0[0].sources, 3u);
  auto store = open_sqlite_store(db_, false);
  const auto days = store->series({kDay0, kDay0 + 2 * kBin1d, kBin1d, BinDimension::kTotal, "", std::nullopt});
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[0].packets, 4u);
  EXPECT_EQ(days[0].sources, 3u);
  EXPECT_EQ(days[1].sources, 1u);
  const auto both = top(kDay0, kDay0 + 2 * kBin1d, "port");
  EXPECT_EQ(both[0].sources, 4u);
}

TEST_F(StoreTest, TwoCapturesOfOneDayUniteTheirSources) {
  ingest({probe((kDay0 + 10) * kS, 1, 23), probe((kDay0 + 20) * kS, 2, 23)}, "aa");
  ingest({probe((kDay0 + 30) * kS, 2, 23), probe((kDay0 + 40) * kS, 3, 23)}, "bb");
  const auto rows = top(kDay0, kDay0 + kBin1d, "port");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].packets, 4u);
  EXPECT_EQ(rows[0].sources, 3u);
  auto store = open_sqlite_store(db_, false);
  const auto day = store->series({kDay0, kDay0 + kBin1d, kBin1d, BinDimension::kPort, "tcp/23", std::nullopt});
  ASSERT_EQ(day.size(), 1u);
  EXPECT_EQ(day[0].sources, 3u);
  // Sub-day bins of two captures: packets add up; sources are summed (an upper bound).
  const auto fives = store->series({kDay0, kDay0 + 300, kBin5m, BinDimension::kPort, "tcp/23", std::nullopt});
  EXPECT_EQ(fives[0].packets, 4u);
  EXPECT_EQ(fives[0].sources, 4u);
}

TEST_F(StoreTest, NewestDaySizeIsItsSourcesAndPairs) {
  {
    auto store = open_sqlite_store(db_, true);
    const DaySize none = store->newest_day_size(store->sensor_id({"default", "10.0.0.0/16", 65536}));
    EXPECT_EQ(none.sources, 0u);
    EXPECT_EQ(none.pairs, 0u);
  }
  // Day 0: 3 sources, 5 (source, port) pairs. Day 1, the newest: sources 1-4 on
  // tcp/23, source 1 also on tcp/80 and udp/53, and source 5's backscatter, which
  // is charged to no port: 5 sources, 6 pairs.
  ingest({probe((kDay0 + 1) * kS, 1, 23), probe((kDay0 + 2) * kS, 1, 80), probe((kDay0 + 3) * kS, 2, 23),
          probe((kDay0 + 4) * kS, 2, 22), probe((kDay0 + 5) * kS, 3, 23)},
         "aa");
  std::vector<PacketRecord> day1;
  for (std::uint32_t src = 1; src <= 4; ++src) day1.push_back(probe((kDay0 + kBin1d + src) * kS, src, 23));
  day1.push_back(probe((kDay0 + kBin1d + 10) * kS, 1, 23));  // a repeat: no new pair
  day1.push_back(probe((kDay0 + kBin1d + 11) * kS, 1, 80));
  day1.push_back(probe((kDay0 + kBin1d + 12) * kS, 1, 53, TrafficClass::kUdp));
  day1.push_back(probe((kDay0 + kBin1d + 13) * kS, 5, 443, TrafficClass::kTcpBackscatter));
  ingest(day1, "bb");
  // Another sensor's larger day does not count.
  std::vector<PacketRecord> other;
  for (std::uint32_t src = 1; src <= 50; ++src) other.push_back(probe((kDay0 + 2 * kBin1d + src) * kS, src, 23));
  ingest(other, "cc", false, "other");
  auto store = open_sqlite_store(db_, true);
  const DaySize size = store->newest_day_size(store->sensor_id({"default", "10.0.0.0/16", 65536}));
  EXPECT_EQ(size.sources, 5u);
  EXPECT_EQ(size.pairs, 6u);
}

TEST_F(StoreTest, ScannerKeysAreOrganisationNames) {
  std::vector<PacketRecord> rs;
  for (std::uint32_t s = 1; s <= 3; ++s) {
    PacketRecord r = probe((kDay0 + s) * kS, s, 443);
    r.scanner_org = 3;  // "Censys" (see ingest())
    rs.push_back(r);
  }
  rs.push_back(probe((kDay0 + 9) * kS, 9, 443));
  ingest(rs);
  const auto rows = top(kDay0, kDay0 + kBin1d, "scanner");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key, "Censys");
  EXPECT_EQ(rows[0].packets, 3u);
  EXPECT_EQ(rows[0].sources, 3u);
  auto store = open_sqlite_store(db_, false);
  const auto s = store->series({kDay0, kDay0 + kBin1d, kBin1h, BinDimension::kScanner, "Censys", std::nullopt});
  EXPECT_EQ(s[0].packets, 3u);
  EXPECT_EQ(s[0].sources, 3u);
  const auto none = store->series({kDay0, kDay0 + kBin1d, kBin1h, BinDimension::kScanner, "Shodan", std::nullopt});
  EXPECT_EQ(none[0].packets, 0u);
}

TEST_F(StoreTest, ANewCaptureIsRegisteredByItsFirstCommit) {
  auto store = open_sqlite_store(db_, true);
  const int sid = store->sensor_id({"default", "10.0.0.0/16", 65536});
  EXPECT_FALSE(store->has_capture_of_size(sid, 1234));
  std::promise<std::string> sha;
  auto handle = std::make_shared<CaptureHandle>();
  handle->file.path = "new.pcap";
  handle->file.size = 1234;
  handle->digest = sha.get_future().share();
  BinAggregator agg;
  CommitQueue queue(*store, true);
  CaptureIngest in(queue, agg, sid, handle, 0);
  in.on_packet(probe((kDay0 + 1) * kS, 1, 23));
  in.on_packet(probe((kDay0 + kBin1d + 1) * kS, 2, 23));  // commits day 0
  sha.set_value("c0ffee");
  in.finish(true);
  queue.wait();
  EXPECT_GT(handle->id, 0);
  EXPECT_TRUE(store->has_capture_of_size(sid, 1234));
  const CaptureState again = store->begin_capture(sid, {"c0ffee", "new.pcap", 1234}, false);
  EXPECT_TRUE(again.complete);
  EXPECT_EQ(again.id, handle->id);
  EXPECT_EQ(top(kDay0, kDay0 + 2 * kBin1d, "port")[0].packets, 2u);
}

TEST_F(StoreTest, LiveCaptureLossIsStoredByBinAndSummedOverAPeriod) {
  auto store = open_sqlite_store(db_, true);
  const int sid = store->sensor_id({"tokyo", "10.0.0.0/16", 65536});
  const int other = store->sensor_id({"osaka", "10.1.0.0/16", 65536});
  BinAggregator agg;
  CommitQueue queue(*store, true);
  auto live = [&](int sensor, const std::string& id) {
    auto h = std::make_shared<CaptureHandle>();
    h->file = {id, "eth0", 0};
    h->id = store->begin_capture(sensor, h->file, false).id;
    return h;
  };
  auto tokyo = live(sid, "live:eth0:1");
  {
    CaptureIngest in(queue, agg, sid, tokyo, 0);
    in.on_packet(probe((kDay0 + 10) * kS, 1, 23));
    // Readings at 00:00:10 and 00:04:59 fall in the first 5-minute bin; 00:05:00 in the next.
    in.add_loss((kDay0 + 10) * kS, 1000, 0);
    in.add_loss((kDay0 + 299) * kS + 999'999'999, 500, 7);
    in.add_loss((kDay0 + 300) * kS, 120, 1);
    in.checkpoint();
    in.add_loss((kDay0 + 310) * kS, 80, 2);          // after a commit: the same bin in a later one
    in.add_loss((kDay0 + kBin1d + 60) * kS, 50, 0);  // the next day: nothing dropped
    in.finish(false);
  }
  queue.wait();  // the queue's thread writes through the same connection
  {
    // Only drops pending: a checkpoint still writes them.
    auto osaka = live(other, "live:eth1:1");
    CaptureIngest in(queue, agg, other, osaka, 0);
    in.add_loss((kDay0 + 2 * kBin1d + 5) * kS, 40, 40);
    in.checkpoint();
    queue.wait();
    auto reader = open_sqlite_store(db_, false);
    EXPECT_EQ(reader->capture_loss(kDay0, kDay0 + 3 * kBin1d, std::string("osaka")).dropped, 40u);
    in.finish(false);
  }
  queue.wait();
  auto reader = open_sqlite_store(db_, false);
  const CaptureLoss all = reader->capture_loss(kDay0, kDay0 + 3 * kBin1d, std::nullopt);
  EXPECT_EQ(all.received, 1790u);
  EXPECT_EQ(all.dropped, 50u);
  EXPECT_EQ(all.days_with_drops, (std::vector<std::int64_t>{kDay0, kDay0 + 2 * kBin1d}));
  const CaptureLoss t = reader->capture_loss(kDay0, kDay0 + 3 * kBin1d, std::string("tokyo"));
  EXPECT_EQ(t.received, 1750u);
  EXPECT_EQ(t.dropped, 10u);
  EXPECT_DOUBLE_EQ(t.share(), 10.0 / 1750.0);
  // --from inclusive, --to exclusive, by 5-minute bin.
  EXPECT_EQ(reader->capture_loss(kDay0 + 300, kDay0 + 600, std::nullopt).dropped, 3u);
  EXPECT_EQ(reader->capture_loss(kDay0, kDay0 + 300, std::nullopt).received, 1500u);
  EXPECT_EQ(
      reader->capture_loss(kDay0 + kBin1d, kDay0 + 2 * kBin1d, std::nullopt).days_with_drops.size(),
      0u);
  // One row per bin: the bin read across a checkpoint was summed.
  Database db(db_, Database::Mode::kReadOnly);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM capture_loss"), 4);
  EXPECT_EQ(db.query_int("SELECT received FROM capture_loss WHERE start = " +
                         std::to_string(kDay0 + 300)),
            200);
}

TEST_F(StoreTest, ReadersReadASchema4FileAsItIsAndAnIngestMigratesIt) {
  ingest({probe((kDay0 + 1) * kS, 1, 23), probe((kDay0 + 2) * kS, 2, 23)});
  {
    // What schema 4 wrote: no capture_loss.
    Database db(db_, Database::Mode::kReadWrite);
    db.exec("DROP TABLE capture_loss");
    db.exec("PRAGMA user_version = 4");
  }
  {
    auto reader = open_sqlite_store(db_, false);
    EXPECT_EQ(reader->top({kDay0, kDay0 + kBin1d, "port", std::nullopt, 10})[0].packets, 2u);
    EXPECT_EQ(reader->capture_loss(kDay0, kDay0 + kBin1d, std::nullopt).received, 0u);
    Database db(db_, Database::Mode::kReadOnly);
    EXPECT_EQ(db.query_int("PRAGMA user_version"), 4);  // a reader changes nothing
  }
  {
    Database db(db_, Database::Mode::kReadWrite);
    db.exec("PRAGMA user_version = 3");
  }
  try {
    (void)open_sqlite_store(db_, false);
    ADD_FAILURE() << "a schema 3 file was read without migrating";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("run `darkscope ingest` once to migrate it"),
              std::string::npos)
        << e.what();
  }
  {
    Database db(db_, Database::Mode::kReadWrite);
    db.exec("PRAGMA user_version = 4");
  }
  (void)open_sqlite_store(db_, true);  // a writer migrates
  Database db(db_, Database::Mode::kReadOnly);
  EXPECT_EQ(db.query_int("PRAGMA user_version"), latest_schema_version());
  EXPECT_EQ(db.query_int("SELECT count(*) FROM capture_loss"), 0);
}

TEST_F(StoreTest, TheMemoryBoundCutsSegmentsWithoutLosingExactness) {
  CheckpointPolicy policy;
  policy.max_entries = 50;  // a commit at the next hour once 50 sources and pairs are held
  std::vector<PacketRecord> rs;
  std::set<std::uint32_t> sources;
  std::uint64_t packets = 0;
  for (int h = 0; h < 6; ++h) {
    for (int i = 0; i < 40; ++i) {
      const std::uint32_t src = static_cast<std::uint32_t>((h * 17 + i * 7) % 90);
      rs.push_back(probe((kDay0 + h * 3600 + i * 60) * kS, src, 23));
      sources.insert(src);
      ++packets;
    }
  }
  ingest(rs, "aa", false, "default", policy);
  {
    Database db(db_, Database::Mode::kReadOnly);
    EXPECT_GT(db.query_int("SELECT count(*) FROM source_chunks WHERE segment > 0 AND segment < 240"), 0);
  }
  const auto day = top(kDay0, kDay0 + kBin1d, "port");
  EXPECT_EQ(day[0].packets, packets);
  EXPECT_EQ(day[0].sources, sources.size());
  // Hours are never split by the bound, so their sources stay exact.
  auto store = open_sqlite_store(db_, false);
  const auto hours = store->series({kDay0, kDay0 + 6 * 3600, kBin1h, BinDimension::kTotal, "", std::nullopt});
  for (int h = 0; h < 6; ++h) {
    std::set<std::uint32_t> in_hour;
    for (int i = 0; i < 40; ++i) in_hour.insert(static_cast<std::uint32_t>((h * 17 + i * 7) % 90));
    EXPECT_EQ(hours[static_cast<std::size_t>(h)].sources, in_hour.size()) << h;
  }
  EventsStore events(db_, false);
  const auto p = events.profile(IpAddress::v4(7), std::nullopt);
  ASSERT_TRUE(p.has_value());
  std::uint64_t from7 = 0;
  for (const auto& r : rs) from7 += r.src == IpAddress::v4(7) ? 1 : 0;
  EXPECT_EQ(p->packets, from7);
  EXPECT_EQ(p->days, 1u);
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
  writer.exec("DELETE FROM bins");
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

// Live ingest writes a 5-minute bin once the wall clock is a second past its end,
// with or without a packet of a later bin.
TEST(CheckpointPolicy, ALiveBinIsOverOneSecondAfterItsEnd) {
  CheckpointPolicy live;
  live.boundary_s = kBin5m;
  const std::int64_t bin = live.boundary_of((kDay0 + 7 * 60 + 30) * kS);  // 00:07:30
  EXPECT_EQ(bin, (kDay0 + 5 * 60) * kS);
  EXPECT_FALSE(live.over_at(bin, (kDay0 + 9 * 60 + 59) * kS));
  EXPECT_FALSE(live.over_at(bin, (kDay0 + 10 * 60) * kS))
      << "the bin's end: packets may be on their way";
  EXPECT_FALSE(live.over_at(bin, (kDay0 + 10 * 60 + 1) * kS - 1));
  EXPECT_TRUE(live.over_at(bin, (kDay0 + 10 * 60 + 1) * kS));
  EXPECT_TRUE(live.over_at(bin, (kDay0 + 3600) * kS));
  CheckpointPolicy files;  // daily
  EXPECT_FALSE(files.over_at(files.boundary_of(kDay0 * kS), (kDay0 + 86400) * kS));
  EXPECT_TRUE(files.over_at(files.boundary_of(kDay0 * kS), (kDay0 + 86401) * kS));
}

TEST(ContentDigest, KnownDigestsAndChunkedFilesMatchOneShot) {
  const auto dir = std::filesystem::temp_directory_path() / ("darkscope-digest-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "abc") << "abc"; }
  { std::ofstream(dir / "empty"); }
  // The reference implementation's values (xxh128sum).
  EXPECT_EQ(content_digest_file((dir / "abc").string()), "xxh3-128:06b05ab6733a618578af5f94892f3950");
  EXPECT_EQ(content_digest_file((dir / "empty").string()), "xxh3-128:99aa06d3014798d86001c324468d497f");
  // Larger than the 8 MiB pieces the mapping is hashed in, and not a multiple of them.
  std::string big(std::size_t{20} << 20, '\0');
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (char& c : big) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  big.resize(big.size() - 12345);
  { std::ofstream(dir / "big", std::ios::binary) << big; }
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(big.data(), big.size()));
  std::string hex;
  for (unsigned char b : canonical.digest) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  EXPECT_EQ(content_digest_file((dir / "big").string()), "xxh3-128:" + hex);
  std::filesystem::remove_all(dir);
  EXPECT_THROW((void)content_digest_file("/nonexistent/file"), std::runtime_error);
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
