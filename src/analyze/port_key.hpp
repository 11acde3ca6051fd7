// Which destination-port ranking key a packet is charged to (SPEC.md, "Rankings").
// Every part that ranks ports (analyze, store, report, web) uses these functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/packet_record.hpp"

namespace darkscope {

/// A port ranking key: "tcp/23", "udp/53", or the single ICMP row "icmp".
struct PortKey {
  std::uint8_t protocol = 0;  ///< 6 (TCP), 17 (UDP), or 1 for the ICMP row (ICMPv6 included)
  std::uint16_t port = 0;     ///< 0 for the ICMP row

  constexpr bool operator==(const PortKey&) const noexcept = default;
  /// Packs into one integer (protocol << 16 | port), for hashing and storage.
  [[nodiscard]] constexpr std::uint32_t packed() const noexcept {
    return (std::uint32_t{protocol} << 16) | port;
  }
  static constexpr PortKey from_packed(std::uint32_t v) noexcept {
    return {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint16_t>(v & 0xffff)};
  }
  /// "tcp/23", "udp/53", "icmp".
  [[nodiscard]] std::string text() const;
  /// "tcp", "udp" or "icmp".
  [[nodiscard]] const char* protocol_name() const noexcept;
  /// Parses the text form; nullopt when it is not one.
  static std::optional<PortKey> parse(const std::string& text);
};

/// The ranking key a packet aims at, or nullopt when it is not charged to any port:
/// tcp-syn and tcp-other count as tcp/PORT, udp as udp/PORT, icmp-request as icmp;
/// backscatter, icmp-other, other and malformed are not charged (SPEC.md).
[[nodiscard]] inline std::optional<PortKey> ranking_port_key(const PacketRecord& r) noexcept {
  switch (r.traffic_class) {
    case TrafficClass::kTcpSyn:
    case TrafficClass::kTcpOther:
      return PortKey{kProtoTcp, r.dst_port};
    case TrafficClass::kUdp:
      return PortKey{kProtoUdp, r.dst_port};
    case TrafficClass::kIcmpRequest:
      return PortKey{kProtoIcmp, 0};
    default:
      return std::nullopt;
  }
}

}  // namespace darkscope
