#include "honeypot/server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <stdexcept>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "honeypot/telnet_protocol.hpp"

namespace darkscope {

namespace {

constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
using SteadyClock = std::chrono::steady_clock;

IpAddress to_ip(const asio::ip::address& a) {
  if (a.is_v4()) return IpAddress::v4(a.to_v4().to_uint());
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return IpAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
  const auto bytes = v6.to_bytes();
  return IpAddress::v6(bytes.data());
}

/// Terminal form of shell output: LF -> CR LF (the pty's onlcr) and IAC doubled.
void append_terminal(std::string& out, std::string_view text) {
  char prev = 0;
  for (const char c : text) {
    if (c == '\n' && prev != '\r') out.push_back('\r');
    out.push_back(c);
    if (static_cast<unsigned char>(c) == 0xff) out.push_back(c);
    prev = c;
  }
}

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

struct HoneypotServer::Impl {
  struct Session {
    explicit Session(asio::ip::tcp::socket s) : socket(std::move(s)) {}
    asio::ip::tcp::socket socket;
    SessionEndpoints endpoints;
    std::int64_t started_ns = 0;
    SteadyClock::time_point started;
    SteadyClock::time_point last_activity;
    std::string close_reason;
    bool limit_broken = false;
  };

  HoneypotConfig config;
  std::vector<EventSink*> sinks;
  asio::io_context io{1};
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors;
  std::unordered_map<std::uint64_t, Session*> sessions;
  std::unordered_map<IpAddress, std::size_t, IpAddressHash> per_source;
  std::unordered_map<std::string, std::size_t> downloads_per_host;
  SteadyClock::time_point host_window_start = SteadyClock::now();
  std::uint64_t next_serial = 0;
  int download_dir_fd = -1;
  bool stopping = false;
  asio::steady_timer sweeper{io};
  HoneypotCounters counters;

  Impl(HoneypotConfig c, std::vector<EventSink*> s) : config(std::move(c)), sinks(std::move(s)) {
    if (!config.profile) config.profile = find_device_profile("dvr");
    if (!config.clock) {
      config.clock = [] {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
    }
    if (!config.random) {
      auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
      config.random = [engine] { return (*engine)(); };
    }
    config.limits.fetch.allow_private = config.allow_private_downloads;
    raise_fd_limit();
  }

  ~Impl() {
    if (download_dir_fd >= 0) ::close(download_dir_fd);
  }

  void emit(const EventJson& event) {
    for (EventSink* sink : sinks) {
      // A failing sink (disk full, database locked) must not take the session down.
      try {
        sink->write(event);
      } catch (const std::exception& e) {
        if (counters.sink_errors++ == 0) std::fprintf(stderr, "darkscope honeypot: event sink failed: %s\n", e.what());
      }
    }
  }

  EventJson event(std::string_view id, const SessionEndpoints& e) {
    return make_event(id, config.clock(), config.sensor, e);
  }

  void close_session(Session& s, std::string reason, bool limit) {
    if (s.close_reason.empty()) {
      s.close_reason = std::move(reason);
      s.limit_broken = limit;
    }
    std::error_code ignored;
    s.socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    s.socket.close(ignored);
  }

  asio::awaitable<void> sweep() {
    while (!stopping) {
      sweeper.expires_after(std::chrono::milliseconds(200));
      auto [ec] = co_await sweeper.async_wait(kNoThrow);
      if (ec || stopping) break;
      const auto now = SteadyClock::now();
      for (auto& [serial, s] : sessions) {
        if (!s->close_reason.empty()) continue;
        if (now - s->started >= config.limits.session_timeout) {
          close_session(*s, "session_timeout", true);
        } else if (now - s->last_activity >= config.limits.idle_timeout) {
          close_session(*s, "idle_timeout", true);
        }
      }
      if (now - host_window_start >= std::chrono::hours(1)) {
        downloads_per_host.clear();
        host_window_start = now;
      }
      flush_sinks();
    }
  }

  void flush_sinks() {
    for (EventSink* sink : sinks) {
      try {
        sink->flush();
      } catch (const std::exception& e) {
        if (counters.sink_errors++ == 0) std::fprintf(stderr, "darkscope honeypot: event sink failed: %s\n", e.what());
      }
    }
  }

  asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor) {
    asio::steady_timer backoff(io);
    while (!stopping) {
      auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
      if (stopping) break;
      if (ec) {
        if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) break;
        // Out of descriptors or memory: wait a little instead of spinning.
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(kNoThrow);
        continue;
      }
      // Prompts go out as they are written: with Nagle's algorithm a prompt written
      // while the previous segment waits for the peer's delayed ACK sits for ~40 ms,
      // which a bot's dialogue pays at every step.
      std::error_code nodelay_ec;
      socket.set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
      auto session = std::make_shared<Session>(std::move(socket));
      asio::co_spawn(io, run_session(session), asio::detached);
    }
  }

