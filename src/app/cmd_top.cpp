// darkscope top: the largest keys of one dimension over a period, from the store.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "core/time.hpp"
#include "store/observation_store.hpp"

namespace darkscope {

/// Parses a --from/--to value to Unix seconds; throws CLI::ValidationError naming the flag.
std::int64_t parse_period_bound(const std::string& flag, const std::string& text) {
  const auto ns = parse_time(text);
  if (!ns) {
    throw CLI::ValidationError(flag, "'" + text + "' is not a time (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or Unix seconds)");
  }
  return floor_to(*ns, kNsPerSecond) / kNsPerSecond;
}

/// A line on stderr when live captures dropped packets in [from, to): the counts
/// printed are then lower bounds. Used by top and series.
void note_capture_loss(ObservationStore& store, std::int64_t from, std::int64_t to,
                       const std::optional<std::string>& sensor) {
  const CaptureLoss loss = store.capture_loss(from, to, sensor);
  if (loss.dropped == 0) return;
  std::string days;
  for (const std::int64_t d : loss.days_with_drops) {
    if (!days.empty()) days += ", ";
    days += format_iso8601(d * kNsPerSecond).substr(0, 10);
  }
  std::fprintf(
      stderr,
      "darkscope: note: live capture dropped %llu of %llu packets (%.2f%%) in this period (%s); "
      "the counts are lower bounds\n",
      static_cast<unsigned long long>(loss.dropped), static_cast<unsigned long long>(loss.received),
      100.0 * loss.share(), days.c_str());
}

namespace {

struct TopOptions {
  std::string db;
  std::string from;
  std::string to;
  std::string by;
  std::string sensor;
  std::size_t limit = 10;
  bool json = false;
  bool no_sources = false;
};

int run_top(const TopOptions& o) {
  TopQuery q;
  q.from = parse_period_bound("--from", o.from);
  q.to = parse_period_bound("--to", o.to);
  q.by = o.by;
  if (!o.sensor.empty()) q.sensor = o.sensor;
  q.limit = o.limit;
  q.sources = !o.no_sources;
  auto store = open_sqlite_store(o.db, false);
  const auto rows = store->top(q);
  note_capture_loss(*store, q.from, q.to, q.sensor);
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
      nlohmann::json row = {{"key", r.key}, {"packets", r.packets}};
      if (q.sources) row["sources"] = r.sources;
      out.push_back(row);
    }
    std::puts(out.dump(2).c_str());
    return 0;
  }
  std::printf("Top %s, %s to %s (exclusive)%s\n", o.by.c_str(), format_iso8601(q.from * kNsPerSecond).c_str(),
              format_iso8601(q.to * kNsPerSecond).c_str(),
              q.sensor ? (", sensor " + *q.sensor).c_str() : "");
  std::printf("%5s  %-40s %15s %10s\n", "rank", o.by.c_str(), "packets", "sources");
  std::size_t rank = 0;
  for (const auto& r : rows) {
    std::printf("%5zu  %-40s %15llu %10s\n", ++rank, r.key.c_str(), static_cast<unsigned long long>(r.packets),
                q.sources ? std::to_string(r.sources).c_str() : "-");
  }
  if (rows.empty()) std::puts("  (nothing stored in this period)");
  return 0;
}

}  // namespace

void add_top_command(CLI::App& app) {
  auto opts = std::make_shared<TopOptions>();
  CLI::App* cmd = app.add_subcommand("top", "The largest ports, countries, ... of a period in the store");
  cmd->add_option("--db", opts->db, "the SQLite database written by ingest")->required()->check(CLI::ExistingFile);
  cmd->add_option("--from", opts->from, "period start, inclusive (a bare date is 00:00 UTC)")->required();
  cmd->add_option("--to", opts->to, "period end, exclusive")->required();
  cmd->add_option("--by", opts->by, "port|country|asn|class|fingerprint|scanner|source")
      ->required()
      ->check(CLI::IsMember({"port", "country", "asn", "class", "fingerprint", "scanner", "source"}));
  cmd->add_option("--sensor", opts->sensor, "only this sensor (default: all)");
  cmd->add_option("--limit", opts->limit, "rows (0: all)")->capture_default_str();
  cmd->add_flag("--json", opts->json, "a JSON array of {key, packets, sources}, largest first");
  cmd->add_flag("--no-sources", opts->no_sources,
                "rank by packets only, without the unique sources (no source set is read)");
  cmd->footer("sources: distinct source addresses over the UTC days the period touches (exact for "
              "whole days).");
  cmd->callback([opts] {
    const int code = run_top(*opts);
    if (code != 0) throw ExitStatus{code};
  });
}

}  // namespace darkscope
