// darkscope lookup: what the enrichment data says about given addresses.
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "app/enrich_options.hpp"
#include "enrich/enricher.hpp"

namespace darkscope {
namespace {

struct LookupOptions {
  EnrichOptions enrich;
  std::vector<std::string> addresses;
  bool json = false;
};

void run_lookup(const LookupOptions& o) {
  std::vector<IpAddress> addresses;
  for (const auto& text : o.addresses) {
    const auto a = IpAddress::parse(text);
    if (!a) throw std::runtime_error("not an IP address: '" + text + "'");
    addresses.push_back(*a);
  }
  Enricher enricher(o.enrich);
  for (const auto& w : enricher.warnings()) std::fprintf(stderr, "darkscope: warning: %s\n", w.c_str());

  if (o.json) {
    using nlohmann::json;
    json out = json::array();
    for (const auto& a : addresses) {
      const auto info = enricher.lookup(a);
      out.push_back({{"ip", a.to_string()},
                     {"country", info.country ? json(*info.country) : json(nullptr)},
                     {"asn", info.asn ? json(*info.asn) : json(nullptr)},
                     {"as_name", info.as_name ? json(*info.as_name) : json(nullptr)},
                     {"scanner", info.scanner ? json(*info.scanner) : json(nullptr)}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  // One tab-separated line per address: ip, country, AS, AS name, scanner ('-' = unknown).
  for (const auto& a : addresses) {
    const auto info = enricher.lookup(a);
    std::printf("%s\t%s\t%s\t%s\t%s\n", a.to_string().c_str(), info.country.value_or("-").c_str(),
                info.asn ? ("AS" + std::to_string(*info.asn)).c_str() : "-", info.as_name.value_or("-").c_str(),
                info.scanner.value_or("-").c_str());
  }
}

}  // namespace

void add_lookup_command(CLI::App& app) {
  auto opts = std::make_shared<LookupOptions>();
  auto* cmd = app.add_subcommand(
      "lookup", "Show country, AS and research-scanner organisation of addresses (tab-separated: "
                "ip, country, AS, AS name, scanner; '-' where unknown)");
  add_enrich_data_options(cmd, opts->enrich);
  cmd->add_flag("--json", opts->json, "a JSON array of {ip, country, asn, as_name, scanner}");
  cmd->add_option("IP", opts->addresses, "IPv4 or IPv6 addresses")->required();
  cmd->callback([opts] { run_lookup(*opts); });
}

}  // namespace darkscope
