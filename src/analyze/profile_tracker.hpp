// Source profiles (SPEC.md "Events", after GreyNoise): what each source did, kept
// per source and UTC day in compact entries that are handed out when idle, at the
// day's end, or when the table is full; the store merges the pieces.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "analyze/scan_table.hpp"
#include "core/packet_record.hpp"

namespace darkscope {

struct ProfileOptions {
  std::int64_t idle_timeout_ns = 900 * 1'000'000'000LL;  ///< a piece ends after this much silence
  std::size_t max_active = 2'000'000;  ///< active sources before the oldest are handed out early
  std::int64_t sweep_interval_ns = 60 * 1'000'000'000LL;
};

/// Distinct destination ports kept per piece (ranking keys, SPEC.md "Rankings").
inline constexpr int kProfilePorts = 6;

/// A piece of one source's profile within one UTC day.
struct ProfilePiece {
  IpAddress source;
  std::int64_t day = 0;  ///< days since 1970-01-01
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::uint32_t packets = 0;
  std::uint32_t mirai_packets = 0;  ///< packets with the mirai fingerprint
  std::uint16_t fingerprints = 0;   ///< OR of fingerprint bits
  std::uint16_t classes = 0;        ///< bit (1 << TrafficClass)
  std::array<char, 2> country{};
  std::uint16_t scanner_org = 0;
  std::uint32_t asn = 0;
  std::array<std::uint32_t, kProfilePorts> ports{};  ///< PortKey::packed(), first seen first
  std::uint8_t port_count = 0;
  bool more_ports = false;  ///< more distinct ports than kept
};

/// Profile classification (GreyNoise style).
enum class SourceVerdict : std::uint8_t { kUnknown, kBenign, kMalicious };
[[nodiscard]] constexpr const char* to_string(SourceVerdict v) noexcept {
  return v == SourceVerdict::kBenign ? "benign" : v == SourceVerdict::kMalicious ? "malicious"
                                                                                 : "unknown";
}
/// Malicious evidence wins over a research scanner's address list (an infected host
/// can sit in a listed range); then a listed organisation is benign; else unknown.
/// `reason` says which rule decided, in words.
[[nodiscard]] SourceVerdict classify_source(std::uint16_t fingerprints,
                                            const std::string& scanner_org, std::string& reason);

/// Tracks every observed source with a known address.
class ProfileTracker {
 public:
  using PieceCallback = std::function<void(const ProfilePiece&)>;

  ProfileTracker(ProfileOptions options, PieceCallback on_piece);

  void on_packet(const PacketRecord& r);
  void advance(std::int64_t now_ns);
  void flush();

  [[nodiscard]] std::size_t active() const noexcept { return table_.size(); }
  [[nodiscard]] std::uint64_t pieces() const noexcept { return pieces_; }
  [[nodiscard]] std::uint64_t ended_early() const noexcept { return ended_early_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return table_.memory_bytes(); }

  struct KeyHash {
    std::size_t operator()(const IpAddress& a) const noexcept {
      return static_cast<std::size_t>(hash_address(a));
    }
  };
  struct Entry {
    ProfilePiece p;
    bool in_use = false;
    [[nodiscard]] bool used() const noexcept { return in_use; }
    [[nodiscard]] const IpAddress& key() const noexcept { return p.source; }
    void clear_slot() noexcept { in_use = false; }
  };

 private:
  void finish(Entry& e);
  void sweep(std::int64_t cutoff_ns);

  ProfileOptions options_;
  PieceCallback on_piece_;
  FlatTable<Entry, IpAddress, KeyHash> table_;
  std::int64_t last_sweep_ns_ = INT64_MIN;
  std::uint64_t pieces_ = 0;
  std::uint64_t ended_early_ = 0;
};

}  // namespace darkscope
