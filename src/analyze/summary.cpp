#include "analyze/summary.hpp"

#include <algorithm>
#include <bit>
#include <map>

namespace darkscope {
namespace {

constexpr std::size_t kTcpBase = 0;
constexpr std::size_t kUdpBase = 65536;
constexpr std::size_t kIcmpSlot = 2 * 65536;

std::size_t port_slot(const PortKey& k) noexcept {
  if (k.protocol == kProtoTcp) return kTcpBase + k.port;
  if (k.protocol == kProtoUdp) return kUdpBase + k.port;
  return kIcmpSlot;
}

PortKey slot_key(std::size_t slot) noexcept {
  if (slot == kIcmpSlot) return {kProtoIcmp, 0};
  if (slot >= kUdpBase) return {kProtoUdp, static_cast<std::uint16_t>(slot - kUdpBase)};
  return {kProtoTcp, static_cast<std::uint16_t>(slot)};
}

template <typename Row, typename Less>
std::vector<Row> ranked(std::vector<Row> rows, std::size_t limit, Less key_less) {
  std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (a.packets != b.packets) return a.packets > b.packets;
    return key_less(a, b);
  });
  if (limit != 0 && rows.size() > limit) rows.resize(limit);
  return rows;
}

}  // namespace

TrafficSummary::TrafficSummary() : port_packets_(kIcmpSlot + 1, 0) {}

void TrafficSummary::add(const PacketRecord& r) {
  if (!r.observed) {
    ++outside_;
    return;
  }
  if (observed_ == 0 || r.ts_ns < first_ns_) first_ns_ = r.ts_ns;
  if (observed_ == 0 || r.ts_ns > last_ns_) last_ns_ = r.ts_ns;
  ++observed_;
  ++classes_[static_cast<int>(r.traffic_class)];
  for (std::uint32_t bits = r.fingerprints; bits != 0; bits &= bits - 1) {
    ++fingerprints_[std::countr_zero(bits)];
  }
  for (std::uint32_t bits = r.anomalies; bits != 0; bits &= bits - 1) {
    ++anomalies_[std::countr_zero(bits)];
  }
  if (const auto key = ranking_port_key(r)) ++port_packets_[port_slot(*key)];
  if (!r.source_known()) return;
  SourceState& s = sources_[r.src];
  if (s.packets == 0) {
    s.country = r.country;
    s.asn = r.asn;
    s.scanner_org = r.scanner_org;
  }
  ++s.packets;
  if (r.scanner_org != 0) ++research_packets_;
  destinations_.insert(r.dst);
}

std::vector<TrafficSummary::PortRow> TrafficSummary::top_ports(std::size_t limit) const {
  std::vector<PortRow> rows;
  for (std::size_t slot = 0; slot < port_packets_.size(); ++slot) {
    if (port_packets_[slot] != 0) rows.push_back({slot_key(slot), port_packets_[slot]});
  }
  // Ties: by protocol (tcp, udp, icmp) then port, so the order never depends on hashing.
  return ranked(std::move(rows), limit, [](const PortRow& a, const PortRow& b) {
    return port_slot(a.key) < port_slot(b.key);
  });
}

std::vector<TrafficSummary::CountryRow> TrafficSummary::top_countries(std::size_t limit) const {
  std::map<std::string, CountryRow> by_country;
  sources_.for_each([&](const IpAddress&, const SourceState& s) {
    const std::string cc = s.country[0] != 0 ? std::string(s.country.data(), 2) : std::string();
    CountryRow& row = by_country[cc];
    row.country = cc;
    row.packets += s.packets;
    ++row.sources;
  });
  std::vector<CountryRow> rows;
  for (auto& [cc, row] : by_country) rows.push_back(row);
  return ranked(std::move(rows), limit,
                [](const CountryRow& a, const CountryRow& b) { return a.country < b.country; });
}

std::vector<TrafficSummary::AsnRow> TrafficSummary::top_asns(std::size_t limit) const {
  std::map<std::uint32_t, AsnRow> by_asn;
  sources_.for_each([&](const IpAddress&, const SourceState& s) {
    AsnRow& row = by_asn[s.asn];
    row.asn = s.asn;
    row.packets += s.packets;
    ++row.sources;
  });
  std::vector<AsnRow> rows;
  for (auto& [asn, row] : by_asn) rows.push_back(row);
  return ranked(std::move(rows), limit,
                [](const AsnRow& a, const AsnRow& b) { return a.asn < b.asn; });
}

std::vector<TrafficSummary::OrgRow> TrafficSummary::scanner_orgs() const {
  std::map<std::uint16_t, OrgRow> by_org;
  sources_.for_each([&](const IpAddress&, const SourceState& s) {
    if (s.scanner_org == 0) return;
    OrgRow& row = by_org[s.scanner_org];
    row.org = s.scanner_org;
    row.packets += s.packets;
    ++row.sources;
  });
  std::vector<OrgRow> rows;
  for (auto& [org, row] : by_org) rows.push_back(row);
  return ranked(std::move(rows), 0,
                [](const OrgRow& a, const OrgRow& b) { return a.org < b.org; });
}

}  // namespace darkscope
