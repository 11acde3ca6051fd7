#include "analyze/summary.hpp"

#include <algorithm>
#include <bit>

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

TrafficSummary::TrafficSummary()
    : port_packets_(kIcmpSlot + 1, 0), countries_(kOtherCountrySlot + 1) {
  port_ring_.fill(kNoPort);
}

TrafficSummary::TrafficSummary(const PrefixSet& darknet)
    : port_packets_(kIcmpSlot + 1, 0), countries_(kOtherCountrySlot + 1), destinations_(darknet) {
  port_ring_.fill(kNoPort);
}

std::uint16_t TrafficSummary::country_slot(const std::array<char, 2>& cc) noexcept {
  if (cc[0] == 0) return kUnknownCountrySlot;
  const auto a = static_cast<unsigned>(cc[0] - 'A');
  const auto b = static_cast<unsigned>(cc[1] - 'A');
  if (a >= 26 || b >= 26) return kOtherCountrySlot;
  return static_cast<std::uint16_t>(a * 26 + b);
}

void TrafficSummary::drain_ports() const {
  for (std::uint32_t& slot : port_ring_) {
    if (slot != kNoPort) ++port_packets_[slot];
    slot = kNoPort;
  }
  port_next_ = 0;
}

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
  if (const auto key = ranking_port_key(r)) {
    const auto slot = static_cast<std::uint32_t>(port_slot(*key));
    __builtin_prefetch(port_packets_.data() + slot, 1);
    std::uint32_t& due = port_ring_[port_next_];
    if (due != kNoPort) ++port_packets_[due];
    due = slot;
    port_next_ = (port_next_ + 1) % kPendingPorts;
  }
  if (!r.source_known()) return;

  const std::uint16_t cslot = country_slot(r.country);
  Tally& country = cslot == kOtherCountrySlot ? other_countries_[std::string(r.country.data(), 2)]
                                              : countries_[cslot];
  Tally& as = asns_[r.asn];
  ++country.packets;
  ++as.packets;
  if (r.scanner_org != 0) {
    if (r.scanner_org >= orgs_.size()) orgs_.resize(std::size_t{r.scanner_org} + 1);
    ++orgs_[r.scanner_org].packets;
    ++research_packets_;
  }
  if (r.new_source) {
    ++sources_;
    ++country.sources;
    ++as.sources;
    if (r.scanner_org != 0) ++orgs_[r.scanner_org].sources;
  }
  destinations_.insert(r.dst);
}

std::vector<TrafficSummary::PortRow> TrafficSummary::top_ports(std::size_t limit) const {
  drain_ports();
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
  std::vector<CountryRow> rows;
  for (std::size_t slot = 0; slot < countries_.size(); ++slot) {
    const Tally& t = countries_[slot];
    if (t.packets == 0 || slot == kOtherCountrySlot) continue;
    std::string cc;
    if (slot != kUnknownCountrySlot) {
      cc = {static_cast<char>('A' + slot / 26), static_cast<char>('A' + slot % 26)};
    }
    rows.push_back({cc, t.packets, t.sources});
  }
  for (const auto& [cc, t] : other_countries_) rows.push_back({cc, t.packets, t.sources});
  return ranked(std::move(rows), limit,
                [](const CountryRow& a, const CountryRow& b) { return a.country < b.country; });
}

std::vector<TrafficSummary::AsnRow> TrafficSummary::top_asns(std::size_t limit) const {
  std::vector<AsnRow> rows;
  asns_.for_each([&](std::uint32_t asn, const Tally& t) { rows.push_back({asn, t.packets, t.sources}); });
  return ranked(std::move(rows), limit,
                [](const AsnRow& a, const AsnRow& b) { return a.asn < b.asn; });
}

std::vector<TrafficSummary::OrgRow> TrafficSummary::scanner_orgs() const {
  std::vector<OrgRow> rows;
  for (std::size_t org = 1; org < orgs_.size(); ++org) {
    if (orgs_[org].packets == 0) continue;
    rows.push_back({static_cast<std::uint16_t>(org), orgs_[org].packets, orgs_[org].sources});
  }
  return ranked(std::move(rows), 0,
                [](const OrgRow& a, const OrgRow& b) { return a.org < b.org; });
}

}  // namespace darkscope
