// The one record that flows through the packet path (see docs/ARCHITECTURE.md).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "core/ip_address.hpp"

namespace darkscope {

/// Exactly one per observed packet (SPEC.md, "Traffic class").
enum class TrafficClass : std::uint8_t {
  kTcpSyn,
  kTcpBackscatter,
  kTcpOther,
  kUdp,
  kIcmpRequest,
  kIcmpBackscatter,
  kIcmpOther,
  kOther,
  kMalformed,
};
inline constexpr int kTrafficClassCount = 9;
inline constexpr std::array<std::string_view, kTrafficClassCount> kTrafficClassNames = {
    "tcp-syn", "tcp-backscatter", "tcp-other",    "udp",       "icmp-request",
    "icmp-backscatter", "icmp-other", "other", "malformed"};
[[nodiscard]] constexpr std::string_view to_string(TrafficClass c) noexcept {
  return kTrafficClassNames[static_cast<int>(c)];
}

/// Tool fingerprints: bit flags, not exclusive (SPEC.md, "Tool fingerprints").
/// The order here is the order of kFingerprintNames and of every output.
enum Fingerprint : std::uint16_t {
  kFpMirai = 1u << 0,
  kFpZmap = 1u << 1,
  kFpMasscan = 1u << 2,
  kFpLargeScale = 1u << 3,
  kFpNmap = 1u << 4,
  kFpUnicornscan = 1u << 5,
};
inline constexpr int kFingerprintCount = 6;
inline constexpr std::array<std::string_view, kFingerprintCount> kFingerprintNames = {
    "mirai", "zmap", "masscan", "large-scale", "nmap", "unicornscan"};

/// Named anomalies (Zeek "weird" style). Bit flags: one packet may carry several.
/// A truncated_* anomaly of a fixed header makes the packet `malformed`; the
/// others leave it classified by its fixed headers.
enum Anomaly : std::uint32_t {
  kAnTruncatedIpHeader = 1u << 0,
  kAnTruncatedTcpHeader = 1u << 1,
  kAnTruncatedUdpHeader = 1u << 2,
  kAnTruncatedIcmpHeader = 1u << 3,
  kAnBadIpVersion = 1u << 4,
  kAnBadIhl = 1u << 5,
  kAnIpOptionsTruncated = 1u << 6,
  kAnIpTotalLengthMismatch = 1u << 7,
  kAnBadIpChecksum = 1u << 8,
  kAnBadTcpDataOffset = 1u << 9,
  kAnTcpOptionsTruncated = 1u << 10,
  kAnBadTcpOption = 1u << 11,
  kAnBadTcpChecksum = 1u << 12,
  kAnUdpLengthMismatch = 1u << 13,
  kAnBadUdpChecksum = 1u << 14,
  kAnBadIcmpChecksum = 1u << 15,
  kAnTruncatedIpv6ExtHeader = 1u << 16,
  kAnTruncatedQuotedHeader = 1u << 17,
  kAnLandAttack = 1u << 18,
  kAnTruncatedLinkHeader = 1u << 19,
  kAnTruncatedPayload = 1u << 20,
  kAnIpv6ExtHeaderLimit = 1u << 21,
};
inline constexpr int kAnomalyCount = 22;
inline constexpr std::array<std::string_view, kAnomalyCount> kAnomalyNames = {
    "truncated_ip_header",      "truncated_tcp_header",   "truncated_udp_header",
    "truncated_icmp_header",    "bad_ip_version",         "bad_ihl",
    "ip_options_truncated",     "ip_total_length_mismatch", "bad_ip_checksum",
    "bad_tcp_data_offset",      "tcp_options_truncated",  "bad_tcp_option",
    "bad_tcp_checksum",         "udp_length_mismatch",    "bad_udp_checksum",
    "bad_icmp_checksum",        "truncated_ipv6_ext_header", "truncated_quoted_header",
    "land_attack",              "truncated_link_header",  "truncated_payload",
    "ipv6_ext_header_limit"};

/// What decoding made of a frame before classification.
enum class DecodeStatus : std::uint8_t {
  kOk,            ///< an IP packet (maybe with anomalies, maybe malformed)
  kNonIp,         ///< a link-layer frame that carries no IP (ARP, LLDP, ...)
  kUnsupportedLink,
};

/// TCP flag bits as on the wire.
enum TcpFlag : std::uint8_t {
  kTcpFin = 0x01,
  kTcpSyn = 0x02,
  kTcpRst = 0x04,
  kTcpPsh = 0x08,
  kTcpAck = 0x10,
  kTcpUrg = 0x20,
  kTcpEce = 0x40,
  kTcpCwr = 0x80,
};

/// A compact summary of a SYN's TCP options, enough for fingerprints and OS guesses.
struct TcpOptionsSummary {
  std::uint16_t mss = 0;          ///< 0 when absent
  std::uint8_t window_scale = 0xff;  ///< 0xff when absent
  std::uint8_t count = 0;          ///< options seen (NOP and EOL excluded)
  bool sack_permitted = false;
  bool timestamp = false;
  /// Option kinds in wire order (NOP included, EOL ends), up to 8, 0-terminated
  /// except that EOL itself is kind 0: layout_len says how many are valid.
  std::array<std::uint8_t, 8> layout{};
  std::uint8_t layout_len = 0;
};

/// The ICMP error's quoted original header: its destination names the DoS victim
/// or the scan target (SPEC.md).
struct QuotedHeader {
  IpAddress src;
  IpAddress dst;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint8_t protocol = 0;
  bool present = false;
};

inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;

/// One decoded packet. Fixed size and trivially copyable: it never points into
/// capture memory, so any stage may copy or queue it.
struct PacketRecord {
  // Capture
  std::int64_t ts_ns = 0;          ///< nanoseconds since the Unix epoch, UTC
  std::uint32_t wire_len = 0;      ///< frame length on the wire
  std::uint32_t captured_len = 0;  ///< frame bytes captured
  std::uint16_t sensor_id = 0;
  std::uint16_t link_type = 0;     ///< DLT/LINKTYPE of the frame

