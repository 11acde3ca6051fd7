// darkscope feed: hosts that showed a fingerprint (Mirai first), one record per
// host, for notifying the owners of their networks (after Shadowserver's darknet report).
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "app/cmd_events.hpp"
#include "app/commands.hpp"
#include "app/enrich_options.hpp"
#include "core/time.hpp"
#include "enrich/enricher.hpp"

namespace darkscope {
namespace {

struct FeedOptions {
  std::string db;
  std::string fingerprint = "mirai";
  std::string by;
  std::string from;
  std::string to;
  std::string sensor;
  std::string format;
  std::size_t max_ports = 0;
  bool no_enrich = false;
  EnrichOptions enrich;
};

// RFC 4180: quote a field that holds a comma, a quote or a line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

/// The first `max` ports (most packets first; 0: all).
std::vector<std::string> first_ports(const std::vector<std::string>& ports, std::size_t max) {
  if (max == 0 || ports.size() <= max) return ports;
  return {ports.begin(), ports.begin() + static_cast<std::ptrdiff_t>(max)};
}

std::string join_ports(const std::vector<std::string>& ports) {
  std::string s;
  for (const auto& p : ports) s += (s.empty() ? "" : " ") + p;
  return s;
}

nlohmann::json record_json(const FeedRecord& r, std::size_t max_ports) {
  return {{"ip", r.ip.to_string()},
          {"asn", r.asn},
          {"as_name", r.as_name},
          {"country", r.country},
          {"tag", r.tag},
          {"first_seen", format_iso8601(r.first_seen_ns)},
          {"last_seen", format_iso8601(r.last_seen_ns)},
          {"packets", r.packets},
          {"ports", first_ports(r.ports, max_ports)},
          {"ports_total", r.ports.size()}};
}

int run_feed(const FeedOptions& o) {
  FeedQuery q;
  q.fingerprint = 0;
  for (int i = 0; i < kFingerprintCount; ++i) {
    if (kFingerprintNames[static_cast<std::size_t>(i)] == o.fingerprint) {
      q.fingerprint = static_cast<std::uint16_t>(1u << i);
    }
  }
  q.from_ns = parse_event_time("--from", o.from);
  q.to_ns = parse_event_time("--to", o.to);
  if (!o.sensor.empty()) q.sensor = o.sensor;
  q.by = o.by;
  EventsStore store(o.db, false);
  auto records = store.feed(q);
  if (!o.no_enrich) {
    try {
      Enricher enricher(o.enrich);
      for (auto& r : records) {
        if (r.asn != 0) r.as_name = std::string(enricher.as_name(r.asn));
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "darkscope: warning: no AS names: %s\n", e.what());
    }
  }

  if (o.format == "csv") {
    std::puts("ip,asn,as_name,country,tag,first_seen,last_seen,packets,ports");
    for (const auto& r : records) {
      std::printf("%s,%u,%s,%s,%s,%s,%s,%llu,%s\n", r.ip.to_string().c_str(), r.asn,
                  csv_field(r.as_name).c_str(), csv_field(r.country).c_str(), r.tag.c_str(),
                  format_iso8601(r.first_seen_ns).c_str(), format_iso8601(r.last_seen_ns).c_str(),
                  static_cast<unsigned long long>(r.packets),
                  join_ports(first_ports(r.ports, o.max_ports)).c_str());
    }
    return 0;
  }
  nlohmann::json out = nlohmann::json::array();
  if (o.by.empty()) {
    for (const auto& r : records) out.push_back(record_json(r, o.max_ports));
  } else {
    // Records arrive ordered by the group key: one object per ASN or country.
    for (const auto& r : records) {
      const bool by_asn = o.by == "asn";
      const bool same = !out.empty() && (by_asn ? out.back()["asn"] == r.asn
                                                : out.back()["country"] == r.country);
      if (!same) {
        nlohmann::json group = by_asn ? nlohmann::json{{"asn", r.asn}, {"as_name", r.as_name}}
                                      : nlohmann::json{{"country", r.country}};
        group["hosts"] = 0;
        group["packets"] = 0;
        group["records"] = nlohmann::json::array();
        out.push_back(std::move(group));
      }
      auto& g = out.back();
      g["hosts"] = g["hosts"].get<std::uint64_t>() + 1;
      g["packets"] = g["packets"].get<std::uint64_t>() + r.packets;
      g["records"].push_back(record_json(r, o.max_ports));
    }
  }
  std::puts(out.dump(2).c_str());
  return 0;
}

}  // namespace

void add_feed_command(CLI::App& app) {
  auto opts = std::make_shared<FeedOptions>();
  CLI::App* cmd = app.add_subcommand(
      "feed", "Hosts that showed a fingerprint (e.g. Mirai), for notifying network owners");
  cmd->add_option("--db", opts->db, "the SQLite database written by ingest")
      ->required()
      ->check(CLI::ExistingFile);
  std::vector<std::string> names(kFingerprintNames.begin(), kFingerprintNames.end());
  cmd->add_option("--fingerprint", opts->fingerprint, "the tag")
      ->capture_default_str()
      ->check(CLI::IsMember(names));
  cmd->add_option("--by", opts->by, "asn|country: order (and in JSON group) hosts by it")
      ->check(CLI::IsMember({"asn", "country"}));
  cmd->add_option("--from", opts->from, "first UTC day counted (a time counts its whole day)");
  cmd->add_option("--to", opts->to, "period end, exclusive");
  cmd->add_option("--sensor", opts->sensor, "only this sensor (default: all)");
  cmd->add_option("--format", opts->format, "csv|json")
      ->required()
      ->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("--max-ports", opts->max_ports,
                  "list at most this many ports per host, most packets first (0: all; JSON's "
                  "ports_total counts them all)")
      ->capture_default_str();
  add_enrich_data_options(cmd, opts->enrich);
  cmd->add_flag("--no-enrich", opts->no_enrich, "leave as_name empty")->group("Enrichment");
  cmd->footer(
      "One record per host: ip, asn, as_name, country, tag, first_seen, last_seen, packets, ports "
      "(space-separated ranking keys, most packets first). Only the UTC days on which the host "
      "showed the fingerprint count; country and ASN are those of its latest such day.");
  cmd->callback([opts] {
    const int code = run_feed(*opts);
    if (code != 0) throw ExitStatus{code};
  });
}

}  // namespace darkscope
