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
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

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

TEST(IngestLive, LoopbackUntilSigtermThenTopReadsTheBins) {
  if (!std::filesystem::exists(darkscope_binary())) GTEST_SKIP() << "darkscope binary not built";
  const auto dir = temp_dir("ingest-live");
  const std::string db = (dir / "live.db").string();
  const std::string err = (dir / "err.txt").string();
  const std::time_t started = std::time(nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::freopen((dir / "out.txt").c_str(), "w", stdout);
    std::freopen(err.c_str(), "w", stderr);
    const std::string bin = darkscope_binary();
    ::execl(bin.c_str(), bin.c_str(), "ingest", "--no-enrich", "--db", db.c_str(), "--interface",
            "lo", "--darknet", "127.78.0.0/16", "--sensor", "lo-test",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // The capture is running once the database exists and the process still lives.
  bool running = false;
  for (int i = 0; i < 100 && !running; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (::waitpid(child, nullptr, WNOHANG) == child) break;
    running = std::filesystem::exists(db) && read_text(err).find("lo") != std::string::npos;
  }
  if (!running) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    GTEST_SKIP() << "live ingest on lo not possible here: " << read_text(err);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  constexpr int kInside = 30;
  ASSERT_TRUE(send_udp(kInside + 10, "dsk", [](int i) {
    // Ten go to 127.0.0.1: outside the darknet, filtered out by BPF.
    return std::pair{i < kInside ? 0x7F4E0000u + 1 + static_cast<unsigned>(i % 5) : 0x7F000001u,
                     i % 2 == 0 ? 5060 : 1900};
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int status = terminate_and_wait(child);
  ASSERT_NE(status, -1);
  ASSERT_TRUE(WIFEXITED(status)) << read_text(err);
  EXPECT_EQ(WEXITSTATUS(status), 0) << read_text(err);

  // SIGTERM flushed the open bins: the packets are in the database.
  const std::string from = utc_date(started - 86400);
  const std::string to = utc_date(std::time(nullptr) + 2 * 86400);
  const auto top = run_command(darkscope_binary() + " top --db " + db + " --from " + from +
                               " --to " + to + " --by port --json");
  ASSERT_EQ(top.status, 0) << top.err;
  const json rows = json::parse(top.out);
  ASSERT_EQ(rows.size(), 2u) << top.out;
  EXPECT_EQ(rows[0]["key"], "udp/1900");  // 15 each: equal counts rank by port number
  EXPECT_EQ(rows[0]["packets"], 15);
  EXPECT_EQ(rows[1]["key"], "udp/5060");
  EXPECT_EQ(rows[1]["packets"], 15);
  EXPECT_EQ(rows[0]["sources"], 1);
  const auto total = run_command(darkscope_binary() + " top --db " + db + " --from " + from +
                                 " --to " + to + " --by class --json");
  ASSERT_EQ(total.status, 0) << total.err;
  const json classes = json::parse(total.out);
  ASSERT_EQ(classes.size(), 1u) << total.out;
  EXPECT_EQ(classes[0]["key"], "udp");
  EXPECT_EQ(classes[0]["packets"], kInside);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace darkscope
