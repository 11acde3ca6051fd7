// darkscope honeypot / honeypot-stats: the telnet IoT honeypot and its summary.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <pwd.h>

#include "app/commands.hpp"
#include "app/enrich_options.hpp"
#include "enrich/enricher.hpp"
#include "honeypot/server.hpp"
#include "honeypot/stats.hpp"
#include "honeypot/store_sink.hpp"
#include "store/honeypot_events.hpp"

namespace darkscope {
namespace {

struct HoneypotOptions {
  std::string listen;
  std::string log;
  std::string db;
  std::string sensor = "darkscope";
  std::string profile = "dvr";
  std::string download_dir;
  bool allow_private = false;
  std::string user = "nobody";
  std::string credentials_file;
  bool no_mirai_credentials = false;
  int accept_after = 0;
  double idle_timeout_s = 120;
  double session_timeout_s = 600;
  double download_timeout_s = 30;
  HoneypotLimits limits;
};

void run_honeypot(const HoneypotOptions& o) {
  HoneypotConfig config;
  config.sensor = o.sensor;
  config.profile = find_device_profile(o.profile);
  if (!config.profile) throw std::runtime_error("unknown --profile '" + o.profile + "' (dvr, router)");
  config.limits = o.limits;
  config.limits.idle_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.idle_timeout_s * 1000));
  config.limits.session_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.session_timeout_s * 1000));
  config.limits.fetch.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.download_timeout_s * 1000));
  config.credentials = o.no_mirai_credentials ? CredentialPolicy({}, 0) : CredentialPolicy();
  if (!o.credentials_file.empty()) {
    std::ifstream in(o.credentials_file);
    if (!in) throw std::runtime_error("cannot read --credentials file " + o.credentials_file);
    std::stringstream text;
    text << in.rdbuf();
    config.credentials.add_pairs_text(text.str());
  }
  config.credentials.set_accept_after(o.accept_after);
  config.download_dir = o.download_dir;
  config.allow_private_downloads = o.allow_private;

  // Everything that needs privileges happens before the drop: files, database, ports.
  JsonlEventSink jsonl(o.log);
  std::unique_ptr<StoreEventSink> store;
  std::vector<EventSink*> sinks = {&jsonl};
  if (!o.db.empty()) {
    store = std::make_unique<StoreEventSink>(o.db);
    sinks.push_back(store.get());
  }
  HoneypotServer server(std::move(config), sinks);
  std::string endpoints;
  std::stringstream list(o.listen);
  std::string item;
  while (std::getline(list, item, ',')) {
    if (item.empty()) continue;
    const auto [host, port] = parse_listen_address(item);
    const std::uint16_t bound = server.listen(host, port);
    endpoints += (endpoints.empty() ? "" : ", ") + host + ":" + std::to_string(bound);
  }
  if (endpoints.empty()) throw std::runtime_error("--listen names no address");
  server.open_download_dir();
  if (::geteuid() == 0) {
    // What the unprivileged user writes later (payloads, the database and its WAL)
    // is handed to it now.
    if (const passwd* pw = ::getpwnam(o.user.c_str())) {
      std::vector<std::string> paths;
      if (!o.download_dir.empty()) paths.push_back(o.download_dir);
      if (!o.db.empty()) paths.insert(paths.end(), {o.db, o.db + "-wal", o.db + "-shm"});
      for (const auto& path : paths) {
        if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT) {
          throw std::runtime_error("cannot hand " + path + " to user " + o.user);
        }
      }
    }
  }
  const bool dropped = drop_privileges(o.user);

  // SIGINT/SIGTERM end the run cleanly (sessions logged as closed, sinks flushed).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread waiter([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.stop();
  });
  std::fprintf(stderr, "darkscope honeypot: listening on %s, profile %s, log %s%s%s\n", endpoints.c_str(),
               o.profile.c_str(), o.log.c_str(), dropped ? ", running as " : "", dropped ? o.user.c_str() : "");
  server.run();
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  const auto& c = server.counters();
  std::fprintf(stderr,
               "darkscope honeypot: %llu sessions, %llu logins, %llu commands, %llu downloads, "
               "%llu closed by limits, %llu refused\n",
               static_cast<unsigned long long>(c.sessions.load()),
               static_cast<unsigned long long>(c.logins_ok.load()),
               static_cast<unsigned long long>(c.commands.load()),
               static_cast<unsigned long long>(c.downloads.load()),
               static_cast<unsigned long long>(c.limit_closed.load()),
               static_cast<unsigned long long>(c.rejected.load()));
}

