// A few lines of pcap/pcapng reading for tests of decode and classify, so that
// they do not depend on the capture stage.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/byte_reader.hpp"

namespace darkscope::test {

struct TestFrame {
  std::vector<std::uint8_t> data;
  std::uint32_t wire_len = 0;
  std::uint16_t link_type = 0;
};

/// Every record of a pcap (µs/ns, either byte order) or pcapng file (EPB/SPB, per
/// interface link types). Returns an empty list when the file cannot be read.
inline std::vector<TestFrame> read_capture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> f((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
  std::vector<TestFrame> frames;
  if (f.size() < 24) return frames;
  const std::uint32_t magic = load_le32(f.data());
  auto rd32 = [&](std::size_t at, bool le) { return le ? load_le32(&f[at]) : load_be32(&f[at]); };
  if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d || magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
    const bool le = magic == 0xa1b2c3d4 || magic == 0xa1b23c4d;
    const auto link = static_cast<std::uint16_t>(rd32(20, le));
    std::size_t at = 24;
    while (at + 16 <= f.size()) {
      const std::uint32_t caplen = rd32(at + 8, le);
      const std::uint32_t wire = rd32(at + 12, le);
      if (at + 16 + caplen > f.size()) break;
      frames.push_back({{f.begin() + static_cast<long>(at + 16),
                         f.begin() + static_cast<long>(at + 16 + caplen)},
                        wire, link});
      at += 16 + caplen;
    }
    return frames;
  }
  if (magic != 0x0a0d0d0a) return frames;
  bool le = true;
  std::vector<std::uint16_t> links;
  std::size_t at = 0;
  while (at + 12 <= f.size()) {
    std::uint32_t type = rd32(at, le);
    if (type == 0x0a0d0d0a) {
      le = load_le32(&f[at + 8]) == 0x1a2b3c4d;
      links.clear();
    }
    const std::uint32_t len = rd32(at + 4, le);
    if (len < 12 || at + len > f.size()) break;
    if (type == 1) {
      links.push_back(le ? load_le16(&f[at + 8]) : load_be16(&f[at + 8]));
    } else if (type == 6 && len >= 32) {
      const std::uint32_t iface = rd32(at + 8, le);
      const std::uint32_t caplen = rd32(at + 20, le);
      const std::uint32_t wire = rd32(at + 24, le);
      if (iface < links.size() && 28 + caplen <= len) {
        frames.push_back({{f.begin() + static_cast<long>(at + 28),
                           f.begin() + static_cast<long>(at + 28 + caplen)},
                          wire, links[iface]});
      }
    }
    at += len;
  }
  return frames;
}

}  // namespace darkscope::test