  std::string store_payload(std::string_view body, const std::string& sha) {
    if (download_dir_fd < 0) return {};
    const std::string outfile = config.download_dir + "/" + sha;
    const int fd = ::openat(download_dir_fd, sha.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) return errno == EEXIST ? outfile : std::string{};
    std::size_t done = 0;
    while (done < body.size()) {
      const ssize_t n = ::write(fd, body.data() + done, body.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return outfile;
  }

  void save_written_files(const SessionEndpoints& e, EmulatedShell& shell, std::set<std::string>& saved) {
    for (const auto& [path, content] : shell.fs().written_files()) {
      const std::string sha = sha256_hex(content);
      if (!saved.insert(sha).second) continue;
      EventJson j = event("cowrie.session.file_upload", e);
      j["filename"] = path;
      j["shasum"] = sha;
      j["size"] = content.size();
      const std::string outfile = store_payload(content, sha);
      if (!outfile.empty()) j["outfile"] = outfile;
      j["message"] = "Saved file " + path + " written in the session with SHA-256 " + sha;
      emit(j);
    }
  }

  asio::awaitable<FetchResult> fetch(const SessionEndpoints& e, std::size_t& downloads,
                                     std::set<std::string>& saved, FetchRequest req) {
    FetchResult result;
    auto fail = [&](const std::string& why, const std::string& shown) {
      EventJson j = event("cowrie.session.file_download.failed", e);
      j["url"] = req.url;
      j["message"] = why;
      emit(j);
      ++counters.downloads_failed;
      result.error = shown;
    };
    if (download_dir_fd < 0) {
      fail("downloads disabled", "Connection refused");
      co_return result;
    }
    if (downloads >= config.limits.max_downloads_per_session) {
      fail("limit max_downloads_per_session", "Connection refused");
      co_return result;
    }
    std::size_t& per_host = downloads_per_host[req.parsed.host];
    if (per_host >= config.limits.max_downloads_per_host) {
      fail("limit max_downloads_per_host", "Connection refused");
      co_return result;
    }
    ++downloads;
    ++per_host;
    asio::any_io_executor executor = io.get_executor();
    auto pending = fetch_url(executor, req.parsed, config.limits.fetch);
    result = co_await std::move(pending);
    if (!result.ok) {
      const std::string why = result.error;
      fail(why, why.rfind("forbidden", 0) == 0 ? "Connection refused" : why);
      co_return result;
    }
    const std::string sha = sha256_hex(result.body);
    saved.insert(sha);
    const std::string outfile = store_payload(result.body, sha);
    EventJson j = event("cowrie.session.file_download", e);
    j["url"] = req.url;
    j["outfile"] = outfile;
    j["shasum"] = sha;
    j["size"] = result.body.size();
    j["message"] = "Downloaded URL (" + req.url + ") with SHA-256 " + sha + " to " + outfile;
    emit(j);
    ++counters.downloads;
    co_return result;
  }

  asio::awaitable<void> run_session(std::shared_ptr<Session> sp) {
    Session& s = *sp;
    const std::uint64_t serial = next_serial++;
    std::error_code ec;
    const auto remote = s.socket.remote_endpoint(ec);
    const auto local = s.socket.local_endpoint(ec);
    s.endpoints.session = session_id_from(config.random());
    s.endpoints.src = to_ip(remote.address());
    s.endpoints.src_port = remote.port();
    s.endpoints.dst = to_ip(local.address());
    s.endpoints.dst_port = local.port();
    s.started_ns = config.clock();
    s.started = s.last_activity = SteadyClock::now();
    ++counters.sessions;

    {
      EventJson j = event("cowrie.session.connect", s.endpoints);
      j["protocol"] = "telnet";
      j["message"] = "New connection: " + address_text(s.endpoints.src) + ":" +
                     std::to_string(s.endpoints.src_port) + " (" + address_text(s.endpoints.dst) +
                     ":" + std::to_string(s.endpoints.dst_port) + ") [session: " + s.endpoints.session + "]";
      emit(j);
    }
    std::size_t& from_source = per_source[s.endpoints.src];
    ++from_source;
    const bool over_total = sessions.size() >= config.limits.max_sessions;
    const bool over_source = from_source > config.limits.max_sessions_per_source;
    if (stopping || over_total || over_source) {
      ++counters.rejected;
      close_session(s, stopping ? "shutdown" : over_total ? "limit max_sessions" : "limit max_sessions_per_source",
                    !stopping);
    } else {
      sessions.emplace(serial, &s);
      ++counters.active;
      co_await converse(s);
      sessions.erase(serial);
      --counters.active;
    }
    if (--per_source[s.endpoints.src] == 0) per_source.erase(s.endpoints.src);
    if (s.limit_broken) ++counters.limit_closed;
    close_session(s, "client closed", false);
    EventJson j = event("cowrie.session.closed", s.endpoints);
    const double duration = static_cast<double>(config.clock() - s.started_ns) / 1e9;
    j["duration"] = duration;
    j["reason"] = s.close_reason;
    char text[64];
    std::snprintf(text, sizeof text, "Connection lost after %.1f seconds", duration);
    j["message"] = text;
    emit(j);
  }

  asio::awaitable<void> converse(Session& s) {
    enum class State { Username, Password, Shell };
    State state = State::Username;
    TelnetParser telnet;
    std::unique_ptr<EmulatedShell> shell;  // only after a login: idle sessions stay small
    std::string line;
    std::string username;
    int failures = 0;
    std::size_t input_bytes = 0;
    std::size_t downloads = 0;
    std::set<std::string> saved;
    const DeviceProfile& profile = *config.profile;

    std::string out(telnet_server_greeting());
    out += profile.banner + profile.login_prompt;
    auto [wec, wn] = co_await asio::async_write(s.socket, asio::buffer(out), kNoThrow);
    if (wec) co_return;

    FetchFunction fetcher;
    if (true) {
      fetcher = [this, &s, &downloads, &saved](FetchRequest req) -> asio::awaitable<FetchResult> {
        return fetch(s.endpoints, downloads, saved, std::move(req));
      };
    }

    std::array<std::uint8_t, 2048> buf{};
    std::string data;
    bool done = false;
    while (!done) {
      auto [rec, n] = co_await s.socket.async_read_some(asio::buffer(buf), kNoThrow);
      if (rec || !s.close_reason.empty()) break;
      s.last_activity = SteadyClock::now();
      input_bytes += n;
      if (input_bytes > config.limits.max_input_bytes) {
        close_session(s, "limit max_input_bytes", true);
        break;
      }
      data.clear();
      out.clear();
      telnet.feed(std::span<const std::uint8_t>(buf.data(), n), data, out);
      for (const char c : data) {
        if (c == '\n') {
          if (telnet.echo_enabled() && state != State::Password) out += "\r\n";
          if (state == State::Username) {
            username = line;
            state = State::Password;
            out += profile.password_prompt;
          } else if (state == State::Password) {
            const std::string& password = line;
            const bool ok = config.credentials.accepts(username, password, failures);
            EventJson j = event(ok ? "cowrie.login.success" : "cowrie.login.failed", s.endpoints);
            j["username"] = username;
            j["password"] = password;
            j["message"] = "login attempt [" + username + "/" + password + "] " + (ok ? "succeeded" : "failed");
            emit(j);
            out += "\r\n";
            if (ok) {
              ++counters.logins_ok;
              state = State::Shell;
              shell = std::make_unique<EmulatedShell>(config.profile, config.limits.shell);
              out += profile.motd + shell->prompt();
            } else {
              ++counters.logins_failed;
              ++failures;
              out += "Login incorrect\r\n";
              if (failures >= config.limits.max_login_attempts) {
                close_session(s, "login attempts exhausted", false);
                done = true;
                break;
              }
              state = State::Username;
              out += profile.login_prompt;
            }
          } else {
            if (line.find_first_not_of(" \t") != std::string::npos) {
              ++counters.commands;
              EventJson j = event("cowrie.command.input", s.endpoints);
              j["input"] = line;
              j["message"] = "CMD: " + line;
              emit(j);
              // Output so far goes out before a possibly slow download.
              if (!out.empty()) {
                auto [e2, n2] = co_await asio::async_write(s.socket, asio::buffer(out), kNoThrow);
                out.clear();
                if (e2) {
                  done = true;
                  break;
                }
              }
              const ShellOutput result = co_await shell->run(line, fetcher);
              append_terminal(out, result.text);
              if (result.exit) {
                done = true;
                close_session(s, "exit", false);
                break;
              }
            }
            out += shell->prompt();
          }
          line.clear();
        } else if (c == 0x7f || c == 0x08) {
          if (!line.empty()) {
            line.pop_back();
            if (telnet.echo_enabled() && state != State::Password) out += "\b \b";
          }
        } else if (c == 0x04 && line.empty()) {  // ^D on an empty line
          close_session(s, "exit", false);
          done = true;
          break;
        } else {
          line.push_back(c);
          if (line.size() > config.limits.max_line_length) {
            close_session(s, "limit max_line_length", true);
            done = true;
            break;
          }
          if (telnet.echo_enabled() && state != State::Password) {
            if (static_cast<unsigned char>(c) == 0xff) out.push_back(c);
            out.push_back(c);
          }
        }
      }
      if (!out.empty() && s.socket.is_open()) {
        auto [e3, n3] = co_await asio::async_write(s.socket, asio::buffer(out), kNoThrow);
        if (e3) break;
      }
    }
    if (shell) save_written_files(s.endpoints, *shell, saved);
  }
};

HoneypotServer::HoneypotServer(HoneypotConfig config, std::vector<EventSink*> sinks)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(sinks))) {}

HoneypotServer::~HoneypotServer() = default;

std::uint16_t HoneypotServer::listen(const std::string& address, std::uint16_t port) {
  std::error_code ec;
  const auto addr = asio::ip::make_address(address.empty() ? "0.0.0.0" : address, ec);
  if (ec) throw std::runtime_error("bad listen address '" + address + "'");
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(impl_->io);
  const asio::ip::tcp::endpoint endpoint(addr, port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
  }
  const std::uint16_t bound = acceptor->local_endpoint().port();
  impl_->acceptors.push_back(std::move(acceptor));
  return bound;
}

void HoneypotServer::open_download_dir() {
  const std::string& dir = impl_->config.download_dir;
  if (dir.empty() || impl_->download_dir_fd >= 0) return;
  ::mkdir(dir.c_str(), 0750);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open download directory " + dir + ": " + std::strerror(errno));
  impl_->download_dir_fd = fd;
}

void HoneypotServer::run() {
  Impl& impl = *impl_;
  for (auto& acceptor : impl.acceptors) {
    asio::co_spawn(impl.io, impl.accept_loop(*acceptor), asio::detached);
  }
  asio::co_spawn(impl.io, impl.sweep(), asio::detached);
  impl.io.run();
  impl.flush_sinks();
}

void HoneypotServer::stop() {
  asio::post(impl_->io, [impl = impl_.get()] {
    impl->stopping = true;
    std::error_code ignored;
    for (auto& acceptor : impl->acceptors) acceptor->close(ignored);
    impl->sweeper.cancel();
    for (auto& [serial, s] : impl->sessions) impl->close_session(*s, "shutdown", false);
  });
}

const HoneypotCounters& HoneypotServer::counters() const noexcept { return impl_->counters; }

std::pair<std::string, std::uint16_t> parse_listen_address(const std::string& text) {
  std::string host;
  std::string port_text = text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw std::runtime_error("bad listen address '" + text + "' (expected [ADDR]:PORT)");
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  const auto res = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (res.ec != std::errc{} || res.ptr != port_text.data() + port_text.size() || port > 65535) {
    throw std::runtime_error("bad listen address '" + text + "' (expected ADDR:PORT)");
  }
  if (host.empty()) host = "0.0.0.0";
  return {host, static_cast<std::uint16_t>(port)};
}

bool drop_privileges(const std::string& user) {
  if (::geteuid() != 0) return false;
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) throw std::runtime_error("unknown user '" + user + "' for --user");
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 || ::setresuid(uid, uid, uid) != 0) {
    throw std::runtime_error("cannot switch to user '" + user + "': " + std::strerror(errno));
  }
  // Refuse to go on if root could be regained.
  if (uid != 0 && (::setuid(0) == 0 || ::seteuid(0) == 0)) {
    throw std::runtime_error("privileges could be regained after switching to '" + user + "'");
  }
  return true;
}

}  // namespace darkscope
