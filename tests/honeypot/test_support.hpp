// Helpers for the honeypot tests: a server on a thread and a blocking telnet client.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "honeypot/events.hpp"
#include "honeypot/server.hpp"

namespace darkscope::test {

/// A HoneypotServer on 127.0.0.1:0 served by its own thread; stop() joins it.
class RunningServer {
 public:
  explicit RunningServer(HoneypotConfig config, std::vector<EventSink*> extra_sinks = {}) {
    std::vector<EventSink*> sinks = {&events};
    for (auto* s : extra_sinks) sinks.push_back(s);
    server = std::make_unique<HoneypotServer>(std::move(config), sinks);
    port = server->listen("127.0.0.1", 0);
    server->open_download_dir();
    thread = std::thread([this] { server->run(); });
  }
  ~RunningServer() { stop(); }
  void stop() {
    if (!thread.joinable()) return;
    server->stop();
    thread.join();
  }
  /// Events with this id (call after stop()).
  std::vector<EventJson> with_id(std::string_view id) const {
    std::vector<EventJson> out;
    for (const auto& e : events.events) {
      if (e["eventid"] == id) out.push_back(e);
    }
    return out;
  }

  MemoryEventSink events;
  std::unique_ptr<HoneypotServer> server;
  std::uint16_t port = 0;
  std::thread thread;
};

/// A plain blocking TCP client with timeouts; telnet bytes are sent and seen raw.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }
  bool send(std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  /// Reads until `needle` appears in what was received since the last call (kept in
  /// buffer()); false on timeout or close.
  bool read_until(std::string_view needle, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find(needle, consumed_) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    last_ = buffer_.substr(consumed_, buffer_.find(needle, consumed_) + needle.size() - consumed_);
    consumed_ = buffer_.find(needle, consumed_) + needle.size();
    return true;
  }
  /// True when the server closed the connection within the timeout.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return true;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  /// What the last successful read_until consumed (up to and including the needle).
  [[nodiscard]] const std::string& last() const { return last_; }
  [[nodiscard]] const std::string& buffer() const { return buffer_; }
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
  std::string last_;
  std::size_t consumed_ = 0;
};

/// A fixed clock and counter-based ids, so events repeat exactly.
inline HoneypotConfig test_config() {
  HoneypotConfig c;
  c.sensor = "test-sensor";
  auto counter = std::make_shared<std::uint64_t>(0);
  c.random = [counter] { return 0xabcdef000000ULL + (*counter)++; };
  auto ticks = std::make_shared<std::int64_t>(0);
  // 2026-11-22T04:00:00Z, then one millisecond more on every reading.
  c.clock = [ticks] { return 1'795'320'000LL * 1'000'000'000LL + 1'000'000LL * (*ticks)++; };
  return c;
}

}  // namespace darkscope::test
