// The ingest, top and series commands on a capture written here, compared with
// counts computed independently from the generator's own list of packets; and a
// real kill -9 of `darkscope ingest` at random moments, then the same command
// again, giving exactly the database of an uninterrupted run.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "core/time.hpp"
#include "store/sqlite_db.hpp"
#include "support/live_loss.hpp"
#include "support/packet_builder.hpp"
#include "support/run_command.hpp"

extern char** environ;

namespace darkscope {
namespace {

using namespace darkscope::testing;

constexpr std::uint32_t kStart = 1704146400;  // 2024-01-01T22:00:00Z
constexpr std::uint32_t kDarknet = 0x0A010000;  // 10.1.0.0/16

struct Expected {
  std::map<std::string, std::uint64_t> packets;                // port key -> packets
  std::map<std::string, std::set<std::uint32_t>> sources;      // port key -> sources
  std::map<std::uint32_t, std::uint64_t> hourly_total;         // hour start -> observed packets
  std::uint64_t observed = 0;
};

/// Writes `n` packets over `hours` hours (hour 5 left empty) and returns what a correct
/// ingest must count: SYN probes by tcp/PORT, UDP by udp/PORT, SYN-ACK backscatter
/// by no port; packets to addresses outside 10.1.0.0/16 not at all.
Expected write_capture(const std::string& path, int n, std::uint32_t seed, std::uint32_t hours = 30) {
  std::mt19937 rng(seed);
  const std::uint16_t ports[] = {23, 2323, 22, 80, 443, 445, 3389, 8080, 53, 123};
  std::vector<PcapRecord> records;
  Expected e;
  for (int i = 0; i < n; ++i) {
    std::uint32_t offset = static_cast<std::uint32_t>(std::uint64_t(i) * hours * 3600 / n);
    if (offset / 3600 == 5) offset += 3600;  // an empty hour: series must show a zero bin
    Ipv4Spec ip;
    ip.src = 0xCB000000u + rng() % 400;  // 203.0.x.y
    const bool outside = rng() % 20 == 0;
    ip.dst = (outside ? 0x0A020000u : kDarknet) + rng() % 65536;
    const std::uint16_t port = ports[rng() % 10];
    const int kind = static_cast<int>(rng() % 10);
    PcapRecord r;
    r.ts_sec = kStart + offset;
    r.ts_usec = static_cast<std::uint32_t>(rng() % 1000000);
    std::string key;
    if (kind < 7) {
      ip.protocol = 6;
      r.frame = ethernet(ipv4(ip, tcp(ip, 40000, port, rng(), 0x02)));
      key = "tcp/" + std::to_string(port);
    } else if (kind < 9) {
      ip.protocol = 17;
      r.frame = ethernet(ipv4(ip, udp(ip, 40000, port, {1, 2, 3, 4})));
      key = "udp/" + std::to_string(port);
    } else {
      ip.protocol = 6;
      r.frame = ethernet(ipv4(ip, tcp(ip, port, 40000, rng(), 0x12)));  // SYN-ACK: backscatter
    }
    records.push_back(std::move(r));
    if (outside) continue;
    ++e.observed;
    ++e.hourly_total[(kStart + offset) / 3600 * 3600];
    if (key.empty()) continue;
    ++e.packets[key];
    e.sources[key].insert(ip.src);
  }
  write_file(path, pcap_file(records));
  return e;
}

std::string ingest_command(const std::string& db, const std::string& pcap) {
  return darkscope_binary() + " ingest -q --no-enrich --db " + db + " --darknet 10.1.0.0/16 " + pcap;
}

/// Every counted row, for comparing two databases.
std::multiset<std::string> dump(const std::string& path) {
  Database db(path, Database::Mode::kReadOnly);
  std::multiset<std::string> rows;
  for (const char* sql :
       {"SELECT 'b', span, dim, start, capture_id, hex(cells) FROM bins",
        "SELECT 's', span, dim, start, capture_id, first_key, last_key, hex(sets) FROM bin_sets",
        "SELECT 'd', day, bucket, capture_id, segment, hex(records) FROM source_chunks",
        "SELECT 'r', span, start, built FROM rollups",
        "SELECT 'n', id, name FROM scanner_names",
        "SELECT 'c', packets_done, complete, digest FROM captures"}) {
    auto s = db.prepare(sql);
    while (s.step()) {
      std::string row;
      for (int i = 0; i < 8; ++i) row += s.column_text(i) + "|";
      rows.insert(row);
    }
  }
  return rows;
}

class IngestCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(darkscope_binary())) GTEST_SKIP() << "darkscope binary not built";
    dir_ = temp_dir(std::string("ingest-") +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(IngestCli, TopAndSeriesMatchIndependentCounts) {
  const std::string pcap = (dir_ / "a.pcap").string();
  const std::string db = (dir_ / "obs.db").string();
  const Expected e = write_capture(pcap, 20000, 7);
  const auto first = run_command(ingest_command(db, pcap));
  ASSERT_EQ(first.status, 0) << first.err;

  const auto top = run_command(darkscope_binary() + " top --db " + db +
                               " --from 2024-01-01 --to 2024-01-04 --by port --limit 0 --json");
  ASSERT_EQ(top.status, 0) << top.err;
  const auto rows = nlohmann::json::parse(top.out);
  ASSERT_EQ(rows.size(), e.packets.size());
  std::uint64_t previous = UINT64_MAX;
  for (const auto& row : rows) {
    const std::string key = row["key"];
    ASSERT_TRUE(e.packets.count(key)) << key;
    EXPECT_EQ(row["packets"].get<std::uint64_t>(), e.packets.at(key)) << key;
    EXPECT_EQ(row["sources"].get<std::uint64_t>(), e.sources.at(key).size()) << key;
    EXPECT_LE(row["packets"].get<std::uint64_t>(), previous);  // largest first
    previous = row["packets"];
  }

  // Hourly series of all observed packets: every hour present, hour 5 (03:00 on Jan 2) zero.
  const auto series = run_command(darkscope_binary() + " series --db " + db +
                                  " --from 2024-01-01T22:00 --to 2024-01-03T05:00 --bin 1h --json");
  ASSERT_EQ(series.status, 0) << series.err;
  const auto points = nlohmann::json::parse(series.out);
  ASSERT_EQ(points.size(), 31u);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::uint32_t hour = kStart + static_cast<std::uint32_t>(i) * 3600;
    const auto it = e.hourly_total.find(hour);
    EXPECT_EQ(points[i]["packets"].get<std::uint64_t>(), it == e.hourly_total.end() ? 0 : it->second)
        << points[i]["start"];
    sum += points[i]["packets"].get<std::uint64_t>();
  }
  EXPECT_EQ(points[5]["start"], "2024-01-02T03:00:00Z");
  EXPECT_EQ(points[5]["packets"], 0);
  EXPECT_EQ(sum, e.observed);

  const auto again = run_command(ingest_command(db, pcap));
  EXPECT_EQ(again.status, 0);
  EXPECT_NE(again.out.find("skipped: already ingested"), std::string::npos) << again.out;
  const auto top2 = run_command(darkscope_binary() + " top --db " + db +
                                " --from 2024-01-01 --to 2024-01-04 --by port --limit 0 --json");
  EXPECT_EQ(top2.out, top.out);  // nothing counted twice

  const auto forced = run_command(ingest_command(db, pcap) + " --force");
  EXPECT_EQ(forced.status, 0) << forced.err;
  const auto top3 = run_command(darkscope_binary() + " top --db " + db +
                                " --from 2024-01-01 --to 2024-01-04 --by port --limit 0 --json");
  EXPECT_EQ(top3.out, top.out);
}

// A database of schema version 3 knew captures by their bare SHA-256. After the
// upgrade the same file is still recognised (and its row takes the new digest).
TEST_F(IngestCli, CaptureStoredUnderItsSha256BeforeVersion4IsNotCountedTwice) {
  const std::string pcap = (dir_ / "a.pcap").string();
  const std::string db = (dir_ / "obs.db").string();
  (void)write_capture(pcap, 3000, 11);
  ASSERT_EQ(run_command(ingest_command(db, pcap)).status, 0);
  const std::string top_cmd =
      darkscope_binary() + " top --db " + db + " --from 2024-01-01 --to 2024-01-04 --by port --limit 0 --json";
  const auto top = run_command(top_cmd);
  ASSERT_EQ(top.status, 0) << top.err;
  const auto sum = run_command("sha256sum " + pcap);
  ASSERT_EQ(sum.status, 0);
  const std::string sha = sum.out.substr(0, 64);
  {
    // What schema version 3 wrote: the column was sha256 and held the bare SHA-256.
    Database d(db, Database::Mode::kReadWrite);
    EXPECT_EQ(d.query_int("PRAGMA user_version"), 5);
    d.exec("DROP TABLE capture_loss");  // version 5
    d.exec("ALTER TABLE captures RENAME COLUMN digest TO sha256");
    d.exec("UPDATE captures SET sha256 = '" + sha + "'");
    d.exec("PRAGMA user_version = 3");
  }
  const auto again = run_command(ingest_command(db, pcap));
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("skipped: already ingested"), std::string::npos) << again.out;
  EXPECT_EQ(run_command(top_cmd).out, top.out);  // nothing counted twice
  Database d(db, Database::Mode::kReadOnly);
  EXPECT_EQ(d.query_int("PRAGMA user_version"), 5);
  EXPECT_EQ(d.query_int("SELECT count(*) FROM capture_loss"), 0);  // migrated: the table is there
  auto q = d.prepare("SELECT digest FROM captures");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_text(0).rfind("xxh3-128:", 0), 0u) << q.column_text(0);
  EXPECT_EQ(q.column_text(0).size(), 9u + 32u);
}

