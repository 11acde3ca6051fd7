// darkscope packets: one line per packet, for checking a single packet by eye.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "app/enrich_options.hpp"
#include "app/pipeline.hpp"
#include "core/time.hpp"
#include "enrich/enricher.hpp"

namespace darkscope {
namespace {

struct PacketsOptions {
  std::vector<std::string> files;
  std::string darknet;
  bool json = false;
  bool mirai_strict = false;
  bool observed_only = false;
  std::uint64_t limit = 0;
  EnrichOptions enrich;
  bool no_enrich = false;
};

const char* protocol_text(std::uint8_t p) {
  switch (p) {
    case kProtoTcp:
      return "tcp";
    case kProtoUdp:
      return "udp";
    case kProtoIcmp:
      return "icmp";
    case kProtoIcmpv6:
      return "icmp6";
    default:
      return nullptr;
  }
}

std::string tcp_flags_text(std::uint8_t flags) {
  static constexpr char kLetters[] = "FSRPAUEC";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (flags & (1u << i)) out += kLetters[i];
  }
  return out.empty() ? "." : out;
}

std::vector<std::string> bit_names(std::uint32_t bits, const auto& names) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (bits & (1u << i)) out.emplace_back(names[i]);
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

class PrintSink : public PacketSink {
 public:
  PrintSink(const PacketsOptions& o, const Enricher* enricher) : o_(o), enricher_(enricher) {}

  void on_packet(const PacketRecord& r) override {
    if (o_.observed_only && !r.observed) return;
    if (o_.limit != 0 && printed_ >= o_.limit) return;
    ++printed_;
    const char* proto = protocol_text(r.protocol);
    const std::string proto_text = proto ? proto : std::to_string(r.protocol);
    // Ports exist only where the transport header was decoded: not on non-first
    // fragments, not when the header was cut short.
    const bool has_ports =
        r.fragment_offset == 0 &&
        ((r.protocol == kProtoTcp && !r.has_anomaly(kAnTruncatedTcpHeader)) ||
         (r.protocol == kProtoUdp && !r.has_anomaly(kAnTruncatedUdpHeader)));
    const bool is_icmp = r.protocol == kProtoIcmp || r.protocol == kProtoIcmpv6;
    const auto fps = bit_names(r.fingerprints, kFingerprintNames);
    const auto anomalies = bit_names(r.anomalies, kAnomalyNames);
    const std::string cc = r.country[0] ? std::string(r.country.data(), 2) : "";
    if (o_.json) {
      using nlohmann::json;
      json j = {{"time", format_iso8601(r.ts_ns)},
                {"src", r.source_known() ? json(r.src.to_string()) : json(nullptr)},
                {"dst", r.source_known() ? json(r.dst.to_string()) : json(nullptr)},
                {"proto", r.source_known() ? json(proto_text) : json(nullptr)},
                {"class", std::string(to_string(r.traffic_class))},
                {"observed", r.observed},
                {"length", r.wire_len},
                {"ttl", r.ttl},
                {"ip_id", r.ip_id},
                {"fingerprints", fps},
                {"anomalies", anomalies}};
      if (has_ports) {
        j["sport"] = r.src_port;
        j["dport"] = r.dst_port;
      }
      if (has_ports && r.protocol == kProtoTcp) {
        j["flags"] = tcp_flags_text(r.tcp_flags);
        j["seq"] = r.tcp_seq;
        j["window"] = r.tcp_window;
      }
      if (is_icmp && r.fragment_offset == 0 && !r.has_anomaly(kAnTruncatedIcmpHeader)) {
        j["icmp_type"] = r.icmp_type;
        j["icmp_code"] = r.icmp_code;
      }
      if (r.quoted.present) {
        j["quoted"] = {{"src", r.quoted.src.to_string()},
                       {"dst", r.quoted.dst.to_string()},
                       {"proto", r.quoted.protocol},
                       {"sport", r.quoted.src_port},
                       {"dport", r.quoted.dst_port}};
      }
      if (enricher_ != nullptr) {
        j["country"] = cc.empty() ? json(nullptr) : json(cc);
        j["asn"] = r.asn == 0 ? json(nullptr) : json(r.asn);
        j["scanner"] = r.scanner_org == 0 ? json(nullptr)
                                          : json(std::string(enricher_->org_name(r.scanner_org)));
      }
      std::puts(j.dump().c_str());
      return;
    }
    std::string line = format_iso8601(r.ts_ns) + " ";
    if (!r.source_known()) {
      line += "? -> ?";
    } else if (has_ports) {
      line += r.src.to_string() + ":" + std::to_string(r.src_port) + " -> " + r.dst.to_string() + ":" +
              std::to_string(r.dst_port);
    } else {
      line += r.src.to_string() + " -> " + r.dst.to_string();
    }
    line += " " + (r.source_known() ? proto_text : std::string("?"));
    if (has_ports && r.protocol == kProtoTcp) {
      line += " [" + tcp_flags_text(r.tcp_flags) + "] seq " + std::to_string(r.tcp_seq) + " win " +
              std::to_string(r.tcp_window);
    }
    if (is_icmp && r.fragment_offset == 0 && !r.has_anomaly(kAnTruncatedIcmpHeader)) {
      line += " type " + std::to_string(r.icmp_type) + " code " + std::to_string(r.icmp_code);
    }
    if (r.source_known()) line += " ttl " + std::to_string(r.ttl) + " id " + std::to_string(r.ip_id);
    line += "  " + std::string(to_string(r.traffic_class));
    if (!r.observed) line += " (outside)";
    if (!fps.empty()) line += "  fp=" + join(fps);
    if (!anomalies.empty()) line += "  anomalies=" + join(anomalies);
    if (r.quoted.present) {
      line += "  quoted " + r.quoted.src.to_string() + ":" + std::to_string(r.quoted.src_port) +
              " -> " + r.quoted.dst.to_string() + ":" + std::to_string(r.quoted.dst_port);
    }
    if (enricher_ != nullptr && r.source_known()) {
      line += "  " + (cc.empty() ? std::string("??") : cc);
      if (r.asn != 0) line += " AS" + std::to_string(r.asn);
      if (r.scanner_org != 0) line += " [" + std::string(enricher_->org_name(r.scanner_org)) + "]";
    }
    std::puts(line.c_str());
  }

