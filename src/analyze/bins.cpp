#include "analyze/bins.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

#include "core/time.hpp"

namespace darkscope {

std::int64_t parse_bin_width(std::string_view text) noexcept {
  if (text == "5m") return kBin5m;
  if (text == "1h") return kBin1h;
  if (text == "1d") return kBin1d;
  return 0;
}

std::string bin_width_text(std::int64_t seconds) {
  switch (seconds) {
    case kBin5m:
      return "5m";
    case kBin1h:
      return "1h";
    case kBin1d:
      return "1d";
    default:
      return std::to_string(seconds) + "s";
  }
}

bool parse_bin_dimension(std::string_view text, BinDimension& out) noexcept {
  for (int i = 0; i < kBinDimensionCount; ++i) {
    if (kBinDimensionNames[i] == text) {
      out = static_cast<BinDimension>(i);
      return true;
    }
  }
  return false;
}

std::string country_key(const std::array<char, 2>& country) {
  if (country[0] == 0) return "unknown";
  return std::string(country.data(), 2);
}

BinAggregator::BinAggregator(OrgNamer org_namer) : org_namer_(std::move(org_namer)) {
  cube_.reserve(1 << 14);
}

std::string BinAggregator::org_name(std::uint16_t org) const {
  if (org == 0) return "";
  std::string name = org_namer_ ? org_namer_(org) : std::string();
  return name.empty() ? "org-" + std::to_string(org) : name;
}

std::size_t BinAggregator::CellKeyHash::operator()(const CellKey& k) const noexcept {
  std::uint64_t h = hash_address(k.src);
  auto mix = [&h](std::uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  };
  mix(static_cast<std::uint64_t>(k.bin5));
  mix((std::uint64_t{k.port} << 32) | k.asn);
  mix((std::uint64_t{k.fingerprints} << 40) | (std::uint64_t{k.org} << 24) |
      (std::uint64_t{static_cast<std::uint8_t>(k.country[0])} << 16) |
      (std::uint64_t{static_cast<std::uint8_t>(k.country[1])} << 8) | k.cls);
  return static_cast<std::size_t>(h);
}

void BinAggregator::add(const PacketRecord& r) {
  if (!r.observed) return;
  CellKey k;
  k.src_known = r.source_known();
  if (k.src_known) {
    k.src = r.src;
    k.country = r.country;
    k.asn = r.asn;
    k.org = r.scanner_org;
  }
  k.bin5 = floor_to(r.ts_ns, kBin5m * kNsPerSecond) / kNsPerSecond;
  if (const auto port = ranking_port_key(r)) k.port = port->packed();
  k.fingerprints = r.fingerprints;
  k.cls = static_cast<std::uint8_t>(r.traffic_class);
  CellValue& v = cube_[k];
  if (v.packets == 0 || r.ts_ns < v.first_ns) v.first_ns = r.ts_ns;
  if (v.packets == 0 || r.ts_ns > v.last_ns) v.last_ns = r.ts_ns;
  ++v.packets;
  v.bytes += r.wire_len;
  ++packets_;
}

namespace {

struct BinId {
  std::int64_t bin_s;
  std::int64_t start;
  std::uint64_t key;
  std::uint8_t dim;
  bool operator==(const BinId&) const noexcept = default;
};
struct BinIdHash {
  std::size_t operator()(const BinId& b) const noexcept {
    std::uint64_t h = static_cast<std::uint64_t>(b.start) * 0x9E3779B97F4A7C15ULL;
    h ^= (b.key + (std::uint64_t{b.dim} << 56) + static_cast<std::uint64_t>(b.bin_s)) *
         0xD6E8FEB86659FD93ULL;
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};
struct Membership {
  std::uint32_t bin;
  IpAddress src;
  bool operator<(const Membership& o) const noexcept {
    return bin != o.bin ? bin < o.bin : src < o.src;
  }
  bool operator==(const Membership&) const noexcept = default;
};
struct DayKey {
  std::int64_t day;
  IpAddress src;
  std::uint32_t port;
  bool operator==(const DayKey&) const noexcept = default;
};
struct DayKeyHash {
  std::size_t operator()(const DayKey& k) const noexcept {
    return static_cast<std::size_t>(hash_address(k.src) ^
                                    (static_cast<std::uint64_t>(k.day) * 0x9E3779B97F4A7C15ULL) ^
                                    (std::uint64_t{k.port} * 0xD6E8FEB86659FD93ULL));
  }
};

}  // namespace

BinFlush BinAggregator::flush() {
  BinFlush out;
  out.packets = packets_;
  std::unordered_map<BinId, std::uint32_t, BinIdHash> index;
  std::vector<BinCell> cells;
  std::vector<Membership> members;
  std::unordered_map<DayKey, SourceDay, DayKeyHash> days;
  std::unordered_map<DayKey, std::uint64_t, DayKeyHash> day_ports;

  std::array<std::pair<BinDimension, std::uint64_t>, 4 + kFingerprintCount + 3> dims{};
  for (const auto& [k, v] : cube_) {
    std::size_t n = 0;
    dims[n++] = {BinDimension::kTotal, 0};
    if (k.port != kNoPort) dims[n++] = {BinDimension::kPort, k.port};
    dims[n++] = {BinDimension::kClass, k.cls};
    for (int b = 0; b < kFingerprintCount; ++b) {
      if (k.fingerprints & (1u << b)) dims[n++] = {BinDimension::kFingerprint, std::uint64_t(b)};
    }
    if (k.src_known) {
      dims[n++] = {BinDimension::kCountry, (std::uint64_t{static_cast<std::uint8_t>(k.country[0])} << 8) |
                                               static_cast<std::uint8_t>(k.country[1])};
      dims[n++] = {BinDimension::kAsn, k.asn};
      if (k.org != 0) dims[n++] = {BinDimension::kScanner, k.org};
    }
    for (const std::int64_t width : kBinWidths) {
      const std::int64_t start = floor_to(k.bin5, width);
      for (std::size_t i = 0; i < n; ++i) {
        const BinId id{width, start, dims[i].second, static_cast<std::uint8_t>(dims[i].first)};
        auto [it, inserted] = index.try_emplace(id, static_cast<std::uint32_t>(cells.size()));
        if (inserted) {
          BinCell c;
          c.bin_s = width;
          c.start = start;
          c.dim = dims[i].first;
          cells.push_back(std::move(c));
        }
        BinCell& c = cells[it->second];
        c.packets += v.packets;
        c.bytes += v.bytes;
        // Daily sources come from the source-day rows, which stay exact across flushes.
        if (k.src_known && width != kBin1d) members.push_back({it->second, k.src});
      }
    }
    if (!k.src_known) continue;
    const std::int64_t day = floor_to(k.bin5, kBin1d);
    SourceDay& d = days[DayKey{day, k.src, 0}];
    if (d.packets == 0) {
      d.day = day;
      d.src = k.src;
      d.first_ns = v.first_ns;
      d.last_ns = v.last_ns;
    }
    d.packets += v.packets;
    d.bytes += v.bytes;
    d.classes |= static_cast<std::uint16_t>(1u << k.cls);
    d.fingerprints |= k.fingerprints;
    // Enrichment is per source, so these agree across cells; keep the first known.
    if (d.country[0] == 0) d.country = k.country;
    if (d.asn == 0) d.asn = k.asn;
    if (d.scanner_org == 0) d.scanner_org = k.org;
    d.first_ns = std::min(d.first_ns, v.first_ns);
    d.last_ns = std::max(d.last_ns, v.last_ns);
    if (k.port != kNoPort) day_ports[DayKey{day, k.src, k.port}] += v.packets;
  }

  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  for (const Membership& m : members) ++cells[m.bin].sources;

  for (const auto& [id, i] : index) {
    BinCell& c = cells[i];
    switch (c.dim) {
      case BinDimension::kTotal:
        break;
      case BinDimension::kPort:
        c.key = PortKey::from_packed(static_cast<std::uint32_t>(id.key)).text();
        break;
      case BinDimension::kClass:
        c.key = std::string(kTrafficClassNames[id.key]);
        break;
      case BinDimension::kFingerprint:
        c.key = std::string(kFingerprintNames[id.key]);
        break;
      case BinDimension::kCountry:
        c.key = country_key({static_cast<char>(id.key >> 8), static_cast<char>(id.key & 0xff)});
        break;
      case BinDimension::kAsn:
        c.key = std::to_string(id.key);
        break;
      case BinDimension::kScanner:
        c.key = org_name(static_cast<std::uint16_t>(id.key));
        break;
    }
  }
  out.cells = std::move(cells);
  out.sources.reserve(days.size());
  for (auto& [k, d] : days) {
    d.org = org_name(d.scanner_org);
    out.sources.push_back(std::move(d));
  }
  out.source_ports.reserve(day_ports.size());
  for (const auto& [k, p] : day_ports) out.source_ports.push_back({k.day, k.src, k.port, p});

  cube_.clear();
  packets_ = 0;
  return out;
}

}  // namespace darkscope