struct StatsOptions {
  std::string log;
  std::string db;
  std::size_t top = 10;
  bool json = false;
  EnrichOptions enrich;
  bool no_enrich = false;
};

void print_table(const char* title, const char* header, const CountedKeys& rows) {
  std::printf("\n%s\n  %8s  %s\n", title, "count", header);
  for (const auto& [key, count] : rows) {
    std::printf("  %8llu  %s\n", static_cast<unsigned long long>(count), key.c_str());
  }
}

void run_stats(const StatsOptions& o) {
  if (o.log.empty() == o.db.empty()) throw std::runtime_error("give one of --log or --db");
  HoneypotStats stats;
  if (!o.log.empty()) {
    stats = honeypot_stats_from_jsonl(o.log, o.top);
  } else {
    HoneypotStatsBuilder builder;
    for (const auto& row : read_honeypot_events(o.db)) builder.add_line(row.json);
    stats = builder.result(o.top);
  }
  std::map<std::string, std::uint64_t> countries;
  if (!o.no_enrich) {
    Enricher enricher(o.enrich);
    for (const auto& [source, sessions] : stats.sources) {
      const auto a = IpAddress::parse(source);
      const auto info = a ? enricher.lookup(*a) : SourceInfo{};
      countries[info.country.value_or("unknown")] += sessions;
    }
  }
  const CountedKeys top_countries = top_keys(countries, o.top);
  const CountedKeys top_sources(stats.sources.begin(),
                                stats.sources.begin() + static_cast<std::ptrdiff_t>(
                                                            std::min(o.top ? o.top : stats.sources.size(),
                                                                     stats.sources.size())));
  if (o.json) {
    auto table = [](const CountedKeys& rows, const char* key) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const auto& [k, n] : rows) out.push_back({{key, k}, {"count", n}});
      return out;
    };
    nlohmann::ordered_json j;
    j["events"] = stats.events;
    j["sessions"] = stats.sessions;
    j["logins_ok"] = stats.logins_ok;
    j["logins_failed"] = stats.logins_failed;
    j["commands"] = stats.commands;
    j["downloads"] = stats.downloads;
    j["downloads_failed"] = stats.downloads_failed;
    j["bad_lines"] = stats.bad_lines;
    j["credentials"] = table(stats.credentials, "credential");
    j["commands_top"] = table(stats.commands_top, "input");
    j["urls"] = table(stats.urls, "url");
    j["shasums"] = table(stats.shasums, "shasum");
    j["sources"] = table(top_sources, "src_ip");
    if (!o.no_enrich) j["countries"] = table(top_countries, "country");
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  std::printf("events %llu  sessions %llu  logins %llu ok / %llu failed  commands %llu  downloads %llu (%llu failed)\n",
              static_cast<unsigned long long>(stats.events), static_cast<unsigned long long>(stats.sessions),
              static_cast<unsigned long long>(stats.logins_ok), static_cast<unsigned long long>(stats.logins_failed),
              static_cast<unsigned long long>(stats.commands), static_cast<unsigned long long>(stats.downloads),
              static_cast<unsigned long long>(stats.downloads_failed));
  if (stats.bad_lines) std::printf("(%llu lines were not JSON and were skipped)\n", static_cast<unsigned long long>(stats.bad_lines));
  print_table("Top credentials", "username/password", stats.credentials);
  print_table("Top commands", "input", stats.commands_top);
  print_table("Top URLs", "url", stats.urls);
  print_table("Top payloads", "sha256", stats.shasums);
  print_table("Top sources", "address", top_sources);
  if (!o.no_enrich) print_table("Sources by country (sessions)", "country", top_countries);
}

}  // namespace

