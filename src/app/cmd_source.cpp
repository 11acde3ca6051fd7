// darkscope source: one source address's profile (GreyNoise style) from the store.
#include <cstdio>
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

struct SourceOptions {
  std::string db;
  std::string ip;
  std::string sensor;
  bool json = false;
  EnrichOptions enrich;
};

int run_source(const SourceOptions& o) {
  const auto ip = IpAddress::parse(o.ip);
  if (!ip) throw CLI::ValidationError("IP", "'" + o.ip + "' is not an IPv4 or IPv6 address");
  EventsStore store(o.db, false);
  std::optional<std::string> sensor;
  if (!o.sensor.empty()) sensor = o.sensor;
  const auto p = store.profile(*ip, sensor);
  if (!p) {
    if (o.json) {
      std::puts(nlohmann::json({{"ip", ip->to_string()}, {"seen", false}}).dump(2).c_str());
    } else {
      std::printf("%s: never observed\n", ip->to_string().c_str());
    }
    return 1;
  }
  // AS names are not stored: the enrichment data names the number.
  std::string as_name;
  if (p->asn != 0) {
    try {
      Enricher enricher(o.enrich);
      as_name = std::string(enricher.as_name(p->asn));
    } catch (const std::exception&) {
      // Without ASN data the number alone is shown.
    }
  }
  std::vector<std::string> classes;
  for (int i = 0; i < kTrafficClassCount; ++i) {
    if ((p->classes & (1u << i)) != 0) classes.emplace_back(kTrafficClassNames[static_cast<std::size_t>(i)]);
  }
  std::vector<std::string> fingerprints;
  for (int i = 0; i < kFingerprintCount; ++i) {
    if ((p->fingerprints & (1u << i)) != 0) {
      fingerprints.emplace_back(kFingerprintNames[static_cast<std::size_t>(i)]);
    }
  }
  if (o.json) {
    nlohmann::json ports = nlohmann::json::array();
    for (const auto& [key, n] : p->ports) ports.push_back({{"port", key}, {"packets", n}});
    const nlohmann::json out = {
        {"ip", p->source.to_string()},
        {"seen", true},
        {"first_seen", format_iso8601(p->first_ns)},
        {"last_seen", format_iso8601(p->last_ns)},
        {"days", p->days},
        {"packets", p->packets},
        {"bytes", p->bytes},
        {"ports", ports},
        {"classes", classes},
        {"fingerprints", fingerprints},
        {"country", p->country},
        {"asn", p->asn},
        {"as_name", as_name},
        {"scanner_org", p->org},
        {"scans", p->scans},
        {"internet_wide_scans", p->internet_wide_scans},
        {"classification", to_string(p->verdict)},
        {"reason", p->reason}};
    std::puts(out.dump(2).c_str());
    return 0;
  }
  const auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? std::string("-") : s;
  };
  std::printf("%s\n", p->source.to_string().c_str());
  std::printf("  classification  %s (%s)\n", to_string(p->verdict), p->reason.c_str());
  std::printf("  first seen      %s\n", format_iso8601(p->first_ns).c_str());
  std::printf("  last seen       %s\n", format_iso8601(p->last_ns).c_str());
  std::printf("  days, packets   %llu, %llu\n", static_cast<unsigned long long>(p->days),
              static_cast<unsigned long long>(p->packets));
  std::printf("  country         %s\n", p->country.c_str());
  std::printf("  ASN             %s%s\n", p->asn != 0 ? ("AS" + std::to_string(p->asn)).c_str() : "-",
              as_name.empty() ? "" : (" " + as_name).c_str());
  std::printf("  scanner org     %s\n", p->org.empty() ? "-" : p->org.c_str());
  std::printf("  classes         %s\n", join(classes).c_str());
  std::printf("  fingerprints    %s\n", join(fingerprints).c_str());
  std::printf("  scans           %llu (%llu Internet-wide)\n", static_cast<unsigned long long>(p->scans),
              static_cast<unsigned long long>(p->internet_wide_scans));
  std::printf("  ports          ");
  std::size_t shown = 0;
  for (const auto& [key, n] : p->ports) {
    if (shown++ == 20) {
      std::printf(" ... (%zu in all)", p->ports.size());
      break;
    }
    std::printf(" %s:%llu", key.c_str(), static_cast<unsigned long long>(n));
  }
  std::printf("%s\n", p->ports.empty() ? " -" : "");
  return 0;
}

}  // namespace

void add_source_command(CLI::App& app) {
  auto opts = std::make_shared<SourceOptions>();
  CLI::App* cmd = app.add_subcommand("source", "What one source address did: its profile");
  cmd->add_option("--db", opts->db, "the SQLite database written by ingest")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("ip", opts->ip, "the source address")->required();
  cmd->add_option("--sensor", opts->sensor, "only this sensor (default: all)");
  cmd->add_flag("--json", opts->json,
                "a JSON object {ip, first_seen, last_seen, packets, ports, fingerprints, country, "
                "asn, as_name, scanner_org, classification, reason, ...}");
  add_enrich_data_options(cmd, opts->enrich);
  cmd->footer("classification: malicious (a Mirai fingerprint), benign (a listed research "
              "scanner), unknown otherwise.\nExit status: 0 found, 1 never observed, 2 error.");
  cmd->callback([opts] {
    const int code = run_source(*opts);
    if (code != 0) throw ExitStatus{code};
  });
}

}  // namespace darkscope
