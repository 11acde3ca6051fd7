// darkscope ingest --interface, as an operator runs it: packets on loopback until
// SIGTERM, then what `top` reads back from the database.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../support/live_traffic.hpp"
#include "../support/run_command.hpp"

namespace darkscope {
namespace {

using namespace darkscope::testing;
using nlohmann::json;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string utc_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

/// `darkscope ingest --interface lo --darknet DARKNET` and `extra`, with its stdout
/// and stderr in dir; its pid once it captures, or -1 (and why: a skip). Each test
/// has a darknet of its own, so that tests running at once see none of each
/// other's packets on lo.
pid_t start_live_ingest(const std::filesystem::path& dir, const std::string& db,
                        const std::string& darknet, std::vector<std::string> extra,
                        std::string& why) {
  const std::string err = (dir / "err.txt").string();
  std::vector<std::string> args = {darkscope_binary(), "ingest", "--no-enrich", "--db",  db,
                                   "--interface",      "lo",     "--darknet",   darknet, "--sensor",
                                   "lo-test"};
  args.insert(args.end(), extra.begin(), extra.end());
  const pid_t child = ::fork();
  if (child < 0) {
    why = "fork failed";
    return -1;
  }
  if (child == 0) {
    std::freopen((dir / "out.txt").c_str(), "w", stdout);
    std::freopen(err.c_str(), "w", stderr);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  // The capture is running once the database exists and the process still lives.
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (::waitpid(child, nullptr, WNOHANG) == child) break;
    if (std::filesystem::exists(db) && read_text(err).find("lo") != std::string::npos) return child;
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  why = "live ingest on lo not possible here: " + read_text(err);
  return -1;
}

/// `darkscope ARGS --db db` over the whole of the test's days, as JSON.
json query(const std::string& args, const std::string& db, std::time_t started) {
  const std::string from = utc_date(started - 86400);
  const std::string to = utc_date(std::time(nullptr) + 2 * 86400);
  const auto r = run_command(darkscope_binary() + " " + args + " --db " + db + " --from " + from +
                             " --to " + to + " --json");
  EXPECT_EQ(r.status, 0) << args << ": " << r.err;
  return r.status == 0 ? json::parse(r.out) : json();
}

/// A live ingest on lo in a fresh directory; a child left running by a failed
/// assertion is killed and reaped.
class IngestLive : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(darkscope_binary())) GTEST_SKIP() << "darkscope binary not built";
    dir_ = temp_dir(std::string("ingest-live-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    db_ = (dir_ / "live.db").string();
    err_ = (dir_ / "err.txt").string();
    started_ = std::time(nullptr);
  }
  void TearDown() override {
    if (child_ > 0 && ::waitpid(child_, nullptr, WNOHANG) == 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  /// Starts the ingest with `extra` arguments; false (and why_) when lo cannot be used.
  bool start(const std::string& darknet, std::vector<std::string> extra) {
    child_ = start_live_ingest(dir_, db_, darknet, std::move(extra), why_);
    return child_ > 0;
  }
  json query(const std::string& args) const { return darkscope::query(args, db_, started_); }

  std::filesystem::path dir_;
  std::string db_, err_, why_;
  std::time_t started_ = 0;
  pid_t child_ = -1;
};

TEST_F(IngestLive, LoopbackUntilSigtermThenTopReadsTheBins) {
  if (!start("127.78.1.0/24", {})) GTEST_SKIP() << why_;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  constexpr int kInside = 30;
  ASSERT_TRUE(send_udp(kInside + 10, "dsk", [](int i) {
    // Ten go to 127.0.0.1: outside the darknet, filtered out by BPF.
    return std::pair{i < kInside ? 0x7F4E0100u + 1 + static_cast<unsigned>(i % 5) : 0x7F000001u,
                     i % 2 == 0 ? 5060 : 1900};
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int status = terminate_and_wait(child_);
  ASSERT_NE(status, -1);
  ASSERT_TRUE(WIFEXITED(status)) << read_text(err_);
  EXPECT_EQ(WEXITSTATUS(status), 0) << read_text(err_);

  // The kernel's counters: what the filter passed (the darknet's 30, each seen
  // twice on lo: sent and received), none dropped.
  const std::string out = read_text((dir_ / "out.txt").string());
  const auto at = out.find("  kernel: ");
  ASSERT_NE(at, std::string::npos) << out;
  EXPECT_GE(std::stoull(out.substr(at + 10)), static_cast<unsigned long long>(kInside)) << out;
  EXPECT_NE(out.find(" received, 0 dropped, 0 dropped by the interface\n", at), std::string::npos)
      << out;
  // ... and they are stored: the report's capture loss sums what the kernel
  // received, and finds nothing dropped.
  {
    const std::string day_before = utc_date(started_ - 86400);
    const std::string day_after = utc_date(std::time(nullptr) + 86400);
    const auto r = run_command(darkscope_binary() + " report --format json --db " + db_ +
                               " --from " + day_before + " --to " + day_after);
    ASSERT_EQ(r.status, 0) << r.err;
    const json loss = json::parse(r.out)["capture_loss"];
    EXPECT_EQ(loss["received"].get<unsigned long long>(), std::stoull(out.substr(at + 10))) << loss;
    EXPECT_EQ(loss["dropped"], 0) << loss;
    EXPECT_TRUE(loss["days"].empty()) << loss;
  }

  // SIGTERM flushed the open bins: the packets are in the database.
  const json rows = query("top --by port");
  ASSERT_EQ(rows.size(), 2u) << rows;
  EXPECT_EQ(rows[0]["key"], "udp/1900");  // 15 each: equal counts rank by port number
  EXPECT_EQ(rows[0]["packets"], 15);
  EXPECT_EQ(rows[1]["key"], "udp/5060");
  EXPECT_EQ(rows[1]["packets"], 15);
  EXPECT_EQ(rows[0]["sources"], 1);
  const json classes = query("top --by class");
  ASSERT_EQ(classes.size(), 1u) << classes;
  EXPECT_EQ(classes[0]["key"], "udp");
  EXPECT_EQ(classes[0]["packets"], kInside);
}

// A quiet interface does not hold back what is over: a scan idle past its timeout
// (1 s here) ends by the wall clock and is written, with the counts so far, while
// the ingest still runs; the stop then counts nothing twice.
TEST_F(IngestLive, QuietInterfaceWritesAnEndedScanWhileRunning) {
  if (!start("127.78.2.0/24", {"--scan-timeout", "1"})) GTEST_SKIP() << why_;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  constexpr int kProbes = 4;  // one source, four darknet addresses, one port
  ASSERT_TRUE(send_udp(kProbes, "dsk", [](int i) {
    return std::pair{0x7F4E0210u + static_cast<unsigned>(i), 2323};
  }));
  json scans;
  for (int i = 0; i < 100 && scans.empty(); ++i) {  // about 1 s of silence, then a tick
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    scans = query("events --type scan");
  }
  ASSERT_EQ(::waitpid(child_, nullptr, WNOHANG), 0) << "still running: " << read_text(err_);
  ASSERT_EQ(scans.size(), 1u) << scans << read_text(err_);
  EXPECT_EQ(scans[0]["source"], "127.0.0.1");
  EXPECT_EQ(scans[0]["proto"], "udp");
  EXPECT_EQ(scans[0]["port"], 2323);
  EXPECT_EQ(scans[0]["packets"], kProbes);
  EXPECT_EQ(scans[0]["destinations"], kProbes);
  const json running = query("top --by port");
  ASSERT_EQ(running.size(), 1u) << running;
  EXPECT_EQ(running[0]["key"], "udp/2323");
  EXPECT_EQ(running[0]["packets"], kProbes);

  const int status = terminate_and_wait(child_);
  ASSERT_NE(status, -1);
  ASSERT_TRUE(WIFEXITED(status)) << read_text(err_);
  EXPECT_EQ(WEXITSTATUS(status), 0) << read_text(err_);
  EXPECT_EQ(query("events --type scan").size(), 1u);
  const json stopped = query("top --by port");
  ASSERT_EQ(stopped.size(), 1u) << stopped;
  EXPECT_EQ(stopped[0]["packets"], kProbes);
  EXPECT_EQ(stopped[0]["sources"], 1);
}

// On a terminal a live ingest keeps one status line: the interface, its packets,
// the rate of the last second and the kernel's drops; the line is cleared at the end.
TEST_F(IngestLive, OnATerminalAStatusLineShowsPacketsAndDrops) {
  if (std::system("command -v script >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "script(1) not installed";
  std::thread traffic([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));  // the capture is open by then
    (void)send_udp(5, "dsk", [](int i) {
      return std::pair{0x7F4E0320u + static_cast<unsigned>(i), 23};
    });
  });
  // script(1) gives the ingest a terminal; timeout(1) ends it with SIGTERM.
  const auto r = run_command("script -qfec \"timeout -s TERM 5 " + darkscope_binary() +
                             " ingest --no-enrich --db " + db_ +
                             " --interface lo --darknet 127.78.3.0/24\" /dev/null");
  traffic.join();
  if (r.out.find("ingesting from lo") == std::string::npos)
    GTEST_SKIP() << "no live ingest on lo here: " << r.out;
  const auto line = r.out.find("\r  live on lo: ");
  ASSERT_NE(line, std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" packets/s  kernel: 0 dropped", line), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\r\033[K", line), std::string::npos) << "cleared at the end: " << r.out;
  EXPECT_NE(r.out.find("lo: 5 packets, 5 observed counted"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace darkscope
