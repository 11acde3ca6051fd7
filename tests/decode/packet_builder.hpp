// Builds test packets byte by byte, with checksums computed here independently
// of the decoder's own checksum code.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "core/frame.hpp"
#include "core/packet_record.hpp"
#include "decode/decoder.hpp"

namespace darkscope::test {

using Buf = std::vector<std::uint8_t>;

inline void put16(Buf& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
inline void put32(Buf& b, std::size_t at, std::uint32_t v) {
  put16(b, at, static_cast<std::uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<std::uint16_t>(v));
}
inline void append(Buf& b, const Buf& more) { b.insert(b.end(), more.begin(), more.end()); }

/// RFC 1071, the plain 16-bit way.
inline std::uint16_t inet_checksum(const Buf& data, std::uint32_t initial = 0) {
  std::uint32_t sum = initial;
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.size() % 2 != 0) sum += data.back() << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

inline constexpr std::uint32_t kSrc4 = 0xC6336401;  // 198.51.100.1
inline constexpr std::uint32_t kDst4 = 0xCB007105;  // 203.0.113.5

struct Ipv4 {
  std::uint32_t src = kSrc4;
  std::uint32_t dst = kDst4;
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  std::uint8_t protocol = kProtoTcp;
  std::uint16_t id = 4242;
  bool df = false;
  bool mf = false;
  std::uint16_t frag_offset = 0;
  Buf options;  ///< multiple of 4
  int ihl = -1;        ///< override the header length field (words)
  int total_len = -1;  ///< override the total length field
  bool bad_checksum = false;
};

struct Tcp {
  std::uint16_t sport = 40000;
  std::uint16_t dport = 23;
  std::uint32_t seq = 1;
  std::uint32_t ack = 0;
  std::uint8_t flags = kTcpSyn;
  std::uint16_t window = 1024;
  Buf options;  ///< multiple of 4
  Buf payload;
  int data_offset = -1;
};

inline Buf tcp_bytes(const Tcp& t) {
  Buf b(20);
  put16(b, 0, t.sport);
  put16(b, 2, t.dport);
  put32(b, 4, t.seq);
  put32(b, 8, t.ack);
  const int doff = t.data_offset >= 0 ? t.data_offset : static_cast<int>(5 + t.options.size() / 4);
  b[12] = static_cast<std::uint8_t>(doff << 4);
  b[13] = t.flags;
  put16(b, 14, t.window);
  append(b, t.options);
  append(b, t.payload);
  return b;
}

inline Buf udp_bytes(std::uint16_t sport, std::uint16_t dport, const Buf& payload,
                     int length = -1) {
  Buf b(8);
  put16(b, 0, sport);
  put16(b, 2, dport);
  put16(b, 4, static_cast<std::uint16_t>(length >= 0 ? length : 8 + payload.size()));
  append(b, payload);
  return b;
}

inline Buf icmp_bytes(std::uint8_t type, std::uint8_t code, const Buf& body = Buf(4, 0)) {
  Buf b = {type, code, 0, 0};
  append(b, body);
  return b;
}

/// Offset of the checksum field in a transport header, or -1.
inline int checksum_offset(std::uint8_t protocol) {
  switch (protocol) {
    case kProtoTcp: return 16;
    case kProtoUdp: return 6;
    case kProtoIcmp:
    case kProtoIcmpv6: return 2;
    default: return -1;
  }
}

/// An IPv4 packet around `l4`, both checksums filled in (TCP/UDP/ICMP).
/// `l4_checksum_delta` is added to the correct transport checksum (1 = bad).
inline Buf ipv4_packet(const Ipv4& ip, Buf l4, int l4_checksum_delta = 0) {
  const int csum_at = checksum_offset(ip.protocol);
  if (csum_at >= 0 && l4.size() >= static_cast<std::size_t>(csum_at) + 2 && ip.frag_offset == 0) {
    std::uint32_t pseudo = 0;
    if (ip.protocol != kProtoIcmp) {
      pseudo = (ip.src >> 16) + (ip.src & 0xffff) + (ip.dst >> 16) + (ip.dst & 0xffff) +
               ip.protocol + static_cast<std::uint32_t>(l4.size());
    }
    put16(l4, csum_at, 0);
    put16(l4, csum_at, static_cast<std::uint16_t>(inet_checksum(l4, pseudo) + l4_checksum_delta));
  }
  const std::size_t hlen = 20 + ip.options.size();
  Buf b(20);
  b[0] = static_cast<std::uint8_t>(0x40 | (ip.ihl >= 0 ? ip.ihl : static_cast<int>(hlen / 4)));
  b[1] = ip.tos;
  put16(b, 2, static_cast<std::uint16_t>(ip.total_len >= 0 ? ip.total_len : hlen + l4.size()));
  put16(b, 4, ip.id);
  put16(b, 6, static_cast<std::uint16_t>((ip.df ? 0x4000 : 0) | (ip.mf ? 0x2000 : 0) |
                                         (ip.frag_offset & 0x1fff)));
  b[8] = ip.ttl;
  b[9] = ip.protocol;
  put32(b, 12, ip.src);
  put32(b, 16, ip.dst);
  append(b, ip.options);
  put16(b, 10, static_cast<std::uint16_t>(inet_checksum(b) + (ip.bad_checksum ? 1 : 0)));
  append(b, l4);
  return b;
}

inline Buf v6_addr(std::uint16_t last) {
  Buf a = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  a[14] = static_cast<std::uint8_t>(last >> 8);
  a[15] = static_cast<std::uint8_t>(last);
  return a;
}

/// An IPv6 packet: `ext` is the raw extension header chain (its next-header fields
/// already chained), `first_next` the fixed header's next header, `upper` the
/// upper-layer protocol for the pseudo-header checksum of `l4`.
inline Buf ipv6_packet(std::uint8_t first_next, const Buf& ext, std::uint8_t upper, Buf l4,
                       int l4_checksum_delta = 0, std::uint8_t hop_limit = 64,
                       std::uint16_t src_last = 1, std::uint16_t dst_last = 2) {
  const Buf src = v6_addr(src_last);
  const Buf dst = v6_addr(dst_last);
  const int csum_at = checksum_offset(upper);
  if (csum_at >= 0 && l4.size() >= static_cast<std::size_t>(csum_at) + 2) {
    Buf pseudo;
    append(pseudo, src);
    append(pseudo, dst);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 32; i += 2) sum += (pseudo[i] << 8) | pseudo[i + 1];
    sum += static_cast<std::uint32_t>(l4.size()) + upper;
    put16(l4, csum_at, 0);
    put16(l4, csum_at, static_cast<std::uint16_t>(inet_checksum(l4, sum) + l4_checksum_delta));
  }
  Buf b(8);
  b[0] = 0x60;
  put16(b, 4, static_cast<std::uint16_t>(ext.size() + l4.size()));
  b[6] = first_next;
  b[7] = hop_limit;
  append(b, src);
  append(b, dst);
  append(b, ext);
  append(b, l4);
  return b;
}

inline Buf ethernet(const Buf& payload, std::uint16_t ethertype,
                    std::initializer_list<std::uint16_t> tag_types = {}) {
  Buf b = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
  for (std::uint16_t tag : tag_types) {
    b.push_back(static_cast<std::uint8_t>(tag >> 8));
    b.push_back(static_cast<std::uint8_t>(tag));
    b.push_back(0x00);
    b.push_back(0x64);  // VLAN 100
  }
  b.push_back(static_cast<std::uint8_t>(ethertype >> 8));
  b.push_back(static_cast<std::uint8_t>(ethertype));
  append(b, payload);
  return b;
}

/// Decodes `bytes` as one frame of the link type.
inline PacketRecord decode_bytes(const Buf& bytes, std::uint16_t link_type,
                                 DecodeStatus* status = nullptr, std::uint32_t wire_len = 0) {
  Frame f;
  f.data = Bytes(bytes.data(), bytes.size());
  f.link_type = link_type;
  f.wire_len = wire_len != 0 ? wire_len : static_cast<std::uint32_t>(bytes.size());
  PacketRecord r;
  const DecodeStatus s = decode_frame(f, r);
  if (status != nullptr) *status = s;
  return r;
}

}  // namespace darkscope::test
