// Where the default data lives and what its licences require us to say.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "enrich/enricher.hpp"

namespace darkscope {
namespace {

std::filesystem::path exe_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path{} : exe.parent_path();
}

}  // namespace

std::vector<std::string> data_search_dirs() {
  std::vector<std::string> bases;
  if (const char* env = std::getenv("DARKSCOPE_DATA_DIR"); env != nullptr && *env != '\0') {
    bases.emplace_back(env);
  }
  const auto dir = exe_dir();
  if (!dir.empty()) {
    bases.push_back((dir / "../../data/node_modules/@ip-location-db").lexically_normal().string());
    bases.push_back((dir / "../share/darkscope").lexically_normal().string());
  }
  bases.emplace_back("/usr/share/darkscope");
  std::vector<std::string> dirs;
  for (const auto& b : bases) {
    dirs.push_back(b);
    // A data directory holding the npm tree itself is accepted too.
    dirs.push_back((std::filesystem::path(b) / "node_modules/@ip-location-db").string());
  }
  return dirs;
}

std::string find_data_file(std::string_view relative) {
  std::error_code ec;
  for (const auto& d : data_search_dirs()) {
    const auto p = std::filesystem::path(d) / relative;
    if (std::filesystem::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

std::string data_attribution() {
  const auto country = find_data_file("dbip-country-mmdb/dbip-country.mmdb");
  const auto asn4 = find_data_file("asn/asn-ipv4.csv");
  const auto asn6 = find_data_file("asn/asn-ipv6.csv");
  std::string out = "Data files (default; --geo-db/--asn-db replace them):\n";
  out += "  country: " + (country.empty() ? std::string("not found (run scripts/setup)") : country) + "\n";
  out += "    IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0,\n";
  out += "    packaged by ip-location-db (https://github.com/sapics/ip-location-db)\n";
  out += "  asn: " + (asn4.empty() ? std::string("not found (run scripts/setup)") : asn4) +
         (asn6.empty() ? std::string() : ", " + asn6) + "\n";
  out += "    RouteViews (https://www.routeviews.org), NRO (https://www.nro.net) and DB-IP\n";
  out += "    (https://db-ip.com), CC BY 4.0, packaged by ip-location-db\n";
  out += "  research scanners: built-in list of published ranges, each with its source\n";
  out += "Licence texts and attribution: DATA-LICENSES.md\n";
  return out;
}

}  // namespace darkscope