void add_honeypot_command(CLI::App& app) {
  auto o = std::make_shared<HoneypotOptions>();
  CLI::App* cmd = app.add_subcommand(
      "honeypot", "Run the telnet IoT honeypot that carries Mirai-family bots to their download step");
  cmd->add_option("--listen", o->listen, "ADDR:PORT[,ADDR:PORT...] to listen on (e.g. 0.0.0.0:23,0.0.0.0:2323)")->required();
  cmd->add_option("--log", o->log, "Cowrie-style JSON lines event log (appended)")->required();
  cmd->add_option("--db", o->db, "also store events in this SQLite database (table honeypot_events)");
  cmd->add_option("--sensor", o->sensor, "sensor name in every event")->capture_default_str();
  cmd->add_option("--profile", o->profile, "emulated device: dvr (busybox DVR/camera, ARM) or router (MIPS)")
      ->capture_default_str();
  cmd->add_option("--download-dir", o->download_dir,
                  "fetch payloads named by wget/curl/tftp and store them here by SHA-256 (off by default)");
  cmd->add_flag("--allow-private-downloads", o->allow_private,
                "also fetch from private, loopback, link-local and metadata addresses");
  cmd->add_option("--user", o->user, "user to switch to after binding when started as root")->capture_default_str();
  cmd->add_option("--credentials", o->credentials_file, "file of user:password lines accepted too");
  cmd->add_flag("--no-mirai-credentials", o->no_mirai_credentials, "do not accept Mirai's 61 default pairs");
  cmd->add_option("--accept-after", o->accept_after, "accept any pair after N failures on a connection (0: never)")
      ->capture_default_str();
  auto* l = &o->limits;
  cmd->add_option("--max-sessions", l->max_sessions, "open sessions at most")->capture_default_str()->group("Limits");
  cmd->add_option("--max-sessions-per-source", l->max_sessions_per_source, "open sessions per source address")
      ->capture_default_str()->group("Limits");
  cmd->add_option("--idle-timeout", o->idle_timeout_s, "seconds without input before a session is closed")
      ->capture_default_str()->group("Limits");
  cmd->add_option("--session-timeout", o->session_timeout_s, "seconds a session may last")->capture_default_str()->group("Limits");
  cmd->add_option("--max-line-length", l->max_line_length, "bytes in one input line")->capture_default_str()->group("Limits");
  cmd->add_option("--max-input-bytes", l->max_input_bytes, "bytes a session may send")->capture_default_str()->group("Limits");
  cmd->add_option("--max-login-attempts", l->max_login_attempts, "failed logins before the connection is closed")
      ->capture_default_str()->group("Limits");
  cmd->add_option("--max-file-bytes", l->shell.max_file_bytes, "bytes of files a session may write")
      ->capture_default_str()->group("Limits");
  cmd->add_option("--max-downloads-per-session", l->max_downloads_per_session, "downloads per session")
      ->capture_default_str()->group("Limits");
  cmd->add_option("--max-downloads-per-host", l->max_downloads_per_host, "downloads per URL host per hour")
      ->capture_default_str()->group("Limits");
  cmd->add_option("--download-max-bytes", l->fetch.max_bytes, "largest payload fetched")->capture_default_str()->group("Limits");
  cmd->add_option("--download-timeout", o->download_timeout_s, "seconds a download may take")->capture_default_str()->group("Limits");
  cmd->callback([o] { run_honeypot(*o); });
}

void add_honeypot_stats_command(CLI::App& app) {
  auto o = std::make_shared<StatsOptions>();
  CLI::App* cmd = app.add_subcommand("honeypot-stats",
                                     "Top credentials, commands, URLs, payloads and source countries of the honeypot");
  cmd->add_option("--log", o->log, "the honeypot's JSON lines log")->check(CLI::ExistingFile);
  cmd->add_option("--db", o->db, "the SQLite store the honeypot wrote with --db")->check(CLI::ExistingFile);
  cmd->add_option("--top", o->top, "rows per table (0: all)")->capture_default_str();
  cmd->add_flag("--json", o->json, "JSON instead of text tables");
  add_enrich_options(cmd, o->enrich, o->no_enrich);
  cmd->callback([o] { run_stats(*o); });
}

}  // namespace darkscope
