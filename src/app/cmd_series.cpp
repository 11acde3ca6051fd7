// darkscope series: one key's time series from the store, every bin present.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "core/time.hpp"
#include "store/observation_store.hpp"

namespace darkscope {

std::int64_t parse_period_bound(const std::string& flag, const std::string& text);  // cmd_top.cpp
void note_capture_loss(ObservationStore& store, std::int64_t from, std::int64_t to,
                       const std::optional<std::string>& sensor);  // cmd_top.cpp

namespace {

struct SeriesOptions {
  std::string db;
  std::string from;
  std::string to;
  std::string bin = "1h";
  std::string by = "total";
  std::string key;
  std::string sensor;
  bool json = false;
};

int run_series(const SeriesOptions& o) {
  SeriesQuery q;
  q.from = parse_period_bound("--from", o.from);
  q.to = parse_period_bound("--to", o.to);
  q.bin_s = parse_bin_width(o.bin);
  if (!parse_bin_dimension(o.by, q.dim)) throw CLI::ValidationError("--by", "unknown dimension " + o.by);
  if (q.dim != BinDimension::kTotal && o.key.empty()) {
    throw CLI::ValidationError("--key", "required with --by " + o.by + " (e.g. tcp/23, JP, 4134, mirai)");
  }
  q.key = q.dim == BinDimension::kTotal ? "" : o.key;
  if (!o.sensor.empty()) q.sensor = o.sensor;
  auto store = open_sqlite_store(o.db, false);
  const auto points = store->series(q);
  note_capture_loss(*store, q.from, q.to, q.sensor);
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : points) {
      out.push_back({{"start", format_iso8601(p.start * kNsPerSecond)},
                     {"packets", p.packets},
                     {"bytes", p.bytes},
                     {"sources", p.sources}});
    }
    std::puts(out.dump(2).c_str());
    return 0;
  }
  std::printf("%-22s %15s %15s %10s\n", "start", "packets", "bytes", "sources");
  for (const auto& p : points) {
    std::printf("%-22s %15llu %15llu %10llu\n", format_iso8601(p.start * kNsPerSecond).c_str(),
                static_cast<unsigned long long>(p.packets), static_cast<unsigned long long>(p.bytes),
                static_cast<unsigned long long>(p.sources));
  }
  return 0;
}

}  // namespace

void add_series_command(CLI::App& app) {
  auto opts = std::make_shared<SeriesOptions>();
  CLI::App* cmd = app.add_subcommand("series", "One key's time series from the store, zeros included");
  cmd->add_option("--db", opts->db, "the SQLite database written by ingest")->required()->check(CLI::ExistingFile);
  cmd->add_option("--from", opts->from, "period start, inclusive (a bare date is 00:00 UTC)")->required();
  cmd->add_option("--to", opts->to, "period end, exclusive")->required();
  cmd->add_option("--bin", opts->bin, "5m, 1h or 1d")->capture_default_str()->check(CLI::IsMember({"5m", "1h", "1d"}));
  cmd->add_option("--by", opts->by, "total|port|country|asn|class|fingerprint|scanner")
      ->capture_default_str()
      ->check(CLI::IsMember({"total", "port", "country", "asn", "class", "fingerprint", "scanner"}));
  cmd->add_option("--key", opts->key, "the key: tcp/23, udp/53, icmp, JP, 4134, tcp-syn, mirai, ...");
  cmd->add_option("--sensor", opts->sensor, "only this sensor (default: all)");
  cmd->add_flag("--json", opts->json, "a JSON array of {start, packets, bytes, sources}");
  cmd->footer("sources: per bin; exact for daily bins, and for 5-minute and hourly bins whose "
              "packets came from one capture file.");
  cmd->callback([opts] {
    const int code = run_series(*opts);
    if (code != 0) throw ExitStatus{code};
  });
}

}  // namespace darkscope
