// darkscope events: scans, DoS attacks and port surges found while ingesting.
#include "app/cmd_events.hpp"

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "core/time.hpp"

namespace darkscope {

EventOptions EventFlags::options() const {
  const auto ns = [](double s) { return static_cast<std::int64_t>(s * 1e9); };
  EventOptions o;
  o.scan.idle_timeout_ns = ns(scan_timeout_s);
  o.scan.min_packets = scan_min_packets;
  o.scan.internet_wide_destinations = scan_min_destinations;
  o.scan.internet_wide_pps = scan_min_pps;
  o.dos.min_packets = dos_min_packets;
  o.dos.min_duration_ns = ns(dos_min_duration_s);
  o.dos.min_window_packets = dos_min_window_packets;
  o.dos.idle_timeout_ns = ns(dos_timeout_s);
  o.surge.min_factor = surge_factor;
  o.surge.min_packets = surge_min_packets;
  o.surge.min_sources = surge_min_sources;
  o.surge.min_history_days = surge_min_history;
  return o;
}

void add_event_flags(CLI::App* cmd, EventFlags& f) {
  const char* g = "Events";
  cmd->add_flag("--no-events", f.disabled, "do not look for scans, DoS attacks and surges")->group(g);
  cmd->add_option("--scan-timeout", f.scan_timeout_s, "seconds of silence that end a scan")
      ->capture_default_str()->check(CLI::PositiveNumber)->group(g);
  cmd->add_option("--scan-min-packets", f.scan_min_packets,
                  "packets a scan needs to be stored (1: every probe; single probes are in the "
                  "per-source counts anyway)")
      ->capture_default_str()->group(g);
  cmd->add_option("--scan-min-destinations", f.scan_min_destinations,
                  "darknet destinations an Internet-wide scan needs")
      ->capture_default_str()->group(g);
  cmd->add_option("--scan-min-pps", f.scan_min_pps,
                  "estimated Internet-wide packets/s an Internet-wide scan needs")
      ->capture_default_str()->group(g);
  cmd->add_option("--dos-min-packets", f.dos_min_packets, "backscatter packets an attack needs")
      ->capture_default_str()->group(g);
  cmd->add_option("--dos-min-duration", f.dos_min_duration_s, "seconds an attack must last")
      ->capture_default_str()->group(g);
  cmd->add_option("--dos-min-window-packets", f.dos_min_window_packets,
                  "packets an attack needs within some 60 s window")
      ->capture_default_str()->group(g);
  cmd->add_option("--dos-timeout", f.dos_timeout_s, "seconds of silence that end an attack")
      ->capture_default_str()->check(CLI::PositiveNumber)->group(g);
  cmd->add_option("--surge-factor", f.surge_factor, "day / baseline a surge needs")
      ->capture_default_str()->group(g);
  cmd->add_option("--surge-min-packets", f.surge_min_packets,
                  "packets a port needs on a day to surge on packets")
      ->capture_default_str()->group(g);
  cmd->add_option("--surge-min-sources", f.surge_min_sources,
                  "unique sources a port needs on a day to surge on sources")
      ->capture_default_str()->group(g);
  cmd->add_option("--surge-min-history", f.surge_min_history,
                  "days with data among the 28 before a day needed to judge it")
      ->capture_default_str()->group(g);
}

std::optional<std::int64_t> parse_event_time(const std::string& flag, const std::string& text) {
  if (text.empty()) return std::nullopt;
  const auto ns = parse_time(text);
  if (!ns) {
    throw CLI::ValidationError(
        flag, "'" + text + "' is not a time (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or Unix seconds)");
  }
  return ns;
}

std::string protocol_text(std::uint8_t protocol) {
  switch (protocol) {
    case kProtoTcp:
      return "tcp";
    case kProtoUdp:
      return "udp";
    case kProtoIcmp:
      return "icmp";
    case kProtoIcmpv6:
      return "icmpv6";
    default:
      return std::to_string(protocol);
  }
}

namespace {

struct EventsOptions {
  std::string db;
  std::string type;
  std::string from;
  std::string to;
  std::string sensor;
  bool json = false;
};

nlohmann::json fingerprint_names(std::uint16_t bits) {
  nlohmann::json out = nlohmann::json::array();
  for (int i = 0; i < kFingerprintCount; ++i) {
    if ((bits & (1u << i)) != 0) out.push_back(kFingerprintNames[static_cast<std::size_t>(i)]);
  }
  return out;
}

std::string day_text(std::int64_t day) { return format_date(day * kNsPerDay); }

int run_events(const EventsOptions& o) {
  EventQuery q;
  q.from_ns = parse_event_time("--from", o.from);
  q.to_ns = parse_event_time("--to", o.to);
  if (!o.sensor.empty()) q.sensor = o.sensor;
  EventsStore store(o.db, false);
  nlohmann::json out = nlohmann::json::array();
  if (o.type == "scan") {
    const auto rows = store.scans(q);
    if (!o.json) {
      std::printf("%-39s %-5s %5s %-12s %-27s %-27s %9s %12s %14s %s\n", "source", "proto", "port",
                  "class", "start", "end", "packets", "destinations", "estimated_pps",
                  "internet_wide");
    }
    for (const auto& row : rows) {
      const ScanEvent& e = row.event;
      if (o.json) {
        out.push_back({{"source", e.source.to_string()},
                       {"proto", protocol_text(e.protocol)},
                       {"port", e.port},
                       {"class", to_string(e.traffic_class)},
                       {"start", format_iso8601(e.start_ns)},
                       {"end", format_iso8601(e.end_ns)},
                       {"packets", e.packets},
                       {"destinations", e.destinations},
                       {"destinations_exact", e.destinations_exact},
                       {"estimated_pps", e.estimated_pps},
                       {"internet_wide", e.internet_wide},
                       {"fingerprints", fingerprint_names(e.fingerprints)},
                       {"sensor", row.sensor}});
      } else {
        std::printf("%-39s %-5s %5u %-12s %-27s %-27s %9llu %11llu%s %14.1f %s\n",
                    e.source.to_string().c_str(), protocol_text(e.protocol).c_str(), e.port,
                    std::string(to_string(e.traffic_class)).c_str(),
                    format_iso8601(e.start_ns).c_str(), format_iso8601(e.end_ns).c_str(),
                    static_cast<unsigned long long>(e.packets),
                    static_cast<unsigned long long>(e.destinations),
                    e.destinations_exact ? " " : "~", e.estimated_pps,
                    e.internet_wide ? "yes" : "no");
      }
    }
    if (!o.json && rows.empty()) std::puts("  (no scans stored in this period)");
  } else if (o.type == "dos") {
    const auto rows = store.dos(q);
    if (!o.json) {
      std::printf("%-39s %-6s %-27s %-27s %9s %11s %8s %6s %9s %14s\n", "victim", "proto", "start",
                  "end", "packets", "bytes", "darknet", "ports", "peak_pps", "estimated_pps");
    }
    for (const auto& row : rows) {
      const DosEvent& e = row.event;
      if (o.json) {
        out.push_back({{"victim", e.victim.to_string()},
                       {"protocol", protocol_text(e.protocol)},
                       {"start", format_iso8601(e.start_ns)},
                       {"end", format_iso8601(e.end_ns)},
                       {"packets", e.packets},
                       {"bytes", e.bytes},
                       {"darknet_addresses", e.darknet_addresses},
                       {"ports", e.ports},
                       {"peak_window_packets", e.peak_window_packets},
                       {"peak_pps", e.peak_pps},
                       {"estimated_pps", e.estimated_pps},
                       {"sensor", row.sensor}});
      } else {
        std::printf("%-39s %-6s %-27s %-27s %9llu %11llu %8llu %6llu %9.2f %14.1f\n",
                    e.victim.to_string().c_str(), protocol_text(e.protocol).c_str(),
                    format_iso8601(e.start_ns).c_str(), format_iso8601(e.end_ns).c_str(),
                    static_cast<unsigned long long>(e.packets),
                    static_cast<unsigned long long>(e.bytes),
                    static_cast<unsigned long long>(e.darknet_addresses),
                    static_cast<unsigned long long>(e.ports), e.peak_pps, e.estimated_pps);
      }
    }
    if (!o.json && rows.empty()) std::puts("  (no DoS attacks stored in this period)");
  } else {
    const auto rows = store.surges(q);
    if (!o.json) {
      std::printf("%-10s %-10s %10s %10s %8s %8s  %s\n", "port", "day", "packets", "baseline",
                  "factor", "sources", "fingerprints / countries");
    }
    for (const auto& row : rows) {
      const SurgeEvent& e = row.event;
      if (o.json) {
        nlohmann::json fps = nlohmann::json::array();
        for (const auto& [name, n] : e.fingerprints) fps.push_back({{"fingerprint", name}, {"packets", n}});
        nlohmann::json ccs = nlohmann::json::array();
        for (const auto& [cc, n] : e.countries) ccs.push_back({{"country", cc}, {"packets", n}});
        out.push_back({{"proto", protocol_text(e.protocol)},
                       {"port", e.port},
                       {"day", day_text(e.finding.day)},
                       {"packets", e.finding.packets},
                       {"baseline", e.finding.baseline},
                       {"factor", e.finding.factor},
                       {"metric", e.finding.metric},
                       {"sources", e.finding.sources},
                       {"fingerprints", fps},
                       {"countries", ccs},
                       {"sensor", row.sensor}});
      } else {
        std::string who;
        for (std::size_t i = 0; i < e.fingerprints.size() && i < 3; ++i) {
          who += (who.empty() ? "" : " ") + e.fingerprints[i].first + ":" +
                 std::to_string(e.fingerprints[i].second);
        }
        who += who.empty() ? "-" : "";
        who += " /";
        for (std::size_t i = 0; i < e.countries.size() && i < 3; ++i) {
          who += " " + e.countries[i].first + ":" + std::to_string(e.countries[i].second);
        }
        const std::string port =
            e.protocol == kProtoIcmp ? "icmp" : protocol_text(e.protocol) + "/" + std::to_string(e.port);
        std::printf("%-10s %-10s %10llu %10.1f %8.1f %8llu  %s%s\n", port.c_str(),
                    day_text(e.finding.day).c_str(),
                    static_cast<unsigned long long>(e.finding.packets), e.finding.baseline,
                    e.finding.factor, static_cast<unsigned long long>(e.finding.sources),
                    who.c_str(), e.finding.metric == "sources" ? " (on sources)" : "");
      }
    }
    if (!o.json && rows.empty()) std::puts("  (no surges stored in this period)");
  }
  if (o.json) std::puts(out.dump(2).c_str());
  return 0;
}

}  // namespace

void add_events_command(CLI::App& app) {
  auto opts = std::make_shared<EventsOptions>();
  CLI::App* cmd = app.add_subcommand("events", "Scans, DoS attacks and port surges found by ingest");
  cmd->add_option("--db", opts->db, "the SQLite database written by ingest")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--type", opts->type, "scan|dos|surge")
      ->required()
      ->check(CLI::IsMember({"scan", "dos", "surge"}));
  cmd->add_option("--from", opts->from, "events that end at or after this time (a bare date is 00:00 UTC)");
  cmd->add_option("--to", opts->to, "events that start before this time");
  cmd->add_option("--sensor", opts->sensor, "only this sensor (default: all)");
  cmd->add_flag("--json", opts->json, "a JSON array, oldest first");
  cmd->footer(
      "scan: {source, proto, port, start, end, packets, destinations, estimated_pps, internet_wide}\n"
      "dos: {victim, protocol, start, end, packets, bytes, darknet_addresses, ports, peak_pps, "
      "estimated_pps}\nsurge: {proto, port, day, packets, baseline, factor, sources, fingerprints, "
      "countries}\nSee docs/EVENTS.md for the rules and how to tune them.");
  cmd->callback([opts] {
    const int code = run_events(*opts);
    if (code != 0) throw ExitStatus{code};
  });
}

}  // namespace darkscope
