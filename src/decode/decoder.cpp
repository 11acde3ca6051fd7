// Decode: every field is read with load_be* after one length check per header, so
// a frame of any content is safe and the common packet takes one straight path.
#include "decode/decoder.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "decode/checksum.hpp"

namespace darkscope {
namespace {

constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;
constexpr std::uint16_t kEthertypeVlan = 0x8100;
constexpr std::uint16_t kEthertypeQinQ = 0x88a8;
constexpr std::uint16_t kEthertypeQinQOld = 0x9100;
/// More VLAN tags than this is not a real network: the frame is counted as non-IP.
constexpr int kMaxVlanTags = 8;
/// Longest IPv6 extension header chain walked before giving up (ipv6_ext_header_limit).
constexpr int kMaxIpv6ExtHeaders = 8;

constexpr std::uint32_t kBsdAfInet = 2;
// AF_INET6 differs per BSD: 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
constexpr bool is_bsd_af_inet6(std::uint32_t family) noexcept {
  return family == 24 || family == 28 || family == 30;
}

/// What the IP layer hands the transport decoders.
struct L4Input {
  Bytes captured;              ///< transport bytes captured (never past the IP length)
  std::uint32_t declared = 0;  ///< transport length the IP header declares
  bool fragmented = false;     ///< a first fragment: the segment goes on elsewhere
};

[[nodiscard]] inline bool fully_captured(const L4Input& in) noexcept {
  return !in.fragmented && in.captured.size() == in.declared;
}

void decode_tcp_options(const std::uint8_t* o, std::size_t len, bool cut_by_capture,
                        PacketRecord& out) noexcept {
  TcpOptionsSummary& s = out.tcp_options;
  std::size_t i = 0;
  while (i < len) {
    const std::uint8_t kind = o[i];
    if (s.layout_len < s.layout.size()) s.layout[s.layout_len++] = kind;
    if (kind == 0) break;  // end of option list
    if (kind == 1) {       // no-operation padding
      ++i;
      continue;
    }
    if (i + 1 >= len) {
      if (!cut_by_capture) out.anomalies |= kAnBadTcpOption;
      break;
    }
    const std::uint8_t opt_len = o[i + 1];
    if (opt_len < 2) {
      out.anomalies |= kAnBadTcpOption;
      break;
    }
    if (i + opt_len > len) {
      // An option running past the captured end is the capture's doing, not the sender's.
      if (!cut_by_capture) out.anomalies |= kAnBadTcpOption;
      break;
    }
    ++s.count;
    switch (kind) {
      case 2:
        if (opt_len == 4) {
          s.mss = load_be16(o + i + 2);
        } else {
          out.anomalies |= kAnBadTcpOption;
        }
        break;
      case 3:
        if (opt_len == 3) {
          s.window_scale = o[i + 2];
        } else {
          out.anomalies |= kAnBadTcpOption;
        }
        break;
      case 4:
        if (opt_len == 2) {
          s.sack_permitted = true;
        } else {
          out.anomalies |= kAnBadTcpOption;
        }
        break;
      case 8:
        if (opt_len == 10) {
          s.timestamp = true;
        } else {
          out.anomalies |= kAnBadTcpOption;
        }
        break;
      default:
        break;
    }
    i += opt_len;
  }
}

void decode_tcp(const L4Input& in, PacketRecord& out) noexcept {
  const std::uint8_t* p = in.captured.data();
  const std::size_t n = in.captured.size();
  if (n < 20) {
    out.anomalies |= kAnTruncatedTcpHeader;
    return;
  }
  out.src_port = load_be16(p);
  out.dst_port = load_be16(p + 2);
  out.tcp_seq = load_be32(p + 4);
  out.tcp_ack = load_be32(p + 8);
  out.tcp_data_offset = p[12] >> 4;
  out.tcp_flags = p[13];
  out.tcp_window = load_be16(p + 14);

  std::size_t header_len = 20;
  if (out.tcp_data_offset < 5) {
    out.anomalies |= kAnBadTcpDataOffset;
  } else {
    header_len = std::size_t{out.tcp_data_offset} * 4;
    const bool cut = header_len > n;
    if (cut) out.anomalies |= kAnTcpOptionsTruncated;
    const std::size_t options_end = std::min(header_len, n);
    decode_tcp_options(p + 20, options_end - 20, cut, out);
  }
  out.payload_len = static_cast<std::uint16_t>(
      in.declared > header_len ? std::min<std::uint32_t>(in.declared - header_len, 0xffff) : 0);

  if (fully_captured(in)) {
    const std::uint64_t sum =
        pseudo_header_sum(out.src, out.dst, out.ip_version == 6, kProtoTcp, in.declared);
    if (!checksum_ok(sum, in.captured)) out.anomalies |= kAnBadTcpChecksum;
  }
}

void decode_udp(const L4Input& in, PacketRecord& out) noexcept {
  const std::uint8_t* p = in.captured.data();
  if (in.captured.size() < 8) {
    out.anomalies |= kAnTruncatedUdpHeader;
    return;
  }
  out.src_port = load_be16(p);
  out.dst_port = load_be16(p + 2);
  const std::uint16_t udp_len = load_be16(p + 4);
  const std::uint16_t checksum = load_be16(p + 6);
  const bool length_ok = in.fragmented || udp_len == in.declared;
  if (!length_ok) out.anomalies |= kAnUdpLengthMismatch;
  const std::uint32_t payload_end =
      (udp_len >= 8 && udp_len <= in.declared) ? udp_len : in.declared;
  out.payload_len = static_cast<std::uint16_t>(
      payload_end > 8 ? std::min<std::uint32_t>(payload_end - 8, 0xffff) : 0);

  // IPv4 may send no checksum (zero); IPv6 must always carry one (RFC 8200).
  const bool ipv6 = out.ip_version == 6;
  if (length_ok && fully_captured(in) && (ipv6 || checksum != 0)) {
    const std::uint64_t sum = pseudo_header_sum(out.src, out.dst, ipv6, kProtoUdp, in.declared);
    if (!checksum_ok(sum, in.captured)) out.anomalies |= kAnBadUdpChecksum;
  }
}

/// Walks IPv6 extension headers from `offset`; returns the offset of the upper
/// layer and leaves its protocol in `next`. Sets `stopped` when the chain is cut
/// short or too long (the anomaly bit says which).
struct Ipv6Chain {
  std::size_t offset = 40;
  std::uint8_t next = 0;
  std::uint16_t fragment_offset = 0;
  std::uint16_t fragment_id = 0;
  bool more_fragments = false;
  bool has_fragment_header = false;
  std::uint32_t anomalies = 0;
  bool stopped = false;
};

Ipv6Chain walk_ipv6_chain(const std::uint8_t* p, std::size_t end, std::uint8_t first) noexcept {
  Ipv6Chain c;
  c.next = first;
  for (int headers = 0;; ++headers) {
    std::size_t len = 0;
    switch (c.next) {
      case 0:    // hop-by-hop options
      case 43:   // routing
      case 60:   // destination options
      case 135:  // mobility
        if (c.offset + 2 > end) break;
        len = (std::size_t{p[c.offset + 1]} + 1) * 8;
        break;
      case 51:  // authentication header: length in 4-byte units, minus 2
        if (c.offset + 2 > end) break;
        len = (std::size_t{p[c.offset + 1]} + 2) * 4;
        break;
      case 44:  // fragment
        len = 8;
        break;
      default:
        return c;  // upper layer, ESP (50) or no next header (59): the chain ends
    }
    if (headers >= kMaxIpv6ExtHeaders) {
      c.anomalies |= kAnIpv6ExtHeaderLimit;
      c.stopped = true;
      return c;
    }
    if (len == 0 || c.offset + len > end) {
      c.anomalies |= kAnTruncatedIpv6ExtHeader;
      c.stopped = true;
      return c;
    }
    if (c.next == 44) {
      const std::uint16_t fo = load_be16(p + c.offset + 2);
      c.fragment_offset = fo >> 3;
      c.more_fragments = (fo & 1) != 0;
      // The 32-bit identification does not fit ip_id: keep its low half.
      c.fragment_id = static_cast<std::uint16_t>(load_be32(p + c.offset + 4));
      c.has_fragment_header = true;
      if (c.fragment_offset != 0) {
        // What follows a later fragment's header is payload, not more headers.
        c.next = p[c.offset];
        c.offset += len;
        return c;
      }
    }
    c.next = p[c.offset];
    c.offset += len;
  }
}

/// The quoted original datagram inside an ICMP/ICMPv6 error (RFC 792 / RFC 4443):
/// its IP header and the first 8 bytes of its transport.
void decode_quoted(Bytes quoted, bool ipv6, PacketRecord& out) noexcept {
  const std::uint8_t* p = quoted.data();
  const std::size_t n = quoted.size();
  QuotedHeader& q = out.quoted;
  std::size_t transport = 0;
  if (!ipv6) {
    if (n < 20 || (p[0] >> 4) != 4 || (p[0] & 0x0f) < 5) {
      out.anomalies |= kAnTruncatedQuotedHeader;
      return;
    }
    q.src = IpAddress::v4(load_be32(p + 12));
    q.dst = IpAddress::v4(load_be32(p + 16));
    q.protocol = p[9];
    transport = std::size_t{p[0] & 0x0fu} * 4;
  } else {
    if (n < 40 || (p[0] >> 4) != 6) {
      out.anomalies |= kAnTruncatedQuotedHeader;
      return;
    }
    q.src = IpAddress::v6(p + 8);
    q.dst = IpAddress::v6(p + 24);
    const Ipv6Chain chain = walk_ipv6_chain(p, n, p[6]);
    q.protocol = chain.next;
    transport = chain.offset;
    if (chain.stopped) {
      q.present = true;
      out.anomalies |= kAnTruncatedQuotedHeader;
      return;
    }
  }
  q.present = true;
  if (transport + 8 > n) {
    out.anomalies |= kAnTruncatedQuotedHeader;
    if (transport + 4 > n) return;
  }
  if (q.protocol == kProtoTcp || q.protocol == kProtoUdp) {
    q.src_port = load_be16(p + transport);
    q.dst_port = load_be16(p + transport + 2);
  }
}

void decode_icmp(const L4Input& in, PacketRecord& out) noexcept {
  const std::uint8_t* p = in.captured.data();
  if (in.captured.size() < 8) {
    out.anomalies |= kAnTruncatedIcmpHeader;
    return;
  }
  out.icmp_type = p[0];
  out.icmp_code = p[1];
  out.payload_len = static_cast<std::uint16_t>(
      in.declared > 8 ? std::min<std::uint32_t>(in.declared - 8, 0xffff) : 0);

  const bool v6 = out.protocol == kProtoIcmpv6;
  if (fully_captured(in)) {
    // ICMPv6 covers a pseudo-header; ICMPv4 does not.
    const std::uint64_t sum =
        v6 ? pseudo_header_sum(out.src, out.dst, out.ip_version == 6, kProtoIcmpv6, in.declared)
           : 0;
    if (!checksum_ok(sum, in.captured)) out.anomalies |= kAnBadIcmpChecksum;
  }

  const std::uint8_t t = out.icmp_type;
  const bool error = v6 ? (t >= 1 && t <= 4)
                        : (t == 3 || t == 4 || t == 5 || t == 11 || t == 12);
  if (error) decode_quoted(in.captured.subspan(8), v6, out);
}

void decode_transport(const L4Input& in, PacketRecord& out) noexcept {
  switch (out.protocol) {
    case kProtoTcp:
      decode_tcp(in, out);
      break;
    case kProtoUdp:
      decode_udp(in, out);
      break;
    case kProtoIcmp:
    case kProtoIcmpv6:
      decode_icmp(in, out);
      break;
    default:
      break;
  }
}

/// Declared IP length longer than what was captured: the capture's snap length
/// (truncated_payload) or a lie in the header (ip_total_length_mismatch).
inline void flag_short_datagram(PacketRecord& out) noexcept {
  out.anomalies |= out.captured_len < out.wire_len ? kAnTruncatedPayload
                                                  : kAnIpTotalLengthMismatch;
}

inline void set_v4_mapped(IpAddress& a, const std::uint8_t* network_order) noexcept {
  a.bytes[10] = 0xff;
  a.bytes[11] = 0xff;
  std::memcpy(a.bytes.data() + 12, network_order, 4);
}

void decode_ipv4(Bytes packet, PacketRecord& out) noexcept {
  const std::uint8_t* p = packet.data();
  const std::size_t n = packet.size();
  if (n < 20) {
    out.anomalies |= kAnTruncatedIpHeader;
    return;
  }
  if ((p[0] >> 4) != 4) {
    out.anomalies |= kAnBadIpVersion;
    return;
  }
  out.ip_version = 4;
  out.tos = p[1];
  out.ip_total_len = load_be16(p + 2);
  out.ip_id = load_be16(p + 4);
  const std::uint16_t frag = load_be16(p + 6);
  out.dont_fragment = (frag & 0x4000) != 0;
  out.more_fragments = (frag & 0x2000) != 0;
  out.fragment_offset = frag & 0x1fff;
  out.ttl = p[8];
  out.protocol = p[9];
  // The record was cleared: only the IPv4-mapped marker and the address itself
  // need writing (IpAddress::v4 would rebuild all 16 bytes).
  set_v4_mapped(out.src, p + 12);
  set_v4_mapped(out.dst, p + 16);
  if (load_be32(p + 12) == load_be32(p + 16)) out.anomalies |= kAnLandAttack;

  std::size_t header_len = std::size_t{p[0] & 0x0fu} * 4;
  if (header_len < 20) {
    // Classified by the fixed header all the same: the transport is read after it.
    out.anomalies |= kAnBadIhl;
    header_len = 20;
  } else if (header_len > n) {
    out.anomalies |= kAnIpOptionsTruncated;
  } else if (!checksum_ok(0, packet.first(header_len))) {
    out.anomalies |= kAnBadIpChecksum;
  }

  std::size_t end = n;
  std::uint32_t declared_end = out.ip_total_len;
  if (out.ip_total_len < header_len) {
    out.anomalies |= kAnIpTotalLengthMismatch;
    declared_end = static_cast<std::uint32_t>(n);  // trust what arrived
  } else if (out.ip_total_len > n) {
    flag_short_datagram(out);
  } else {
    end = out.ip_total_len;  // drop link-layer padding and trailers
  }

  if (out.fragment_offset != 0) {
    // A later fragment: no transport header here (classify makes it `other`).
    out.payload_len = static_cast<std::uint16_t>(
        declared_end > header_len ? declared_end - header_len : 0);
    return;
  }
  L4Input in;
  in.captured = header_len <= end ? packet.subspan(header_len, end - header_len) : Bytes{};
  in.declared = declared_end > header_len ? declared_end - static_cast<std::uint32_t>(header_len)
                                          : 0;
  in.fragmented = out.more_fragments;
  decode_transport(in, out);
}

void decode_ipv6(Bytes packet, PacketRecord& out) noexcept {
  const std::uint8_t* p = packet.data();
  const std::size_t n = packet.size();
  if (n < 40) {
    out.anomalies |= kAnTruncatedIpHeader;
    return;
  }
  if ((p[0] >> 4) != 6) {
    out.anomalies |= kAnBadIpVersion;
    return;
  }
  out.ip_version = 6;
  out.tos = static_cast<std::uint8_t>(load_be16(p) >> 4);
  const std::uint16_t payload = load_be16(p + 4);
  out.ttl = p[7];
  out.src = IpAddress::v6(p + 8);
  out.dst = IpAddress::v6(p + 24);
  if (out.src == out.dst) out.anomalies |= kAnLandAttack;
  const std::uint32_t declared_end = 40u + payload;
  out.ip_total_len = static_cast<std::uint16_t>(std::min<std::uint32_t>(declared_end, 0xffff));

  std::size_t end = n;
  if (declared_end > n) {
    flag_short_datagram(out);
  } else {
    end = declared_end;
  }

  const Ipv6Chain chain = walk_ipv6_chain(p, end, p[6]);
  out.protocol = chain.next;
  out.anomalies |= chain.anomalies;
  if (chain.has_fragment_header) {
    out.ip_id = chain.fragment_id;
    out.fragment_offset = chain.fragment_offset;
    out.more_fragments = chain.more_fragments;
  }
  const std::uint32_t declared_l4 =
      declared_end > chain.offset ? declared_end - static_cast<std::uint32_t>(chain.offset) : 0;
  if (chain.stopped || out.fragment_offset != 0) {
    out.payload_len = static_cast<std::uint16_t>(std::min<std::uint32_t>(declared_l4, 0xffff));
    return;
  }
  L4Input in;
  in.captured = chain.offset <= end ? packet.subspan(chain.offset, end - chain.offset) : Bytes{};
  in.declared = declared_l4;
  in.fragmented = out.more_fragments;
  decode_transport(in, out);
}

DecodeStatus decode_ip_any(Bytes packet, PacketRecord& out) noexcept {
  if (packet.empty()) {
    out.anomalies |= kAnTruncatedIpHeader;
    return DecodeStatus::kOk;
  }
  switch (packet[0] >> 4) {
    case 4:
      decode_ipv4(packet, out);
      break;
    case 6:
      decode_ipv6(packet, out);
      break;
    default:
      out.anomalies |= kAnBadIpVersion;
      break;
  }
  return DecodeStatus::kOk;
}

inline DecodeStatus truncated_link(PacketRecord& out) noexcept {
  out.anomalies |= kAnTruncatedLinkHeader;
  return DecodeStatus::kNonIp;
}

/// An ethertype and what follows it, VLAN tags included (Ethernet, SLL, SLL2).
DecodeStatus decode_ethertype(std::uint16_t type, Bytes rest, PacketRecord& out) noexcept {
  for (int tags = 0; type == kEthertypeVlan || type == kEthertypeQinQ || type == kEthertypeQinQOld;
       ++tags) {
    if (tags >= kMaxVlanTags) return DecodeStatus::kNonIp;
    if (rest.size() < 4) return truncated_link(out);
    type = load_be16(rest.data() + 2);
    rest = rest.subspan(4);
  }
  switch (type) {
    case kEthertypeIpv4:
      decode_ipv4(rest, out);
      return DecodeStatus::kOk;
    case kEthertypeIpv6:
      decode_ipv6(rest, out);
      return DecodeStatus::kOk;
    default:
      return DecodeStatus::kNonIp;
  }
}

DecodeStatus decode_bsd_family(std::uint32_t family, Bytes rest, PacketRecord& out) noexcept {
  if (family == kBsdAfInet) {
    decode_ipv4(rest, out);
    return DecodeStatus::kOk;
  }
  if (is_bsd_af_inet6(family)) {
    decode_ipv6(rest, out);
    return DecodeStatus::kOk;
  }
  return DecodeStatus::kNonIp;
}

DecodeStatus decode_link(std::uint16_t link_type, Bytes d, PacketRecord& out) noexcept {
  const std::uint8_t* p = d.data();
  const std::size_t n = d.size();
  switch (link_type) {
    case kLinkEthernet:
      if (n < 14) return truncated_link(out);
      return decode_ethertype(load_be16(p + 12), d.subspan(14), out);
    case kLinkLinuxSll:
      if (n < 16) return truncated_link(out);
      return decode_ethertype(load_be16(p + 14), d.subspan(16), out);
    case kLinkLinuxSll2:
      if (n < 20) return truncated_link(out);
      return decode_ethertype(load_be16(p), d.subspan(20), out);
    case kLinkRawDlt12:
    case kLinkRawDlt14:
    case kLinkRaw:
      return decode_ip_any(d, out);
    case kLinkIpv4:
      decode_ipv4(d, out);
      return DecodeStatus::kOk;
    case kLinkIpv6:
      decode_ipv6(d, out);
      return DecodeStatus::kOk;
    case kLinkNull: {
      if (n < 4) return truncated_link(out);
      // Host byte order of the capturing machine: like libpcap, a value with its
      // upper half set was written by the other byte order.
      std::uint32_t family = load_le32(p);
      if ((family & 0xffff0000u) != 0) family = load_be32(p);
      return decode_bsd_family(family, d.subspan(4), out);
    }
    case kLinkLoop:
      if (n < 4) return truncated_link(out);
      return decode_bsd_family(load_be32(p), d.subspan(4), out);
    default:
      return DecodeStatus::kUnsupportedLink;
  }
}

// The capture fields come first in PacketRecord; everything from `src` on is
// decoded and cleared per packet with one memset (cheaper than building a fresh
// record and copying it), then the few non-zero defaults are restored.
constexpr std::size_t kDecodedBegin = offsetof(PacketRecord, src);
static_assert(offsetof(PacketRecord, link_type) < kDecodedBegin &&
              offsetof(PacketRecord, sensor_id) < kDecodedBegin &&
              offsetof(PacketRecord, captured_len) < kDecodedBegin &&
              offsetof(PacketRecord, wire_len) < kDecodedBegin &&
              offsetof(PacketRecord, ts_ns) < kDecodedBegin,
              "capture fields must precede the decoded ones");

constexpr std::size_t kDecodedSize = sizeof(PacketRecord) - kDecodedBegin;

/// Clears every decoded field of `out` to PacketRecord's defaults, keeping the capture fields.
inline void reset_decoded(PacketRecord& out) noexcept {
  unsigned char* base = reinterpret_cast<unsigned char*>(&out) + kDecodedBegin;
#if defined(__SSE2__)
  // Unrolled 16-byte stores: `rep stos`, which memset becomes at this size, costs
  // tens of cycles to start, a large share of a packet's budget.
  const __m128i zero = _mm_setzero_si128();
  std::size_t i = 0;
  for (; i + 16 <= kDecodedSize; i += 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(base + i), zero);
  }
  std::memset(base + i, 0, kDecodedSize - i);
#else
  std::memset(base, 0, kDecodedSize);
#endif
  out.tcp_options.window_scale = TcpOptionsSummary{}.window_scale;
  out.traffic_class = PacketRecord{}.traffic_class;
  out.status = PacketRecord{}.status;
}

}  // namespace