 private:
  const PacketsOptions& o_;
  const Enricher* enricher_;
  std::uint64_t printed_ = 0;
};

int run_packets(const PacketsOptions& o) {
  PipelineOptions p;
  p.darknet = PrefixSet::parse_list(o.darknet);
  p.classify.mirai_strict = o.mirai_strict;
  std::unique_ptr<Enricher> enricher;
  if (!o.no_enrich) {
    enricher = std::make_unique<Enricher>(o.enrich);
    for (const auto& w : enricher->warnings()) std::fprintf(stderr, "darkscope: warning: %s\n", w.c_str());
    p.enricher = enricher.get();
  }
  PrintSink sink(o, enricher.get());
  const PipelineResult result = run_files(o.files, p, sink);
  if (result.non_ip != 0) {
    std::fprintf(stderr, "darkscope: %llu non-IP frame(s) not shown\n",
                 static_cast<unsigned long long>(result.non_ip));
  }
  return result.exit_code();
}

}  // namespace

void add_packets_command(CLI::App& app) {
  auto opts = std::make_shared<PacketsOptions>();
  CLI::App* cmd = app.add_subcommand("packets", "Print every decoded packet, one per line");
  cmd->add_option("files", opts->files, "capture files")->required();
  cmd->add_option("--darknet", opts->darknet, "darknet prefixes, CIDR[,CIDR...]");
  cmd->add_flag("--json", opts->json, "one JSON object per line");
  cmd->add_flag("--mirai-strict", opts->mirai_strict, "Mirai also requires source port > 1024");
  cmd->add_flag("--observed-only", opts->observed_only, "hide packets outside the darknet");
  cmd->add_option("--limit", opts->limit, "stop printing after N packets (0: all)");
  add_enrich_options(cmd, opts->enrich, opts->no_enrich);
  cmd->callback([opts] {
    const int code = run_packets(*opts);
    if (code != 0) throw ExitStatus{code};
  });
}

}  // namespace darkscope
