// Builds pcap and pcapng bytes in tests, in either byte order, and compresses them
// with the real libraries, so readers are checked against captures of known content.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace darkscope::test {

using ByteVector = std::vector<std::uint8_t>;

/// Appends integers in a chosen byte order.
class ByteWriter {
 public:
  explicit ByteWriter(bool big_endian) : big_(big_endian) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    if (big_) {
      u8(static_cast<std::uint8_t>(v >> 8));
      u8(static_cast<std::uint8_t>(v));
    } else {
      u8(static_cast<std::uint8_t>(v));
      u8(static_cast<std::uint8_t>(v >> 8));
    }
  }
  void u32(std::uint32_t v) {
    if (big_) {
      u16(static_cast<std::uint16_t>(v >> 16));
      u16(static_cast<std::uint16_t>(v));
    } else {
      u16(static_cast<std::uint16_t>(v));
      u16(static_cast<std::uint16_t>(v >> 16));
    }
  }
  void u64(std::uint64_t v) {
    if (big_) {
      u32(static_cast<std::uint32_t>(v >> 32));
      u32(static_cast<std::uint32_t>(v));
    } else {
      u32(static_cast<std::uint32_t>(v));
      u32(static_cast<std::uint32_t>(v >> 32));
    }
  }
  void bytes(const ByteVector& b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void pad4() {
    while (out_.size() % 4 != 0) u8(0);
  }
  void patch32(std::size_t at, std::uint32_t v) {
    ByteWriter w(big_);
    w.u32(v);
    for (int i = 0; i < 4; ++i) out_[at + i] = w.out_[i];
  }
  [[nodiscard]] std::size_t size() const { return out_.size(); }
  [[nodiscard]] const ByteVector& data() const { return out_; }
  [[nodiscard]] bool big() const { return big_; }

 private:
  bool big_;
  ByteVector out_;
};

/// A pcap file: header then records. Sub-second units are µs or ns per the magic.
class PcapWriter {
 public:
  PcapWriter(bool big_endian, bool nanoseconds, std::uint32_t linktype,
             std::uint32_t snaplen = 65535)
      : w_(big_endian) {
    w_.u32(nanoseconds ? 0xA1B23C4D : 0xA1B2C3D4);
    w_.u16(2);
    w_.u16(4);
    w_.u32(0);
    w_.u32(0);
    w_.u32(snaplen);
    w_.u32(linktype);
  }
  void record(std::uint32_t sec, std::uint32_t subsec, const ByteVector& data,
              std::uint32_t wire_len) {
    w_.u32(sec);
    w_.u32(subsec);
    w_.u32(static_cast<std::uint32_t>(data.size()));
    w_.u32(wire_len);
    w_.bytes(data);
  }
  [[nodiscard]] const ByteVector& data() const { return w_.data(); }

 private:
  ByteWriter w_;
};

/// A pcapng file: sections, interfaces (with if_tsresol / if_tsoffset) and packets.
class PcapngWriter {
 public:
  explicit PcapngWriter(bool big_endian) : w_(big_endian) {}
  void section() {
    auto start = begin(0x0A0D0D0A);
    w_.u32(0x1A2B3C4D);
    w_.u16(1);
    w_.u16(0);
    w_.u64(~std::uint64_t{0});
    end(start);
  }
  /// tsresol < 0: no option (microseconds); tsoffset 0: no option.
  void interface(std::uint16_t linktype, int tsresol = -1, std::int64_t tsoffset = 0,
                 std::uint32_t snaplen = 0) {
    auto start = begin(1);
    w_.u16(linktype);
    w_.u16(0);
    w_.u32(snaplen);
    w_.u16(2);  // if_name, to have an option before the ones that matter
    w_.u16(3);
    w_.bytes({'e', 't', 'h'});
    w_.pad4();
    if (tsresol >= 0) {
      w_.u16(9);
      w_.u16(1);
      w_.u8(static_cast<std::uint8_t>(tsresol));
      w_.pad4();
    }
    if (tsoffset != 0) {
      w_.u16(14);
      w_.u16(8);
      w_.u64(static_cast<std::uint64_t>(tsoffset));
    }
    w_.u16(0);
    w_.u16(0);
    end(start);
  }
  void enhanced_packet(std::uint32_t interface_id, std::uint64_t ticks, const ByteVector& data,
                       std::uint32_t wire_len, bool with_comment = false) {
    auto start = begin(6);
    w_.u32(interface_id);
    w_.u32(static_cast<std::uint32_t>(ticks >> 32));
    w_.u32(static_cast<std::uint32_t>(ticks));
    w_.u32(static_cast<std::uint32_t>(data.size()));
    w_.u32(wire_len);
    w_.bytes(data);
    w_.pad4();
    if (with_comment) {
      w_.u16(1);
      w_.u16(5);
      w_.bytes({'h', 'e', 'l', 'l', 'o'});
      w_.pad4();
      w_.u16(0);
      w_.u16(0);
    }
    end(start);
  }
  /// An EPB made long by `comments` comment options of 65,532 bytes each.
  void long_enhanced_packet(std::uint32_t interface_id, const ByteVector& data, int comments) {
    auto start = begin(6);
    w_.u32(interface_id);
    w_.u32(0);
    w_.u32(1);
    w_.u32(static_cast<std::uint32_t>(data.size()));
    w_.u32(static_cast<std::uint32_t>(data.size()));
    w_.bytes(data);
    w_.pad4();
    for (int i = 0; i < comments; ++i) {
      w_.u16(1);
      w_.u16(65532);
      for (int k = 0; k < 65532; ++k) w_.u8('c');
    }
    w_.u16(0);
    w_.u16(0);
    end(start);
  }
  void simple_packet(const ByteVector& data, std::uint32_t wire_len) {
    auto start = begin(3);
    w_.u32(wire_len);
    w_.bytes(data);
    w_.pad4();
    end(start);
  }
  void obsolete_packet(std::uint16_t interface_id, std::uint64_t ticks, const ByteVector& data,
                       std::uint32_t wire_len) {
    auto start = begin(2);
    w_.u16(interface_id);
    w_.u16(0);
    w_.u32(static_cast<std::uint32_t>(ticks >> 32));
    w_.u32(static_cast<std::uint32_t>(ticks));
    w_.u32(static_cast<std::uint32_t>(data.size()));
    w_.u32(wire_len);
    w_.bytes(data);
    w_.pad4();
    end(start);
  }
  /// A block type the reader does not know (a custom block), to be skipped.
  void unknown_block(std::uint32_t type, std::size_t body_bytes) {
    auto start = begin(type);
    for (std::size_t i = 0; i < body_bytes; ++i) w_.u8(static_cast<std::uint8_t>(i));
    w_.pad4();
    end(start);
  }
  [[nodiscard]] const ByteVector& data() const { return w_.data(); }
  [[nodiscard]] std::size_t size() const { return w_.size(); }

 private:
  std::size_t begin(std::uint32_t type) {
    const std::size_t start = w_.size();
    w_.u32(type);
    w_.u32(0);
    return start;
  }
  void end(std::size_t start) {
    const auto length = static_cast<std::uint32_t>(w_.size() - start + 4);
    w_.u32(length);
    w_.patch32(start + 4, length);
  }
  ByteWriter w_;
};

ByteVector gzip_compress(const ByteVector& in);
ByteVector zstd_compress(const ByteVector& in);
ByteVector xz_compress(const ByteVector& in);
/// Writes bytes to a fresh file under the test temp dir and returns its path.
std::string write_temp_file(const std::string& name, const ByteVector& bytes);

}  // namespace darkscope::test
