// DoS backscatter attacks (SPEC.md "Events", after Moore et al. 2001 and CAIDA's
// RSDoS / corsaro dos plugin): one per (victim, protocol), ended by an idle gap.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "analyze/scan_table.hpp"
#include "core/packet_record.hpp"

namespace darkscope {

/// Thresholds; the defaults are those of CAIDA corsaro's dos plugin.
struct DosOptions {
  std::uint64_t min_packets = 25;
  std::int64_t min_duration_ns = 60 * 1'000'000'000LL;
  std::uint64_t min_window_packets = 30;  ///< packets in some 60 s window
  std::int64_t idle_timeout_ns = 300 * 1'000'000'000LL;
  std::size_t max_active = 1'000'000;  ///< active victims before the oldest are ended early
  std::size_t max_blocks = 131'072;    ///< 512-byte distinct-counter blocks (64 MiB) likewise
  std::int64_t sweep_interval_ns = 60 * 1'000'000'000LL;
};

/// The 60 s window slides in steps of this many seconds (corsaro uses 10 s too).
inline constexpr std::int64_t kDosWindowStepSeconds = 10;
inline constexpr int kDosWindowSteps = 6;  // 6 x 10 s = 60 s

/// An attack that met every threshold.
struct DosEvent {
  IpAddress victim;
  std::uint8_t protocol = 0;  ///< the attack's protocol (see dos_victim_of)
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;              ///< IP bytes of the backscatter (wire length if unknown)
  std::uint64_t darknet_addresses = 0;  ///< unique darknet addresses hit (exact up to 130)
  std::uint64_t ports = 0;              ///< unique victim ports (exact up to 130)
  std::uint64_t peak_window_packets = 0;  ///< most packets in one 60 s window
  double peak_pps = 0;       ///< peak_window_packets / 60, as observed
  double estimated_pps = 0;  ///< packets * 2^32 / darknet_size / duration
};

/// Who a backscatter packet speaks for. For TCP backscatter (SYN-ACK, RST) and ICMP
/// replies the victim is the packet's source; for ICMP errors it is the quoted
/// destination (the router that sent the error is not the victim), and the protocol
/// and port are the quoted ones: the attack's. valid is false for non-backscatter.
struct DosVictim {
  IpAddress victim;
  std::uint8_t protocol = 0;
  std::uint16_t port = 0;
  bool has_port = false;
  bool valid = false;
};
[[nodiscard]] DosVictim dos_victim_of(const PacketRecord& r) noexcept;

/// Finds DoS attacks in observed backscatter.
class DosDetector {
 public:
  using EventCallback = std::function<void(const DosEvent&)>;

  DosDetector(DosOptions options, double darknet_ipv4_size, EventCallback on_event);

  void on_packet(const PacketRecord& r);
  void advance(std::int64_t now_ns);
  void flush();

  [[nodiscard]] std::size_t active() const noexcept { return table_.size(); }
  [[nodiscard]] std::uint64_t attacks() const noexcept { return attacks_; }
  /// Candidates that ended without meeting the thresholds.
  [[nodiscard]] std::uint64_t below_threshold() const noexcept { return below_threshold_; }
  [[nodiscard]] std::uint64_t ended_early() const noexcept { return ended_early_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return table_.memory_bytes() + pool_.memory_bytes();
  }

  struct Key {
    IpAddress victim;
    std::uint8_t protocol = 0;
    bool operator==(const Key&) const noexcept = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      return static_cast<std::size_t>(hash_address(k.victim) ^ mix64(k.protocol));
    }
  };
  struct Entry {
    Key k;
    bool in_use = false;
    std::uint32_t peak_window = 0;
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
    std::int64_t window_step = 0;  ///< index (ts / 10 s) of the newest bucket
    std::array<std::uint32_t, kDosWindowSteps> buckets{};  ///< ring of 10 s buckets
    DistinctCounter addresses;
    DistinctCounter ports;
    [[nodiscard]] bool used() const noexcept { return in_use; }
    [[nodiscard]] const Key& key() const noexcept { return k; }
    void clear_slot() noexcept { in_use = false; }
  };

 private:
  void finish(Entry& e);
  void sweep(std::int64_t cutoff_ns);

  DosOptions options_;
  double scale_;
  /// The darknet's IPv4 addresses (0: no prefixes). An IPv4 victim's backscatter
  /// reaches IPv4 addresses only, so its estimated count never exceeds this.
  std::uint64_t ipv4_addresses_;
  EventCallback on_event_;
  FlatTable<Entry, Key, KeyHash> table_;
  DistinctPool pool_;
  std::int64_t last_sweep_ns_ = INT64_MIN;
  std::uint64_t attacks_ = 0;
  std::uint64_t below_threshold_ = 0;
  std::uint64_t ended_early_ = 0;
};

}  // namespace darkscope
