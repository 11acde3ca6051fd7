// A real telnet client (Debian's telnet driven by expect) logs in and runs commands.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "test_support.hpp"

namespace darkscope {
namespace {

TEST(TelnetClient, ExpectDrivenTelnetLogsInAndRunsCommands) {
  if (::access("/usr/bin/expect", X_OK) != 0 || ::access("/usr/bin/telnet", X_OK) != 0) {
    GTEST_SKIP() << "needs /usr/bin/expect and /usr/bin/telnet (Debian packages expect, telnet)";
  }
  test::RunningServer server(test::test_config());
  char script_path[] = "/tmp/darkscope-telnet-XXXXXX";
  const int fd = ::mkstemp(script_path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  {
    std::ofstream script(script_path);
    script << "set timeout 10\n"
              // The pattern block spans lines: on one line expect would take it as one pattern.
              "proc want {text} {\n"
              "  expect {\n"
              "    -exact $text {}\n"
              "    timeout { exit 2 }\n"
              "    eof { exit 3 }\n"
              "  }\n"
              "}\n"
              "spawn telnet 127.0.0.1 " << server.port << "\n"
              "want \"login: \"\n"
              "send \"root\\r\"\n"
              "want \"Password: \"\n"
              "send \"xc3511\\r\"\n"
              "want \"# \"\n"
              "send \"uname -m\\r\"\n"
              "want \"armv7l\"\n"
              "want \"# \"\n"
              "send \"cat /proc/mounts | grep /tmp\\r\"\n"
              "want \"tmpfs /tmp tmpfs rw\"\n"
              "want \"# \"\n"
              "send \"/bin/busybox HELLO\\r\"\n"
              "want \"HELLO: applet not found\"\n"
              "want \"# \"\n"
              "send \"exit\\r\"\n"
              "expect {\n"
              "  eof {}\n"
              "  timeout { exit 4 }\n"
              "}\n"
              "exit 0\n";
  }
  const std::string command = std::string("/usr/bin/expect ") + script_path + " > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  ::unlink(script_path);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  server.stop();
  const auto logins = server.with_id("cowrie.login.success");
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(logins[0]["username"], "root");
  EXPECT_EQ(logins[0]["password"], "xc3511");
  std::vector<std::string> inputs;
  for (const auto& e : server.with_id("cowrie.command.input")) inputs.push_back(e["input"]);
  EXPECT_EQ(inputs, (std::vector<std::string>{"uname -m", "cat /proc/mounts | grep /tmp", "/bin/busybox HELLO", "exit"}));
}

}  // namespace
}  // namespace darkscope