DecodeStatus decode_frame(const Frame& frame, PacketRecord& out) noexcept {
  // The frame does not carry the sensor: the caller's sensor_id stays.
  out.ts_ns = frame.ts_ns;
  out.captured_len = static_cast<std::uint32_t>(frame.data.size());
  // A source that does not know the wire length (0) has captured all of it.
  out.wire_len = std::max(frame.wire_len, out.captured_len);
  out.link_type = frame.link_type;
  reset_decoded(out);
  out.status = decode_link(frame.link_type, frame.data, out);
  return out.status;
}

DecodeStatus decode_ip(Bytes packet, PacketRecord& out) noexcept {
  reset_decoded(out);
  out.status = decode_ip_any(packet, out);
  return out.status;
}

bool is_supported_link_type(std::uint16_t link_type) noexcept {
  return !link_type_name(link_type).empty();
}

std::string_view link_type_name(std::uint16_t link_type) noexcept {
  switch (link_type) {
    case kLinkNull:
      return "NULL";
    case kLinkEthernet:
      return "EN10MB";
    case kLinkRawDlt12:
    case kLinkRawDlt14:
    case kLinkRaw:
      return "RAW";
    case kLinkLoop:
      return "LOOP";
    case kLinkLinuxSll:
      return "LINUX_SLL";
    case kLinkIpv4:
      return "IPV4";
    case kLinkIpv6:
      return "IPV6";
    case kLinkLinuxSll2:
      return "LINUX_SLL2";
    default:
      return "";
  }
}

}  // namespace darkscope