  // IP
  IpAddress src;
  IpAddress dst;
  std::uint16_t ip_total_len = 0;  ///< IPv4 total length, or IPv6 40 + payload length
  std::uint16_t ip_id = 0;         ///< IPv4 identification (0 for IPv6 unless fragmented)
  std::uint16_t fragment_offset = 0;  ///< in 8-byte units
  std::uint8_t ip_version = 0;     ///< 4 or 6; 0 when no IP header could be read
  std::uint8_t protocol = 0;       ///< transport protocol after IPv6 extension headers
  std::uint8_t ttl = 0;            ///< TTL or hop limit
  std::uint8_t tos = 0;
  bool more_fragments = false;
  bool dont_fragment = false;

  // Transport
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  std::uint8_t tcp_flags = 0;
  std::uint8_t tcp_data_offset = 0;  ///< in 32-bit words, as on the wire
  std::uint32_t tcp_seq = 0;
  std::uint32_t tcp_ack = 0;
  std::uint16_t tcp_window = 0;
  std::uint16_t payload_len = 0;     ///< transport payload bytes declared/captured
  TcpOptionsSummary tcp_options;
  QuotedHeader quoted;

  // Decode outcome
  std::uint32_t anomalies = 0;     ///< Anomaly bits
  DecodeStatus status = DecodeStatus::kOk;

  // Slots filled by later stages (classify, enrich)
  bool observed = false;           ///< destination lies in the darknet
  TrafficClass traffic_class = TrafficClass::kOther;
  std::uint16_t fingerprints = 0;  ///< Fingerprint bits
  std::array<char, 2> country{};   ///< ISO 3166 alpha-2, {0,0} when unknown
  std::uint32_t asn = 0;           ///< 0 when unknown
  std::uint16_t scanner_org = 0;   ///< 0 = none; else index into the enricher's org table
  std::uint8_t os_guess = 0;       ///< 0 = none; else index into the enricher's OS table
  /// The first observed packet of its source in the run. Set only when the pipeline
  /// tracks sources (PipelineOptions::track_sources, a SourceTable); false otherwise.
  bool new_source = false;

  [[nodiscard]] bool has_anomaly(Anomaly a) const noexcept { return (anomalies & a) != 0; }
  [[nodiscard]] bool has_fingerprint(Fingerprint f) const noexcept {
    return (fingerprints & f) != 0;
  }
  /// True when the IP header was complete, so the source address is known.
  [[nodiscard]] bool source_known() const noexcept { return ip_version != 0; }
};

static_assert(std::is_trivially_copyable_v<PacketRecord>);
static_assert(sizeof(PacketRecord) <= 192, "keep the record compact: it is copied per packet");

}  // namespace darkscope
