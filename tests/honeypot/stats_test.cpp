#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "honeypot/stats.hpp"

namespace darkscope {
namespace {

TEST(HoneypotStats, CountsAndRanksFromJsonl) {
  char path[] = "/tmp/darkscope-hpstats-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  {
    std::ofstream out(path);
    out << R"({"eventid":"cowrie.session.connect","src_ip":"203.0.113.7","session":"a"})" "\n"
        << R"({"eventid":"cowrie.session.connect","src_ip":"203.0.113.7","session":"b"})" "\n"
        << R"({"eventid":"cowrie.session.connect","src_ip":"198.51.100.2","session":"c"})" "\n"
        << R"({"eventid":"cowrie.login.failed","username":"root","password":"vizxv"})" "\n"
        << R"({"eventid":"cowrie.login.success","username":"root","password":"xc3511"})" "\n"
        << R"({"eventid":"cowrie.login.success","username":"root","password":"xc3511"})" "\n"
        << R"({"eventid":"cowrie.command.input","input":"/bin/busybox MIRAI"})" "\n"
        << R"({"eventid":"cowrie.command.input","input":"/bin/busybox MIRAI"})" "\n"
        << R"({"eventid":"cowrie.command.input","input":"enable"})" "\n"
        << R"({"eventid":"cowrie.session.file_download","url":"http://x/a","shasum":"aa"})" "\n"
        << R"({"eventid":"cowrie.session.file_download.failed","url":"http://x/b"})" "\n"
        << R"({"eventid":"cowrie.session.file_upload","shasum":"aa"})" "\n"
        << "not json\n\n";
  }
  ::close(fd);
  const HoneypotStats s = honeypot_stats_from_jsonl(path, 1);
  std::remove(path);
  EXPECT_EQ(s.events, 12u);
  EXPECT_EQ(s.bad_lines, 1u);
  EXPECT_EQ(s.sessions, 3u);
  EXPECT_EQ(s.logins_ok, 2u);
  EXPECT_EQ(s.logins_failed, 1u);
  EXPECT_EQ(s.commands, 3u);
  EXPECT_EQ(s.downloads, 1u);
  EXPECT_EQ(s.downloads_failed, 1u);
  EXPECT_EQ(s.credentials, (CountedKeys{{"root/xc3511", 2}}));
  EXPECT_EQ(s.commands_top, (CountedKeys{{"/bin/busybox MIRAI", 2}}));
  EXPECT_EQ(s.urls, (CountedKeys{{"http://x/a", 1}}));  // ties by key
  EXPECT_EQ(s.shasums, (CountedKeys{{"aa", 2}}));
  EXPECT_EQ(s.sources, (CountedKeys{{"203.0.113.7", 2}, {"198.51.100.2", 1}}));
  EXPECT_THROW((void)honeypot_stats_from_jsonl("/nonexistent/x.jsonl", 10), std::runtime_error);
}

}  // namespace
}  // namespace darkscope
