// darkscope analyze: a correct, fast account of what arrived at the darknet.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyze/summary.hpp"
#include "app/commands.hpp"
#include "app/enrich_options.hpp"
#include "app/pipeline.hpp"
#include "core/services.hpp"
#include "core/time.hpp"
#include "decode/decoder.hpp"
#include "enrich/enricher.hpp"

namespace darkscope {
namespace {

struct AnalyzeOptions {
  std::vector<std::string> files;
  std::string interface;
  std::string darknet;
  bool json = false;
  bool mirai_strict = false;
  bool quiet = false;
  std::size_t top = 10;
  EnrichOptions enrich;
  bool no_enrich = false;
};

class SummarySink : public PacketSink {
 public:
  explicit SummarySink(const PrefixSet& darknet) : summary(darknet) {}
  void on_packet(const PacketRecord& r) override { summary.add(r); }
  void on_batch(std::span<const PacketRecord> records) override {
    for (const PacketRecord& r : records) summary.add(r);
  }
  TrafficSummary summary;
};

std::string country_text(const std::string& cc) { return cc.empty() ? "unknown" : cc; }

nlohmann::json to_json(const PipelineResult& result, const TrafficSummary& s, const Enricher* enricher,
                       std::size_t top) {
  using nlohmann::json;
  json out = json::object();
  json files = json::array();
  for (const auto& f : result.files) {
    files.push_back({{"path", f.path},
                     {"format", f.format.empty() ? json(nullptr) : json(f.format)},
                     {"compression", f.compression},
                     {"link_types", f.link_types},
                     {"packets", f.packets},
                     {"complete", f.complete},
                     {"error", f.error.empty() ? json(nullptr) : json(f.error)}});
  }
  out["files"] = files;
  out["packets"] = result.frames;
  out["non_ip"] = result.non_ip;
  out["outside"] = s.outside();
  out["observed"] = s.observed();
  out["first_seen"] = s.observed() ? json(format_iso8601(s.first_seen_ns())) : json(nullptr);
  out["last_seen"] = s.observed() ? json(format_iso8601(s.last_seen_ns())) : json(nullptr);
  json classes = json::object();
  for (int i = 0; i < kTrafficClassCount; ++i) {
    classes[std::string(kTrafficClassNames[i])] = s.class_count(static_cast<TrafficClass>(i));
  }
  out["classes"] = classes;
  json fingerprints = json::object();
  for (int i = 0; i < kFingerprintCount; ++i) {
    fingerprints[std::string(kFingerprintNames[i])] = s.fingerprint_count(i);
  }
  out["fingerprints"] = fingerprints;
  out["sources"] = s.unique_sources();
  out["destinations"] = s.unique_destinations();
  json ports = json::array();
  for (const auto& row : s.top_ports(top)) {
    const auto service = service_name(row.key.protocol, row.key.port);
    ports.push_back({{"key", row.key.text()},
                     {"proto", row.key.protocol_name()},
                     {"port", row.key.protocol == kProtoIcmp ? json(nullptr) : json(row.key.port)},
                     {"service", service.empty() ? json(nullptr) : json(std::string(service))},
                     {"packets", row.packets}});
  }
  out["top_ports"] = ports;
  json anomalies = json::object();
  for (int i = 0; i < kAnomalyCount; ++i) {
    anomalies[std::string(kAnomalyNames[i])] = s.anomaly_count(i);
  }
  out["anomalies"] = anomalies;

  json countries = json::array();
  json asns = json::array();
  json scanners = json::object();
  if (enricher != nullptr) {
    for (const auto& row : s.top_countries(top)) {
      countries.push_back({{"key", row.country.empty() ? json(nullptr) : json(row.country)},
                           {"packets", row.packets},
                           {"sources", row.sources}});
    }
    for (const auto& row : s.top_asns(top)) {
      const auto name = enricher->as_name(row.asn);
      asns.push_back({{"asn", row.asn == 0 ? json(nullptr) : json(row.asn)},
                      {"as_name", name.empty() ? json(nullptr) : json(std::string(name))},
                      {"packets", row.packets},
                      {"sources", row.sources}});
    }
    for (const auto& row : s.scanner_orgs()) {
      scanners[std::string(enricher->org_name(row.org))] = row.packets;
    }
  }
  out["top_countries"] = countries;
  out["top_asns"] = asns;
  out["scanners"] = scanners;
  out["research_packets"] = enricher != nullptr ? json(s.research_packets()) : json(nullptr);
  return out;
}

std::string with_commas(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%5.1f%%",
                whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

void print_text(const AnalyzeOptions& o, const PipelineResult& result, const TrafficSummary& s,
                const Enricher* enricher) {
  std::printf("Inputs\n");
  for (const auto& f : result.files) {
    std::string link;
    for (auto t : f.link_types) {
      if (!link.empty()) link += ",";
      const auto name = link_type_name(t);
      link += name.empty() ? std::to_string(t) : std::string(name);
    }
    std::printf("  %s  %s%s  link %s  %s packets  %s\n", f.path.c_str(),
                f.format.empty() ? "?" : f.format.c_str(),
                f.compression == "none" ? "" : ("+" + f.compression).c_str(),
                link.empty() ? "-" : link.c_str(), with_commas(f.packets).c_str(),
                f.complete && f.error.empty() ? "ok" : ("ERROR: " + f.error).c_str());
  }
  std::printf("\nPackets\n");
  std::printf("  read      %15s\n", with_commas(result.frames).c_str());
  std::printf("  non-IP    %15s\n", with_commas(result.non_ip).c_str());
  std::printf("  outside   %15s\n", with_commas(s.outside()).c_str());
  std::printf("  observed  %15s   %s\n", with_commas(s.observed()).c_str(),
              o.darknet.empty() && o.interface.empty()
                  ? "(no --darknet given: every packet counts as observed)"
                  : ("darknet " + o.darknet).c_str());
  if (s.observed() != 0) {
    std::printf("  from %s to %s\n", format_iso8601(s.first_seen_ns()).c_str(),
                format_iso8601(s.last_seen_ns()).c_str());
  }
  std::printf("  unique sources %s, destinations %s\n", with_commas(s.unique_sources()).c_str(),
              with_commas(s.unique_destinations()).c_str());

  std::printf("\nTraffic classes\n");
  for (int i = 0; i < kTrafficClassCount; ++i) {
    const auto n = s.class_count(static_cast<TrafficClass>(i));
    std::printf("  %-17s %15s  %s\n", std::string(kTrafficClassNames[i]).c_str(),
                with_commas(n).c_str(), percent(n, s.observed()).c_str());
  }
  std::printf("\nFingerprints\n");
  for (int i = 0; i < kFingerprintCount; ++i) {
    const auto n = s.fingerprint_count(i);
    std::printf("  %-17s %15s  %s\n", std::string(kFingerprintNames[i]).c_str(),
                with_commas(n).c_str(), percent(n, s.observed()).c_str());
  }
  std::printf("\nTop destination ports (probes: tcp-syn, tcp-other, udp, icmp-request)\n");
  int rank = 0;
  for (const auto& row : s.top_ports(o.top)) {
    const auto service = service_name(row.key.protocol, row.key.port);
    std::printf("  %3d. %-11s %-14s %15s  %s\n", ++rank, row.key.text().c_str(),
                std::string(service).c_str(), with_commas(row.packets).c_str(),
                percent(row.packets, s.observed()).c_str());
  }
  if (enricher != nullptr) {
    std::printf("\nTop source countries\n");
    rank = 0;
    for (const auto& row : s.top_countries(o.top)) {
      std::printf("  %3d. %-8s %15s packets  %10s sources\n", ++rank,
                  country_text(row.country).c_str(), with_commas(row.packets).c_str(),
                  with_commas(row.sources).c_str());
    }
    std::printf("\nTop source ASes\n");
    rank = 0;
    for (const auto& row : s.top_asns(o.top)) {
      const std::string asn = row.asn == 0 ? "unknown" : "AS" + std::to_string(row.asn);
      std::printf("  %3d. %-10s %-32.32s %15s packets  %8s sources\n", ++rank, asn.c_str(),
                  std::string(enricher->as_name(row.asn)).c_str(), with_commas(row.packets).c_str(),
                  with_commas(row.sources).c_str());
    }
    std::printf("\nResearch scanners: %s packets (%s of observed)\n",
                with_commas(s.research_packets()).c_str(),
                percent(s.research_packets(), s.observed()).c_str());
    for (const auto& row : s.scanner_orgs()) {
      std::printf("  %-28s %15s packets  %8s sources\n",
                  std::string(enricher->org_name(row.org)).c_str(), with_commas(row.packets).c_str(),
                  with_commas(row.sources).c_str());
    }
  }
  bool any_anomaly = false;
  for (int i = 0; i < kAnomalyCount; ++i) any_anomaly = any_anomaly || s.anomaly_count(i) != 0;
  if (any_anomaly) {
    std::printf("\nAnomalies\n");
    for (int i = 0; i < kAnomalyCount; ++i) {
      if (s.anomaly_count(i) == 0) continue;
      std::printf("  %-27s %15s\n", std::string(kAnomalyNames[i]).c_str(),
                  with_commas(s.anomaly_count(i)).c_str());
    }
  }
  if (result.live_stats) {
    std::printf("\nKernel: %s received, %s dropped, %s dropped by the interface\n",
                with_commas(result.live_stats->received).c_str(),
                with_commas(result.live_stats->dropped).c_str(),
                with_commas(result.live_stats->interface_dropped).c_str());
  }
}

int run_analyze(const AnalyzeOptions& o) {
  if (o.files.empty() == o.interface.empty()) {
    std::fprintf(stderr, "darkscope analyze: give capture FILEs or --interface IF (not both)\n");
    return 2;
  }
  PipelineOptions p;
  p.track_sources = true;  // the summary counts distinct sources from new_source
  p.darknet = PrefixSet::parse_list(o.darknet);
  p.classify.mirai_strict = o.mirai_strict;
  p.progress = !o.quiet;
  std::unique_ptr<Enricher> enricher;
  if (!o.no_enrich) {
    enricher = std::make_unique<Enricher>(o.enrich);
    for (const auto& w : enricher->warnings()) std::fprintf(stderr, "darkscope: warning: %s\n", w.c_str());
    p.enricher = enricher.get();
  }
  if (p.darknet.empty()) {
    std::fprintf(stderr,
                 "darkscope: note: no --darknet given: every packet counts as an observation\n");
  }
  SummarySink sink(p.darknet);
  PipelineResult result;
  if (!o.interface.empty()) {
    const auto& stop = install_stop_signals();
    std::fprintf(stderr, "darkscope: capturing on %s (filter: %s); Ctrl-C to stop\n",
                 o.interface.c_str(), p.darknet.empty() ? "none" : p.darknet.to_bpf().c_str());
    result = run_live(o.interface, p, sink, stop);
  } else {
    result = run_files(o.files, p, sink);
  }
  if (o.json) {
    std::puts(to_json(result, sink.summary, enricher.get(), o.top).dump(2).c_str());
    // The JSON object's keys are fixed; the kernel's counters of a live run go to stderr.
    if (result.live_stats) {
      std::fprintf(stderr, "darkscope: kernel: %llu received, %llu dropped, %llu dropped by the interface\n",
                   static_cast<unsigned long long>(result.live_stats->received),
                   static_cast<unsigned long long>(result.live_stats->dropped),
                   static_cast<unsigned long long>(result.live_stats->interface_dropped));
    }
  } else {
    print_text(o, result, sink.summary, enricher.get());
  }
  return result.exit_code();
}

}  // namespace

void add_analyze_command(CLI::App& app) {
  auto opts = std::make_shared<AnalyzeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "analyze", "Read captures (or a live interface), classify every packet and summarise it");
  cmd->add_option("files", opts->files, "pcap/pcapng files, optionally gzip/zstd/xz compressed");
  cmd->add_option("-i,--interface", opts->interface, "capture live from this interface until Ctrl-C");
  cmd->add_option("--darknet", opts->darknet,
                  "darknet prefixes, CIDR[,CIDR...]; other destinations count as 'outside'");
  cmd->add_flag("--json", opts->json, "print one JSON object instead of the readable summary");
  cmd->add_flag("--mirai-strict", opts->mirai_strict,
                "Mirai fingerprint also requires source port > 1024");
  cmd->add_option("--top", opts->top, "rows in the top-N tables")->capture_default_str();
  cmd->add_flag("-q,--quiet", opts->quiet, "no progress line on stderr");
  add_enrich_options(cmd, opts->enrich, opts->no_enrich);
  cmd->footer(
      "Exit status: 0 ok, 3 some input was damaged (read up to the damage), 2 an input could not "
      "be read.");
  cmd->callback([opts] {
    const int code = run_analyze(*opts);
    if (code != 0) throw ExitStatus{code};
  });
}

}  // namespace darkscope
