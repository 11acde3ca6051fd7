// Builds real frames and pcap files byte by byte for tests (checksums included),
// independent of the project's own capture and synth code.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace darkscope::testing {

using ByteVec = std::vector<std::uint8_t>;

inline void put16(ByteVec& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(ByteVec& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}
inline std::uint16_t inet_checksum(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (n & 1) sum += p[n - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

struct Ipv4Spec {
  std::uint32_t src = 0x01020304;
  std::uint32_t dst = 0xC6336401;  // 198.51.100.1
  std::uint8_t ttl = 64;
  std::uint16_t id = 1;
  std::uint8_t protocol = 6;
};

/// IPv4 header + payload, with correct header checksum.
inline ByteVec ipv4(const Ipv4Spec& s, const ByteVec& payload) {
  ByteVec b;
  b.push_back(0x45);
  b.push_back(0);
  put16(b, static_cast<std::uint16_t>(20 + payload.size()));
  put16(b, s.id);
  put16(b, 0);
  b.push_back(s.ttl);
  b.push_back(s.protocol);
  put16(b, 0);
  put32(b, s.src);
  put32(b, s.dst);
  const std::uint16_t c = inet_checksum(b.data(), 20);
  b[10] = static_cast<std::uint8_t>(c >> 8);
  b[11] = static_cast<std::uint8_t>(c);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

/// A 20-byte TCP header (no options) with a correct checksum over the IPv4 pseudo-header.
inline ByteVec tcp(const Ipv4Spec& ip, std::uint16_t sport, std::uint16_t dport, std::uint32_t seq,
                   std::uint8_t flags, std::uint16_t window = 1024) {
  ByteVec b;
  put16(b, sport);
  put16(b, dport);
  put32(b, seq);
  put32(b, 0);
  b.push_back(0x50);
  b.push_back(flags);
  put16(b, window);
  put16(b, 0);
  put16(b, 0);
  std::uint32_t sum = (ip.src >> 16) + (ip.src & 0xffff) + (ip.dst >> 16) + (ip.dst & 0xffff) + 6 +
                      static_cast<std::uint32_t>(b.size());
  const std::uint16_t c = inet_checksum(b.data(), b.size(), sum);
  b[16] = static_cast<std::uint8_t>(c >> 8);
  b[17] = static_cast<std::uint8_t>(c);
  return b;
}

/// An 8-byte UDP header plus payload with a correct checksum.
inline ByteVec udp(const Ipv4Spec& ip, std::uint16_t sport, std::uint16_t dport, const ByteVec& data) {
  ByteVec b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<std::uint16_t>(8 + data.size()));
  put16(b, 0);
  b.insert(b.end(), data.begin(), data.end());
  std::uint32_t sum = (ip.src >> 16) + (ip.src & 0xffff) + (ip.dst >> 16) + (ip.dst & 0xffff) + 17 +
                      static_cast<std::uint32_t>(b.size());
  std::uint16_t c = inet_checksum(b.data(), b.size(), sum);
  if (c == 0) c = 0xffff;
  b[6] = static_cast<std::uint8_t>(c >> 8);
  b[7] = static_cast<std::uint8_t>(c);
  return b;
}

/// Ethernet II frame around a payload of the given ethertype.
inline ByteVec ethernet(const ByteVec& payload, std::uint16_t ethertype = 0x0800) {
  ByteVec b = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  put16(b, ethertype);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

struct PcapRecord {
  std::uint32_t ts_sec = 1581379200;  // 2020-02-11T00:00:00Z
  std::uint32_t ts_usec = 0;
  ByteVec frame;
};

/// A little-endian microsecond pcap file with the given link type.
inline ByteVec pcap_file(const std::vector<PcapRecord>& records, std::uint32_t linktype = 1) {
  ByteVec b;
  auto le32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  le32(0xa1b2c3d4);
  b.push_back(2);
  b.push_back(0);
  b.push_back(4);
  b.push_back(0);
  le32(0);
  le32(0);
  le32(262144);
  le32(linktype);
  for (const auto& r : records) {
    le32(r.ts_sec);
    le32(r.ts_usec);
    le32(static_cast<std::uint32_t>(r.frame.size()));
    le32(static_cast<std::uint32_t>(r.frame.size()));
    b.insert(b.end(), r.frame.begin(), r.frame.end());
  }
  return b;
}

inline void write_file(const std::string& path, const ByteVec& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

}  // namespace darkscope::testing
