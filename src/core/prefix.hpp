// CIDR prefixes and the darknet's set of them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.hpp"

namespace darkscope {

/// A CIDR prefix. IPv4 prefixes are held in IPv4-mapped form: 10.0.0.0/8 has
/// bits() == 104 and v4_length() == 8.
struct Prefix {
  IpAddress network;     ///< host bits cleared
  std::uint8_t bits = 0;  ///< prefix length over the 128-bit form

  [[nodiscard]] bool is_v4() const noexcept { return network.is_v4() && bits >= 96; }
  [[nodiscard]] int length() const noexcept { return is_v4() ? bits - 96 : bits; }
  [[nodiscard]] bool contains(const IpAddress& a) const noexcept;
  /// Number of addresses; IPv6 sizes saturate at 2^64 (reported, never used for scaling).
  [[nodiscard]] double address_count() const noexcept;
  [[nodiscard]] std::string to_string() const;

  /// Parses "a.b.c.d/n", "x::/n" or a bare address (a host prefix). Host bits set
  /// beyond the length are cleared. nullopt on anything else.
  static std::optional<Prefix> parse(std::string_view text);
};

/// The configured darknet: the prefixes whose destinations are observations.
class PrefixSet {
 public:
  PrefixSet() = default;
  explicit PrefixSet(std::vector<Prefix> prefixes);

  /// Parses "CIDR[,CIDR...]"; throws std::invalid_argument naming the bad item.
  static PrefixSet parse_list(std::string_view comma_separated);

  void add(const Prefix& p);
  [[nodiscard]] bool empty() const noexcept { return prefixes_.empty(); }
  [[nodiscard]] const std::vector<Prefix>& prefixes() const noexcept { return prefixes_; }

  /// With no prefixes configured every address is inside (SPEC.md).
  [[nodiscard]] bool contains(const IpAddress& a) const noexcept {
    if (prefixes_.empty()) return true;
    if (a.is_v4()) {
      const std::uint32_t v = a.v4_value();
      for (const auto& m : v4_) {
        if ((v & m.mask) == m.network) return true;
      }
      return false;
    }
    for (const auto& p : v6_) {
      if (p.contains(a)) return true;
    }
    return false;
  }

  /// Total IPv4 addresses covered (overlaps counted once); 0 when none or empty.
  /// This is the darknet size used to scale estimates by 2^32 / size.
  [[nodiscard]] double ipv4_size() const noexcept;
  /// A BPF expression selecting packets to these prefixes ("dst net a or dst net b").
  [[nodiscard]] std::string to_bpf() const;
  /// "10.0.0.0/8,192.0.2.0/24".
  [[nodiscard]] std::string to_string() const;

 private:
  struct V4Mask {
    std::uint32_t network;
    std::uint32_t mask;
  };
  std::vector<Prefix> prefixes_;
  std::vector<V4Mask> v4_;
  std::vector<Prefix> v6_;
};

}  // namespace darkscope
