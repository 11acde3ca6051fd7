// Load and abuse: thousands of concurrent sessions with bounded memory, and floods
// of random bytes, endless lines and option negotiations leave the server answering.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>
#include <random>

#include "test_support.hpp"

namespace darkscope {
namespace {

using test::Client;
using test::RunningServer;

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

bool raise_fd_limit(rlim_t wanted) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
  if (lim.rlim_cur >= wanted) return true;
  lim.rlim_cur = std::min(wanted, lim.rlim_max);
  return setrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur >= wanted;
}

/// A fresh session logs in and runs a command: the server still answers.
void expect_server_answers(std::uint16_t port) {
  Client c(port);
  ASSERT_TRUE(c.read_until("login: "));
  c.send("root\r\nxc3511\r\n");
  ASSERT_TRUE(c.read_until("# "));
  c.send("/bin/busybox ALIVE\r\n");
  ASSERT_TRUE(c.read_until("ALIVE: applet not found"));
}

TEST(HoneypotLoad, ThousandsOfConcurrentSessionsWithBoundedMemory) {
  constexpr int kSessions = 3000;
  if (!raise_fd_limit(2 * kSessions + 256)) GTEST_SKIP() << "RLIMIT_NOFILE too low for the load test";
  HoneypotConfig config = test::test_config();
  config.limits.max_sessions = kSessions + 100;
  config.limits.max_sessions_per_source = kSessions + 100;
  RunningServer server(std::move(config));
  const auto started = std::chrono::steady_clock::now();
  const long before = rss_kb();
  std::vector<std::unique_ptr<Client>> clients;
  clients.reserve(kSessions);
  for (int i = 0; i < kSessions; ++i) {
    clients.push_back(std::make_unique<Client>(server.port));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  for (auto& c : clients) ASSERT_TRUE(c->read_until("login: "));
  // Half of them log in, so both idle kinds are held.
  for (int i = 0; i < kSessions; i += 2) clients[i]->send("root\r\nxc3511\r\n");
  for (int i = 0; i < kSessions; i += 2) ASSERT_TRUE(clients[i]->read_until("# "));
  const long after = rss_kb();
  EXPECT_EQ(server.server->counters().active.load(), static_cast<std::uint64_t>(kSessions));
  const double kb_per_session = static_cast<double>(after - before) / kSessions;
  std::printf("%d open sessions: RSS %+ld kB, %.1f kB per session (server and test client together)\n",
              kSessions, after - before, kb_per_session);
  // The target is under 200 MB for 10,000 sessions: 20 kB each.
  EXPECT_LT(kb_per_session, 20.0);
  expect_server_answers(server.port);
  clients.clear();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
}

TEST(HoneypotLoad, FloodsLeaveServerAnswering) {
  HoneypotConfig config = test::test_config();
  config.limits.max_input_bytes = 256 * 1024;
  RunningServer server(std::move(config));
  std::mt19937 rng(7);
  {  // Random bytes: closed by one limit or another (input, line, logins, ^D), never a crash.
    Client c(server.port);
    ASSERT_TRUE(c.read_until("login: "));
    std::string noise(64 * 1024, '\0');
    for (int round = 0; round < 8; ++round) {
      for (char& b : noise) b = static_cast<char>(rng());
      if (!c.send(noise)) break;
    }
    EXPECT_TRUE(c.wait_closed());
  }
  {  // One endless line after login.
    Client c(server.port);
    ASSERT_TRUE(c.read_until("login: "));
    c.send("root\r\nxc3511\r\n");
    ASSERT_TRUE(c.read_until("# "));
    const std::string chunk(8192, 'A');
    for (int i = 0; i < 8 && c.send(chunk); ++i) {
    }
    EXPECT_TRUE(c.wait_closed());
  }
  {  // Option negotiation flood: answered once per option, never without bound.
    Client c(server.port);
    ASSERT_TRUE(c.read_until("login: "));
    std::string flood;
    for (int i = 0; i < 20000; ++i) {
      flood += std::string("\xff\xfd", 2) + static_cast<char>(i % 256);
      flood += std::string("\xff\xfb", 2) + static_cast<char>(i % 256);
    }
    ASSERT_TRUE(c.send(flood));
    c.send("root\r\n");
    ASSERT_TRUE(c.read_until("Password: "));
    // Replies: at most one WONT and one DONT per option plus the TTYPE request.
    EXPECT_LE(c.buffer().size(), 12 + 16 + 2 * 256 * 3 + 6 + 10 + 32);
  }
  expect_server_answers(server.port);
  server.stop();
  std::multiset<std::string> reasons;
  for (const auto& e : server.with_id("cowrie.session.closed")) reasons.insert(e["reason"].get<std::string>());
  EXPECT_EQ(reasons.count("limit max_line_length"), 1u);
}

}  // namespace
}  // namespace darkscope
