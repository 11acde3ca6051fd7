// Scan events (SPEC.md "Events", after Merit's darknet-events): one per
// (source, destination port, class), ended by an idle gap.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "analyze/scan_table.hpp"
#include "core/packet_record.hpp"

namespace darkscope {

/// Thresholds and limits of the scan detector; the defaults are SPEC.md's.
struct ScanOptions {
  std::int64_t idle_timeout_ns = 600 * 1'000'000'000LL;  ///< a scan ends after this much silence
  std::uint64_t internet_wide_destinations = 100;       ///< Durumeric et al. (2014)
  double internet_wide_pps = 10.0;                      ///< estimated Internet-wide rate
  std::uint64_t min_packets = 1;        ///< shorter scans are counted, not emitted
  std::size_t max_active = 4'000'000;   ///< active keys before the oldest are ended early
  std::size_t max_blocks = 262'144;     ///< 512-byte distinct-counter blocks (128 MiB) likewise
  std::int64_t sweep_interval_ns = 60 * 1'000'000'000LL;  ///< how often idle keys are looked for
};

/// A finished scan.
struct ScanEvent {
  IpAddress source;
  std::uint8_t protocol = 0;  ///< 6, 17, or 1 for ICMP (ICMPv6 included)
  std::uint16_t port = 0;     ///< destination port; 0 for ICMP
  TrafficClass traffic_class = TrafficClass::kTcpSyn;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;    ///< time of the last packet
  std::uint64_t packets = 0;
  std::uint64_t destinations = 0;  ///< unique darknet destinations (exact up to 130)
  bool destinations_exact = true;
  double estimated_pps = 0;   ///< packets * 2^32 / darknet_size / duration
  bool internet_wide = false;
  std::uint16_t fingerprints = 0;  ///< OR of the packets' fingerprint bits
};

/// Which probe classes make scans: tcp-syn, tcp-other (FIN/NULL/Xmas and other
/// odd-flag probes still aim at a port), udp and icmp-request. Backscatter answers
/// someone else's packet and icmp-other/other/malformed name no probed service.
[[nodiscard]] constexpr bool is_scan_class(TrafficClass c) noexcept {
  return c == TrafficClass::kTcpSyn || c == TrafficClass::kTcpOther || c == TrafficClass::kUdp ||
         c == TrafficClass::kIcmpRequest;
}

/// The duration used for rates: last - first, but at least one second, so a
/// single-packet (or sub-second) scan has a defined, conservative rate.
[[nodiscard]] constexpr double rate_duration_seconds(std::int64_t start_ns,
                                                     std::int64_t end_ns) noexcept {
  const double d = static_cast<double>(end_ns - start_ns) / 1e9;
  return d < 1.0 ? 1.0 : d;
}

/// Finds scans in observed packets. Time comes only from the packets (or from
/// advance() in live runs), so replaying a file gives the same events.
///
/// Most keys of a darknet see a single packet. A key's first packet (of an IPv4
/// source) is kept in a 24-byte entry; a second one within the idle timeout moves
/// the scan to a full entry, replaying the first, so the events are those of one
/// table. Only which scans the max_active bound ends early is chosen from a
/// sample of both.
class ScanDetector {
 public:
  using EventCallback = std::function<void(const ScanEvent&)>;

  /// darknet_ipv4_size: PrefixSet::ipv4_size(); 0 (no prefixes) scales as one /0,
  /// that is, no scaling.
  ScanDetector(ScanOptions options, double darknet_ipv4_size, EventCallback on_event);

  /// Feeds one packet; ignores packets that are not observed probes.
  void on_packet(const PacketRecord& r);
  /// Optional: asks for the table slot of a packet that on_packet() will see a few
  /// packets later (no effect on what is found).
  void prefetch(const PacketRecord& r) const noexcept;
  /// Ends scans idle at `now_ns` (wall clock in live runs, packet time otherwise).
  void advance(std::int64_t now_ns);
  /// Ends every active scan (end of input).
  void flush();

  [[nodiscard]] std::size_t active() const noexcept { return table_.size() + first_.size(); }
  [[nodiscard]] std::uint64_t emitted() const noexcept { return emitted_; }
  /// Scans shorter than min_packets that ended without being emitted.
  [[nodiscard]] std::uint64_t suppressed() const noexcept { return suppressed_; }
  /// Scans ended before their idle timeout because max_active was reached.
  [[nodiscard]] std::uint64_t ended_early() const noexcept { return ended_early_; }
  /// Distinct-counter blocks held (each 512 bytes).
  [[nodiscard]] std::size_t blocks_in_use() const noexcept { return pool_.blocks_in_use(); }
  /// Bytes held by the table and the distinct-counter pool.
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return table_.memory_bytes() + first_.memory_bytes() + pool_.memory_bytes();
  }

  struct Key {
    IpAddress source;
    std::uint16_t port = 0;
    std::uint8_t protocol = 0;
    TrafficClass traffic_class = TrafficClass::kTcpSyn;
    bool operator==(const Key&) const noexcept = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      return static_cast<std::size_t>(
          hash_address(k.source) ^
          mix64((std::uint64_t{k.port} << 16) | (std::uint64_t{k.protocol} << 8) |
                static_cast<std::uint64_t>(k.traffic_class)));
    }
  };
  /// One active scan: 64 bytes.
  struct Entry {
    Key k;
    bool in_use = false;
    std::uint16_t fingerprints = 0;
    std::uint32_t packets = 0;
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
    DistinctCounter destinations;
    [[nodiscard]] bool used() const noexcept { return in_use; }
    [[nodiscard]] const Key& key() const noexcept { return k; }
    void clear_slot() noexcept { in_use = false; }
  };

 /// A scan of one packet so far, of an IPv4 source: 24 bytes.
  struct FirstEntry {
    std::uint64_t k = 0;  ///< source << 32 | port << 16 | protocol << 8 | class; 0 = empty
    std::int64_t ts_ns = 0;
    std::uint32_t destination = 0;  ///< distinct_value() of the destination
    std::uint16_t fingerprints = 0;
    [[nodiscard]] bool used() const noexcept { return k != 0; }
    [[nodiscard]] const std::uint64_t& key() const noexcept { return k; }
    void clear_slot() noexcept { k = 0; }
  };
  struct FirstHash {
    std::size_t operator()(std::uint64_t k) const noexcept { return static_cast<std::size_t>(mix64(k)); }
  };

 private:
  void finish(Entry& e);
  void finish_first(const FirstEntry& e);
  void sweep(std::int64_t cutoff_ns);
  void make_room(std::int64_t now_ns);

  ScanOptions options_;
  double scale_;
  /// The darknet's IPv4 addresses (0: no prefixes). An IPv4 source's destinations
  /// are all IPv4, so its estimated count never exceeds this.
  std::uint64_t ipv4_addresses_;
  EventCallback on_event_;
  FlatTable<Entry, Key, KeyHash> table_;
  FlatTable<FirstEntry, std::uint64_t, FirstHash> first_;
  /// A bit per hash of the keys in table_ (rebuilt at each sweep): a clear bit spares
  /// most packets a probe of table_, since most keys are never in it.
  std::vector<std::uint64_t> in_table_;
  DistinctPool pool_;
  std::int64_t last_sweep_ns_ = INT64_MIN;
  std::uint64_t emitted_ = 0;
  std::uint64_t suppressed_ = 0;
  std::uint64_t ended_early_ = 0;
};
static_assert(sizeof(ScanDetector::Entry) <= 64);
static_assert(sizeof(ScanDetector::FirstEntry) == 24);

}  // namespace darkscope
