// The report read from a real SQLite store gives the same tables as the in-memory tally
// of the same packets (and the hand-counted answers of report_scenario.hpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "analyze/bins.hpp"
#include "report/record_source.hpp"
#include "report/render.hpp"
#include "report/store_source.hpp"
#include "report_scenario.hpp"
#include "store/capture_ingest.hpp"
#include "store/events_store.hpp"
#include "store/observation_store.hpp"
#include "store/sqlite_db.hpp"
#include "support/live_loss.hpp"

namespace darkscope {
namespace {

using namespace report_test;

class StoreReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("darkscope-report-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "obs.db").string();
    generate([&](const PacketRecord& r) { records_.push_back(r); });
    std::stable_sort(records_.begin(), records_.end(),
                     [](const PacketRecord& a, const PacketRecord& b) { return a.ts_ns < b.ts_ns; });
    auto store = open_sqlite_store(db_, true);
    const int sid = store->sensor_id({"tokyo", "192.0.2.0/24", 256});
    const CaptureState st = store->begin_capture(sid, {"aa", "scenario.pcap", 1}, false);
    BinAggregator agg;
    CommitQueue queue(*store, false);
    auto handle = std::make_shared<CaptureHandle>();
    handle->id = st.id;
    EventRecorder recorder(256);
    CaptureIngest in(queue, agg, sid, handle, st.packets_done, {}, &recorder);
    for (const auto& r : records_) in.on_packet(r);
    recorder.finish();
    in.finish(true);
    store->refresh_rollups();
    (void)store->detect_pending_surges(SurgeOptions{});
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string db_;
  std::vector<PacketRecord> records_;
};

nlohmann::json without_events(nlohmann::json j) {
  for (const char* k : {"surges", "dos_attacks", "scans", "sensor"}) j.erase(k);
  return j;
}

TEST_F(StoreReportTest, SameTablesAsTheRecordTally) {
  ReportRequest req;
  req.period = report_period();
  const ReportModel from_store = build_report(db_, req);
  EXPECT_EQ(from_store.totals.packets, 1764u);
  EXPECT_EQ(from_store.totals.sources, 10u);
  EXPECT_EQ(from_store.totals.darknet_addresses, 256u);
  EXPECT_EQ(from_store.totals.research_packets, 266u);
  ASSERT_EQ(from_store.top_ports.size(), 6u);
  EXPECT_EQ(from_store.top_ports[3].key, "tcp/9530");
  EXPECT_EQ(from_store.top_ports[3].previous_rank, std::nullopt);
  EXPECT_EQ(from_store.top_countries[0].key, "DE");
  EXPECT_EQ(from_store.mirai.packets, 560u);
  EXPECT_EQ(from_store.mirai.focus_country.packets, 140u);
  ASSERT_EQ(from_store.port_distribution_excluding_research.size(), 4u);
  EXPECT_EQ(from_store.port_distribution_excluding_research[0].packets, 448u);

  RecordReportSource tally(kDarknetAddresses);
  for (const auto& r : records_) tally.add(r);
  const ReportModel from_records = build_report(tally, req);
  EXPECT_EQ(without_events(report_json(from_store)).dump(2),
            without_events(report_json(from_records)).dump(2));
}

TEST_F(StoreReportTest, CommandWritesTheSameReport) {
  const std::string bin = DARKSCOPE_BINARY_DIR "/darkscope";
  if (!std::filesystem::exists(bin)) GTEST_SKIP() << "the darkscope binary is not built";
  const auto json_path = dir_ / "r.json";
  const std::string cmd = bin + " report --db " + db_ +
                          " --from 2026-03-02 --to 2026-03-15 --format json -o " +
                          json_path.string() + " > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(json_path);
  const auto from_command = nlohmann::json::parse(in);
  ReportRequest req;
  req.period = report_period();
  EXPECT_EQ(from_command.dump(2), report_json(build_report(db_, req)).dump(2));
  EXPECT_EQ(from_command["top_ports"][0]["key"], "tcp/23");
  EXPECT_EQ(from_command["previous"]["from"], "2026-02-16");

  const auto csv_dir = dir_ / "csv";
  const std::string csv = bin + " report --db " + db_ +
                          " --from 2026-03-02 --to 2026-03-15 --lang ja --format csv -o " +
                          csv_dir.string() + " > /dev/null";
  ASSERT_EQ(std::system(csv.c_str()), 0);
  EXPECT_TRUE(std::filesystem::exists(csv_dir / "top_countries.csv"));
  // A period that ends before it starts is refused.
  const std::string bad = bin + " report --db " + db_ +
                          " --from 2026-03-15 --to 2026-03-02 --format json > /dev/null 2>&1";
  EXPECT_NE(std::system(bad.c_str()), 0);
}

TEST_F(StoreReportTest, LiveCaptureLossIsNamedInEveryFormat) {
  ReportRequest req;
  req.period = report_period();
  EXPECT_EQ(build_report(db_, req).capture_loss.dropped, 0u);  // a file loses nothing
  EXPECT_EQ(render_markdown(build_report(db_, req), ReportLanguage::kEnglish).find("dropped"),
            std::string::npos);
  // A live sensor whose kernel dropped packets on two days of the period and on one
  // day after it.
  const std::int64_t d0 = req.period.first_day * kBin1d * kNsPerSecond;
  testing::store_live_loss(
      db_, {"osaka", "198.51.100.0/24", 256}, "live:eth0:1",
      {{d0 + 100 * kNsPerSecond, 4000, 0},
       {d0 + (kBin1d + 100) * kNsPerSecond, 6000, 25},
       {d0 + (13 * kBin1d + 86399) * kNsPerSecond, 10000, 5},  // 03-15 23:59:59
       {d0 + 14 * kBin1d * kNsPerSecond, 1000, 1000}});        // 03-16: after it
  const ReportModel m = build_report(db_, req);
  EXPECT_EQ(m.capture_loss.received, 20000u);
  EXPECT_EQ(m.capture_loss.dropped, 30u);
  EXPECT_EQ(m.capture_loss.days,
            (std::vector<std::int64_t>{req.period.first_day + 1, req.period.last_day}));
  const nlohmann::json j = report_json(m);
  EXPECT_EQ(j["capture_loss"]["dropped"], 30);
  EXPECT_EQ(j["capture_loss"]["received"], 20000);
  EXPECT_DOUBLE_EQ(j["capture_loss"]["share"].get<double>(), 0.0015);
  EXPECT_EQ(j["capture_loss"]["days"], nlohmann::json::parse(R"(["2026-03-03", "2026-03-15"])"));
  const std::string en = render_markdown(m, ReportLanguage::kEnglish);
  EXPECT_NE(
      en.find("The live capture dropped 30 packets on 2026-03-03, 2026-03-15 (0.15% of the 20,000 "
              "its kernel received): the counts of those days are lower bounds."),
      std::string::npos)
      << en;
  const std::string ja = render_html(m, ReportLanguage::kJapanese);
  EXPECT_NE(ja.find("30パケット(カーネルが受信した20,000パケットの0.15%)"), std::string::npos)
      << ja;
  const auto tables = report_csv_tables(m, ReportLanguage::kEnglish);
  const auto totals = std::find_if(tables.begin(), tables.end(),
                                   [](const CsvTable& t) { return t.name == "totals"; });
  ASSERT_NE(totals, tables.end());
  const std::string& csv = totals->text;
  const std::string header = csv.substr(0, csv.find_first_of("\r\n"));
  EXPECT_TRUE(header.ends_with(",capture_received,capture_dropped")) << header;
  EXPECT_TRUE(csv.ends_with(",20000,30\n") || csv.ends_with(",20000,30\r\n")) << csv;
  // The tokyo sensor alone lost nothing.
  req.sensor = "tokyo";
  EXPECT_EQ(build_report(db_, req).capture_loss.received, 0u);
  req.sensor = "osaka";
  EXPECT_EQ(build_report(db_, req).capture_loss.dropped, 30u);
}

TEST_F(StoreReportTest, ASchema4FileReportsWithoutCaptureLoss) {
  ReportRequest req;
  req.period = report_period();
  const std::string before = report_json(build_report(db_, req)).dump();
  {
    Database db(db_, Database::Mode::kReadWrite);
    db.exec("DROP TABLE capture_loss");
    db.exec("PRAGMA user_version = 4");
  }
  EXPECT_EQ(report_json(build_report(db_, req)).dump(), before);
}

TEST_F(StoreReportTest, SensorFilter) {
  ReportRequest req;
  req.period = report_period();
  req.sensor = "tokyo";
  EXPECT_EQ(build_report(db_, req).totals.packets, 1764u);
  req.sensor = "osaka";
  EXPECT_THROW((void)build_report(db_, req), std::runtime_error);
}

TEST_F(StoreReportTest, NotAStore) {
  const auto path = (dir_ / "missing.db").string();
  ReportRequest req;
  req.period = report_period();
  EXPECT_THROW((void)build_report(path, req), std::runtime_error);
}

}  // namespace
}  // namespace darkscope
