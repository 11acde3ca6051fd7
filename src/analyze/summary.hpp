// The account of a run that `darkscope analyze` prints: totals, classes,
// fingerprints, unique addresses, top ports and sources, anomalies.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <map>

#include "analyze/port_key.hpp"
#include "core/darknet_address_set.hpp"
#include "core/packet_record.hpp"
#include "core/prefix.hpp"
#include "core/u32_set.hpp"  // U32Map

namespace darkscope {

/// Accumulates observed packets. Counting follows SPEC.md "Rankings": totals and
/// classes count every observed packet, port rows only the packets that aim at a
/// port, source rows every observed packet whose IP header is complete.
///
/// Distinct sources are counted from PacketRecord::new_source, so the records must
/// come through a SourceTable (PipelineOptions::track_sources), which keeps the one
/// per-source entry of the run. Per-packet work is then a handful of counter
/// increments and one bit in the darknet's destination bitmap.
class TrafficSummary {
 public:
  /// Destinations are counted as hash-set members (no darknet known).
  TrafficSummary();
  /// Destinations inside the darknet's IPv4 prefixes are counted as bits.
  explicit TrafficSummary(const PrefixSet& darknet);

  /// Adds one decoded packet; packets outside the darknet only bump `outside`.
  void add(const PacketRecord& r);

  struct PortRow {
    PortKey key;
    std::uint64_t packets = 0;
  };
  struct CountryRow {
    std::string country;  ///< ISO code, "" for unknown
    std::uint64_t packets = 0;
    std::uint64_t sources = 0;
  };
  struct AsnRow {
    std::uint32_t asn = 0;  ///< 0 for unknown
    std::uint64_t packets = 0;
    std::uint64_t sources = 0;
  };
  struct OrgRow {
    std::uint16_t org = 0;
    std::uint64_t packets = 0;
    std::uint64_t sources = 0;
  };

  [[nodiscard]] std::uint64_t observed() const noexcept { return observed_; }
  [[nodiscard]] std::uint64_t outside() const noexcept { return outside_; }
  [[nodiscard]] std::int64_t first_seen_ns() const noexcept { return first_ns_; }
  [[nodiscard]] std::int64_t last_seen_ns() const noexcept { return last_ns_; }
  [[nodiscard]] std::uint64_t class_count(TrafficClass c) const noexcept {
    return classes_[static_cast<int>(c)];
  }
  [[nodiscard]] std::uint64_t fingerprint_count(int bit_index) const noexcept {
    return fingerprints_[bit_index];
  }
  [[nodiscard]] std::uint64_t anomaly_count(int bit_index) const noexcept {
    return anomalies_[bit_index];
  }
  [[nodiscard]] std::uint64_t unique_sources() const noexcept { return sources_; }
  [[nodiscard]] std::uint64_t unique_destinations() const noexcept { return destinations_.size(); }
  [[nodiscard]] std::uint64_t research_packets() const noexcept { return research_packets_; }

  /// Ranked rows, largest first; ties by key ascending. limit 0 = all.
  [[nodiscard]] std::vector<PortRow> top_ports(std::size_t limit) const;
  [[nodiscard]] std::vector<CountryRow> top_countries(std::size_t limit) const;
  [[nodiscard]] std::vector<AsnRow> top_asns(std::size_t limit) const;
  [[nodiscard]] std::vector<OrgRow> scanner_orgs() const;

 private:
  /// Packets and distinct sources of one country, AS or organisation.
  struct Tally {
    std::uint64_t packets = 0;
    std::uint64_t sources = 0;
  };
  static constexpr std::uint32_t kNoPort = ~std::uint32_t{0};
  static constexpr std::size_t kPendingPorts = 16;
  static constexpr std::uint16_t kUnknownCountrySlot = 26 * 26;
  static constexpr std::uint16_t kOtherCountrySlot = 26 * 26 + 1;

  static std::uint16_t country_slot(const std::array<char, 2>& cc) noexcept;
  void drain_ports() const;

  std::uint64_t observed_ = 0;
  std::uint64_t outside_ = 0;
  std::uint64_t research_packets_ = 0;
  std::uint64_t sources_ = 0;
  std::int64_t first_ns_ = 0;
  std::int64_t last_ns_ = 0;
  std::array<std::uint64_t, kTrafficClassCount> classes_{};
  std::array<std::uint64_t, kFingerprintCount> fingerprints_{};
  std::array<std::uint64_t, kAnomalyCount> anomalies_{};
  // Direct-indexed port counters: TCP ports, UDP ports, then the ICMP row. The long
  // tail of ports makes these random accesses: each is prefetched and applied
  // kPendingPorts packets later, from port_ring_.
  mutable std::vector<std::uint64_t> port_packets_;
  mutable std::array<std::uint32_t, kPendingPorts> port_ring_;
  mutable std::size_t port_next_ = 0;
  // Packets are tallied when they arrive; sources on their first packet
  // (enrichment gives every packet of a source the same country, AS and organisation).
  std::vector<Tally> countries_;  // kUnknownCountrySlot, kOtherCountrySlot, "AA".."ZZ"
  std::map<std::string, Tally> other_countries_;  // codes that are not two letters
  U32Map<Tally> asns_;
  std::vector<Tally> orgs_;
  DarknetAddressSet destinations_;
};

}  // namespace darkscope
