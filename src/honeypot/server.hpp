// The telnet honeypot server: one io_context thread, one coroutine per session.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "honeypot/credentials.hpp"
#include "honeypot/device_profile.hpp"
#include "honeypot/download.hpp"
#include "honeypot/events.hpp"
#include "honeypot/shell.hpp"

namespace darkscope {

/// Safe defaults for every bound; each has a command-line flag.
struct HoneypotLimits {
  std::size_t max_sessions = 4096;
  std::size_t max_sessions_per_source = 16;
  std::chrono::milliseconds idle_timeout{120'000};
  std::chrono::milliseconds session_timeout{600'000};
  std::size_t max_line_length = 4096;
  std::size_t max_input_bytes = 1024 * 1024;  ///< raw bytes a session may send
  int max_login_attempts = 3;                 ///< per connection, as login(1)
  std::size_t max_downloads_per_session = 8;
  std::size_t max_downloads_per_host = 20;    ///< per URL host per hour, all sessions
  ShellLimits shell;
  FetchLimits fetch;
};

struct HoneypotConfig {
  std::string sensor = "darkscope";
  std::shared_ptr<const DeviceProfile> profile;  ///< null: "dvr"
  CredentialPolicy credentials;
  HoneypotLimits limits;
  /// Where payloads are stored by SHA-256; empty: nothing is ever fetched.
  std::string download_dir;
  bool allow_private_downloads = false;
  /// Nanoseconds since the epoch, for event timestamps and durations (tests inject one).
  std::function<std::int64_t()> clock;
  /// Source of session ids (tests inject one).
  std::function<std::uint64_t()> random;
};

/// Counters, readable from any thread.
struct HoneypotCounters {
  std::atomic<std::uint64_t> sessions{0};
  std::atomic<std::uint64_t> active{0};
  std::atomic<std::uint64_t> rejected{0};        ///< refused by max_sessions / per source
  std::atomic<std::uint64_t> limit_closed{0};    ///< closed for breaking a limit
  std::atomic<std::uint64_t> logins_ok{0};
  std::atomic<std::uint64_t> logins_failed{0};
  std::atomic<std::uint64_t> commands{0};
  std::atomic<std::uint64_t> downloads{0};
  std::atomic<std::uint64_t> downloads_failed{0};
  std::atomic<std::uint64_t> sink_errors{0};     ///< events a sink could not take
};

class HoneypotServer {
 public:
  /// Sinks must outlive the server.
  HoneypotServer(HoneypotConfig config, std::vector<EventSink*> sinks);
  ~HoneypotServer();
  HoneypotServer(const HoneypotServer&) = delete;
  HoneypotServer& operator=(const HoneypotServer&) = delete;

  /// Binds and listens ("0.0.0.0", 23); port 0 picks one. Returns the bound port.
  /// Throws std::runtime_error with a clear message when binding fails.
  std::uint16_t listen(const std::string& address, std::uint16_t port);
  /// Opens the download directory (creating it); call before dropping privileges.
  void open_download_dir();
  /// Serves until stop(); flushes the sinks at the end.
  void run();
  /// Thread-safe: closes listeners and sessions (logged as "shutdown"), then run() returns.
  void stop();
  [[nodiscard]] const HoneypotCounters& counters() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Parses "ADDR:PORT", "[v6]:PORT" or ":PORT"/"PORT" (all addresses). Throws on bad text.
[[nodiscard]] std::pair<std::string, std::uint16_t> parse_listen_address(const std::string& text);

/// Switches to `user` (its uid, gid, no supplementary groups) when running as root.
/// Returns false when not root (nothing to drop); throws when the switch fails.
bool drop_privileges(const std::string& user);

}  // namespace darkscope
