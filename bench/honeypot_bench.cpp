// Honeypot benchmark: sessions per second (connect, negotiate, log in, one command,
// close) against a server pinned to one core, and server memory per idle session.
// Usage: honeypot_bench [sessions=20000] [concurrency=200] [idle_sessions=10000]
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "honeypot/server.hpp"

namespace {

using namespace darkscope;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))), &set);
  sched_setaffinity(0, sizeof set, &set);
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

asio::awaitable<bool> read_until(asio::ip::tcp::socket& s, std::string& buf, std::string_view needle) {
  auto [ec, n] = co_await asio::async_read_until(s, asio::dynamic_buffer(buf), needle, kNoThrow);
  if (ec) co_return false;
  buf.erase(0, n);
  co_return true;
}

asio::awaitable<void> one_session(asio::ip::tcp::endpoint server, int& done, int& failed) {
  asio::ip::tcp::socket s(co_await asio::this_coro::executor);
  auto [ec] = co_await s.async_connect(server, kNoThrow);
  std::string buf;
  bool ok = !ec && co_await read_until(s, buf, "login: ");
  if (ok) {
    // Mirai's answers to the negotiation, then its credentials.
    static const std::string login =
        std::string("\xff\xfc\x01\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0\xff\xfd\x01\xff\xfd\x03", 21) +
        "root\r\nxc3511\r\n";
    auto [we, wn] = co_await asio::async_write(s, asio::buffer(login), kNoThrow);
    ok = !we && co_await read_until(s, buf, "# ");
  }
  if (ok) {
    static const std::string command = "/bin/busybox MIRAI\r\n";
    auto [we, wn] = co_await asio::async_write(s, asio::buffer(command), kNoThrow);
    ok = !we && co_await read_until(s, buf, "applet not found") && co_await read_until(s, buf, "# ");
  }
  ++(ok ? done : failed);
}

asio::awaitable<void> worker(asio::ip::tcp::endpoint server, int& next, int total, int& done, int& failed) {
  while (next < total) {
    ++next;
    co_await one_session(server, done, failed);
  }
}

asio::awaitable<void> hold(asio::ip::tcp::endpoint server, std::vector<asio::ip::tcp::socket>& held, int& ready) {
  asio::ip::tcp::socket s(co_await asio::this_coro::executor);
  auto [ec] = co_await s.async_connect(server, kNoThrow);
  std::string buf;
  if (!ec && co_await read_until(s, buf, "login: ")) {
    held.push_back(std::move(s));
    ++ready;
  }
}

/// User plus system CPU seconds a process has used (from /proc/PID/stat).
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields;
  std::string field;
  for (std::size_t i = close + 2; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ' ') {
      fields.push_back(field);
      field.clear();
    } else {
      field.push_back(text[i]);
    }
  }
  // After the command name: state is field 0, utime field 11, stime field 12.
  if (fields.size() < 13) return 0;
  return (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

int main(int argc, char** argv) {
  const int sessions = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int concurrency = argc > 2 ? std::atoi(argv[2]) : 200;
  const int idle = argc > 3 ? std::atoi(argv[3]) : 10000;
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);

  int port_pipe[2];
  if (pipe(port_pipe) != 0) return 1;
  const std::string log_path = "/tmp/honeypot_bench_" + std::to_string(getpid()) + ".jsonl";
  const pid_t child = fork();
  if (child == 0) {
    pin_to_cpu(0);
    HoneypotConfig config;
    config.limits.max_sessions = static_cast<std::size_t>(idle) + 1000;
    config.limits.max_sessions_per_source = static_cast<std::size_t>(idle) + 1000;
    JsonlEventSink log(log_path);
    HoneypotServer server(std::move(config), {&log});
    const std::uint16_t port = server.listen("127.0.0.1", 0);
    if (write(port_pipe[1], &port, sizeof port) != sizeof port) _exit(1);
    server.run();
    _exit(0);
  }
  std::uint16_t port = 0;
  if (read(port_pipe[0], &port, sizeof port) != sizeof port) return 1;
  pin_to_cpu(1);
  const asio::ip::tcp::endpoint server(asio::ip::make_address("127.0.0.1"), port);

  asio::io_context io(1);
  int next = 0;
  int done = 0;
  int failed = 0;
  const double cpu0 = cpu_seconds(child);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < concurrency; ++i) asio::co_spawn(io, worker(server, next, sessions, done, failed), asio::detached);
  io.run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double server_cpu = cpu_seconds(child) - cpu0;
  std::printf("sessions: %d done, %d failed in %.2f s: %.0f sessions/s (connect, negotiate, login, one command, close; server on one core)\n",
              done, failed, seconds, done / seconds);
  std::printf("server CPU: %.2f s for %d sessions: %.0f sessions per server CPU second\n", server_cpu, done,
              server_cpu > 0 ? done / server_cpu : 0.0);

  const long before = rss_kb(child);
  std::vector<asio::ip::tcp::socket> held;
  held.reserve(static_cast<std::size_t>(idle));
  int ready = 0;
  io.restart();
  for (int i = 0; i < idle; ++i) asio::co_spawn(io, hold(server, held, ready), asio::detached);
  io.run();
  const long after = rss_kb(child);
  std::printf("idle sessions: %d open, server RSS %ld kB -> %ld kB: %.1f kB per idle session, %.1f MB in all\n",
              ready, before, after, ready ? static_cast<double>(after - before) / ready : 0.0, after / 1024.0);
  held.clear();
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  std::remove(log_path.c_str());
  return failed == 0 && ready == idle ? 0 : 1;
}