TEST_F(IngestCli, TopAndSeriesSayWhenLiveCaptureDroppedPackets) {
  const std::string pcap = (dir_ / "a.pcap").string();
  const std::string db = (dir_ / "obs.db").string();
  (void)write_capture(pcap, 2000, 3);
  ASSERT_EQ(run_command(ingest_command(db, pcap)).status, 0);
  const std::string top = darkscope_binary() + " top --db " + db +
                          " --by port --json --from 2024-01-02 --to 2024-01-03";
  const std::string series =
      darkscope_binary() + " series --db " + db +
      " --bin 1h --by port --key tcp/23 --json --from 2024-01-02 --to 2024-01-03";
  const auto clean = run_command(top);
  ASSERT_EQ(clean.status, 0) << clean.err;
  EXPECT_EQ(clean.err, "");
  // A live capture of the same sensor dropped 7 of 1,500 packets at 2024-01-02T10:00Z.
  store_live_loss(db, {"default", "10.1.0.0/16", 65536}, "live:eth0:1",
                  {{1704189600LL * kNsPerSecond, 1500, 7}});
  for (const std::string& cmd : {top, series}) {
    const auto r = run_command(cmd);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err,
              "darkscope: note: live capture dropped 7 of 1500 packets (0.47%) in this period "
              "(2024-01-02); "
              "the counts are lower bounds\n")
        << cmd;
    EXPECT_TRUE(nlohmann::json::parse(r.out).is_array()) << r.out;  // stdout as before
  }
  EXPECT_EQ(run_command(top).out, clean.out);
  // A period without the drops says nothing.
  const auto other_day = run_command(darkscope_binary() + " top --db " + db +
                                     " --by port --json --from 2024-01-01 --to 2024-01-02");
  EXPECT_EQ(other_day.err, "");
}

