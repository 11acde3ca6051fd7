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