TEST_F(IngestCli, ForeignDatabaseIsRefused) {
  const std::string pcap = (dir_ / "a.pcap").string();
  write_capture(pcap, 10, 1);
  const std::string db = (dir_ / "foreign.db").string();
  { Database d(db, Database::Mode::kReadWrite); d.exec("CREATE TABLE mine(x); INSERT INTO mine VALUES (1)"); }
  const auto r = run_command(ingest_command(db, pcap));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("not a darkscope database"), std::string::npos) << r.err;
}

pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

TEST_F(IngestCli, KillNineAtRandomMomentsThenRerunGivesExactTotals) {
  const std::string pcap = (dir_ / "big.pcap").string();
  // Twelve days: a commit per UTC day, so that kills land between commits.
  write_capture(pcap, 240000, 11, 12 * 24);
  const std::string reference_db = (dir_ / "reference.db").string();
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(run_command(ingest_command(reference_db, pcap)).status, 0);
  const auto full_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - t0).count();
  const auto reference = dump(reference_db);

  const std::string db = (dir_ / "killed.db").string();
  const std::vector<std::string> args = {darkscope_binary(), "ingest", "-q", "--no-enrich", "--db", db,
                                         "--darknet", "10.1.0.0/16", pcap};
  std::mt19937 rng(20240101);
  int killed_midway = 0;
  constexpr int kRounds = 12;
  for (int round = 0; round < kRounds; ++round) {
    const pid_t pid = spawn(args);
    ASSERT_GT(pid, 0);
    // Each round resumes the last one, so most of a run is left to kill early on.
    const auto wait_ms = std::uniform_int_distribution<long>(0, std::max<long>(full_ms * 3 / 4, 50))(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status) && std::filesystem::exists(db)) {
      try {
        Database d(db, Database::Mode::kReadOnly);
        if (d.query_int("SELECT count(*) FROM captures WHERE complete = 0 AND packets_done > 0") > 0) {
          ++killed_midway;
        }
      } catch (const StoreError&) {
        // Killed before the schema existed: the rerun creates it.
      }
    }
  }
  const auto final_run = run_command(ingest_command(db, pcap));
  ASSERT_EQ(final_run.status, 0) << final_run.err;
  EXPECT_EQ(dump(db), reference);
  // The test means something only if some kill landed between two checkpoints.
  EXPECT_GT(killed_midway, 0) << "no kill landed mid-ingest (full run took " << full_ms << " ms)";
  std::printf("[ kill ] %d of %d kills landed between commits (a full run takes %lld ms)\n", killed_midway, kRounds,
              static_cast<long long>(full_ms));
  const auto again = run_command(ingest_command(db, pcap));
  EXPECT_NE(again.out.find("skipped"), std::string::npos);
  EXPECT_EQ(dump(db), reference);
}

}  // namespace
}  // namespace darkscope
