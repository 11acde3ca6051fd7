// pcap and pcapng file readers over a buffered cursor (memory view or streamed buffer).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "capture/byte_stream.hpp"
#include "capture/capture_source.hpp"

namespace darkscope {
namespace {

using capture_detail::ByteStream;
using capture_detail::Compression;

/// Larger than any real captured length (libpcap's own bound for most link types).
constexpr std::uint32_t kMaxCaplen = 256 * 1024;
/// Largest read buffer, so the largest block that must sit contiguous in memory.
constexpr std::size_t kBufferSize = std::size_t{4} << 20;
/// The buffer starts this small and grows only for blocks that need more.
constexpr std::size_t kInitialBuffer = std::size_t{1} << 20;
/// Any pcapng block longer than this is taken as a corrupt length.
constexpr std::uint32_t kMaxBlockLength = std::uint32_t{64} << 20;
constexpr std::size_t kMaxInterfaces = 65536;

constexpr std::uint32_t kPcapngShb = 0x0A0D0D0A;
constexpr std::uint32_t kPcapngIdb = 0x00000001;
constexpr std::uint32_t kPcapngPb = 0x00000002;
constexpr std::uint32_t kPcapngSpb = 0x00000003;
constexpr std::uint32_t kPcapngEpb = 0x00000006;

/// Bytes asked of the stream per read: small enough that the buffer area being
/// refilled stays in cache (measured faster than 4 MiB reads or mmap, see
/// docs/CAPTURE.md).
constexpr std::size_t kReadChunk = std::size_t{256} << 10;

/// Uncompressed regular files at least this large are mapped rather than read:
/// the packet path then reads the page cache in place, without read()'s copy.
constexpr std::size_t kMapAtLeast = std::size_t{1} << 20;
/// A mapped file gives back the pages behind the cursor every this many bytes, so
/// that resident memory stays bounded whatever the file's size.
constexpr std::size_t kReleaseEvery = std::size_t{8} << 20;

/// The file being read through a mapping, for the SIGBUS message (one at a time).
char g_mapped_path[512];

/// A mapped file that shrinks under the reader, or a read error beneath the page
/// cache, raises SIGBUS instead of a failed read(): say which file and why, and
/// exit as for damaged input rather than die without a word.
extern "C" void on_mapped_file_bus_error(int /*sig*/) {
  static constexpr char kPrefix[] = "darkscope: ";
  static constexpr char kSuffix[] =
      ": the file shrank, or could not be read, while it was being read (SIGBUS); stopping\n";
  (void)!::write(STDERR_FILENO, kPrefix, sizeof kPrefix - 1);
  (void)!::write(STDERR_FILENO, g_mapped_path, ::strnlen(g_mapped_path, sizeof g_mapped_path));
  (void)!::write(STDERR_FILENO, kSuffix, sizeof kSuffix - 1);
  ::_exit(3);
}

/// A read-only mapping of a whole regular file, unmapped when the last owner goes.
class Mapping {
 public:
  /// The mapping of `size` bytes of fd, or nullptr when the file cannot be mapped.
  static std::shared_ptr<Mapping> map(int fd, std::size_t size, const std::string& path) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) return nullptr;
    ::madvise(p, size, MADV_SEQUENTIAL);
    static const bool handler_installed = [] {
      struct sigaction sa {};
      sa.sa_handler = on_mapped_file_bus_error;
      sigemptyset(&sa.sa_mask);
      return ::sigaction(SIGBUS, &sa, nullptr) == 0;
    }();
    (void)handler_installed;
    std::snprintf(g_mapped_path, sizeof g_mapped_path, "%s", path.c_str());
    return std::shared_ptr<Mapping>(new Mapping(static_cast<const std::uint8_t*>(p), size));
  }
  ~Mapping() { ::munmap(const_cast<std::uint8_t*>(data_), size_); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  [[nodiscard]] Bytes bytes() const noexcept { return {data_, size_}; }
  /// Drops whole pages before `offset` from this process's resident set; they stay
  /// in the page cache, and a forward-only cursor never reads them again.
  void release_before(std::size_t offset) noexcept {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t end = offset / page * page;
    if (end > released_) {
      ::madvise(const_cast<std::uint8_t*>(data_) + released_, end - released_, MADV_DONTNEED);
      released_ = end;
    }
  }

 private:
  Mapping(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t released_ = 0;
};

/// A window on the byte stream: bytes [pos_, end_) of data_ are available, and
/// data_[0] is at stream offset base_. Either a view of the whole input (memory)
/// or a fixed buffer refilled from a ByteStream.
class Cursor {
 public:
  explicit Cursor(Bytes view) noexcept : data_(view.data()), end_(view.size()) {}
  /// A view of a mapped file, whose pages behind the cursor are given back as it moves.
  explicit Cursor(std::shared_ptr<Mapping> mapping) noexcept
      : data_(mapping->bytes().data()),
        end_(mapping->bytes().size()),
        mapping_(std::move(mapping)),
        release_at_(kReleaseEvery) {}
  explicit Cursor(std::unique_ptr<ByteStream> stream)
      : stream_(std::move(stream)),
        storage_(new std::uint8_t[kInitialBuffer]),
        capacity_(kInitialBuffer) {
    data_ = storage_.get();
  }
  Cursor(Cursor&& other) noexcept { *this = std::move(other); }
  Cursor& operator=(Cursor&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(pos_, other.pos_);
    std::swap(end_, other.end_);
    std::swap(base_, other.base_);
    std::swap(stream_, other.stream_);
    std::swap(storage_, other.storage_);
    std::swap(capacity_, other.capacity_);
    std::swap(eof_, other.eof_);
    std::swap(mapping_, other.mapping_);
    std::swap(release_at_, other.release_at_);
    return *this;
  }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() = default;

  [[nodiscard]] std::size_t available() const noexcept { return end_ - pos_; }
  [[nodiscard]] const std::uint8_t* here() const noexcept { return data_ + pos_; }
  [[nodiscard]] std::uint64_t offset() const noexcept { return base_ + pos_; }
  /// Stream offset just past the last byte obtained.
  [[nodiscard]] std::uint64_t end_offset() const noexcept { return base_ + end_; }
  void advance(std::size_t n) noexcept {
    pos_ += n;
    if (pos_ >= release_at_) [[unlikely]] release();
  }
  [[nodiscard]] std::uint64_t raw_bytes() const noexcept {
    return stream_ ? stream_->raw_bytes() : offset();
  }
  [[nodiscard]] std::string stream_error() const {
    return stream_ ? stream_->error() : std::string();
  }

  /// Makes at least n bytes (n <= kBufferSize) available; false when the stream ends first.
  bool fill(std::size_t n) {
    if (available() >= n) return true;
    if (!stream_ || eof_ || n > kBufferSize) return false;
    const std::size_t kept = available();
    if (pos_ > 0) {
      std::memmove(storage_.get(), storage_.get() + pos_, kept);
      base_ += pos_;
      pos_ = 0;
      end_ = kept;
    }
    if (n > capacity_) grow(n);
    while (end_ < n) {
      const std::size_t want = std::min(capacity_ - end_, std::max(kReadChunk, n - end_));
      const std::size_t got = stream_->read(storage_.get() + end_, want);
      if (got == 0) {
        eof_ = true;
        return false;
      }
      end_ += got;
    }
    return true;
  }

  /// Moves past n bytes, which may be more than the buffer holds.
  bool skip(std::uint64_t n) {
    if (n <= available()) {
      advance(static_cast<std::size_t>(n));
      return true;
    }
    n -= available();
    pos_ = end_;
    if (!stream_ || eof_) return false;
    base_ += end_;
    pos_ = end_ = 0;
    while (n > 0) {
      const std::size_t got = stream_->read(
          storage_.get(), static_cast<std::size_t>(std::min<std::uint64_t>(n, capacity_)));
      if (got == 0) {
        eof_ = true;
        return false;
      }
      base_ += got;
      n -= got;
    }
    return true;
  }

 private:
  void release() noexcept {
    if (mapping_) {
      mapping_->release_before(pos_);
      release_at_ = pos_ + kReleaseEvery;
    } else {
      release_at_ = SIZE_MAX;
    }
  }
  /// Room for a block larger than any seen so far (rare: only huge blocks need it).
  void grow(std::size_t n) {
    const std::size_t capacity = std::min(kBufferSize, std::max(n, capacity_ * 2));
    std::unique_ptr<std::uint8_t[]> bigger(new std::uint8_t[capacity]);
    std::memcpy(bigger.get(), storage_.get(), end_);
    storage_ = std::move(bigger);
    data_ = storage_.get();
    capacity_ = capacity;
  }

  const std::uint8_t* data_ = nullptr;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::uint64_t base_ = 0;
  std::unique_ptr<ByteStream> stream_;
  std::unique_ptr<std::uint8_t[]> storage_;
  std::size_t capacity_ = 0;
  bool eof_ = false;
  std::shared_ptr<Mapping> mapping_;
  std::size_t release_at_ = SIZE_MAX;
};

/// What the pcap and pcapng readers share: the cursor, info and damage reports.
class FileSource : public CaptureSource {
 public:
  FileSource(Cursor cursor, CaptureInfo info, bool swapped)
      : cursor_(std::move(cursor)), info_(std::move(info)), swapped_(swapped) {}
  [[nodiscard]] const CaptureInfo& info() const override { return info_; }
  [[nodiscard]] std::uint64_t bytes_read() const override { return cursor_.raw_bytes(); }

 protected:
  [[nodiscard]] std::uint16_t u16(const std::uint8_t* p) const noexcept {
    return swapped_ ? load_be16(p) : load_le16(p);
  }
  [[nodiscard]] std::uint32_t u32(const std::uint8_t* p) const noexcept {
    return swapped_ ? load_be32(p) : load_le32(p);
  }

  void add_link_type(std::uint16_t link_type) {
    for (const std::uint16_t seen : info_.link_types) {
      if (seen == link_type) return;
    }
    info_.link_types.push_back(link_type);
  }

  /// Stops reading at damage found at `offset`; always returns false.
  bool damage(std::uint64_t offset, const std::string& what) {
    finished_ = true;
    info_.complete = false;
    info_.error_offset = offset;
    info_.error = info_.path + ": " + what + " at byte offset " + std::to_string(offset);
    if (info_.compression != "none") info_.error += " of the decompressed stream";
    return false;
  }

  /// The data ended with `needed` bytes wanted at the cursor: a clean end when
  /// nothing at all is left, else a truncated `unit` or a failed read/decompression.
  bool ran_out(std::size_t needed, const char* unit) {
    const std::string failure = cursor_.stream_error();
    if (!failure.empty()) {
      // The record being read is the damaged one; say too where the data stopped.
      damage(cursor_.offset(), failure + "; the " + unit + " is incomplete");
      info_.error += " (data stops at byte " + std::to_string(cursor_.end_offset()) + ")";
      return false;
    }
    if (cursor_.available() == 0) {
      finished_ = true;
      return false;
    }
    return damage(cursor_.offset(), std::string("truncated ") + unit + " (needs " +
                                        std::to_string(needed) + " bytes, the file ends after " +
                                        std::to_string(cursor_.available()) + ")");
  }

  Cursor cursor_;
  CaptureInfo info_;
  bool swapped_;
  bool finished_ = false;
};

class PcapReader final : public FileSource {
 public:
  PcapReader(Cursor cursor, CaptureInfo info, bool swapped, bool nanoseconds)
      : FileSource(std::move(cursor), std::move(info), swapped),
        subsecond_ns_(nanoseconds ? 1 : 1000) {
    const std::uint8_t* header = cursor_.here();
    // The upper 16 bits carry FCS length/flags (LT_FCS_*): only the low 16 are the type.
    link_type_ = static_cast<std::uint16_t>(u32(header + 20) & 0xFFFF);
    add_link_type(link_type_);
    cursor_.advance(kFileHeader);
  }

  bool next(Frame& frame) override {
    if (finished_) return false;
    if (cursor_.available() < kRecordHeader && !cursor_.fill(kRecordHeader)) {
      return ran_out(kRecordHeader, "record header");
    }
    const std::uint32_t caplen = u32(cursor_.here() + 8);
    if (caplen > kMaxCaplen) [[unlikely]] {
      return damage(cursor_.offset(), "absurd captured length " + std::to_string(caplen) +
                                          " (more than " + std::to_string(kMaxCaplen) +
                                          ") in the record");
    }
    const std::size_t total = kRecordHeader + caplen;
    if (cursor_.available() < total && !cursor_.fill(total)) return ran_out(total, "record");
    const std::uint8_t* record = cursor_.here();
    frame.data = Bytes(record + kRecordHeader, caplen);
    frame.ts_ns = static_cast<std::int64_t>(u32(record)) * 1'000'000'000 +
                  static_cast<std::int64_t>(u32(record + 4)) * subsecond_ns_;
    frame.wire_len = u32(record + 12);
    frame.link_type = link_type_;
    frame.interface_id = 0;
    cursor_.advance(total);
    ++info_.packets;
    return true;
  }

  static constexpr std::size_t kFileHeader = 24;

 private:
  static constexpr std::size_t kRecordHeader = 16;
  std::int64_t subsecond_ns_;
  std::uint16_t link_type_ = 0;
};

__extension__ using Uint128 = unsigned __int128;

/// One pcapng interface: link type and how its timestamps become nanoseconds.
struct Interface {
  enum class Scale : std::uint8_t { kMultiply, kDivide, kBinary };
  std::uint16_t link_type = 0;
  std::uint32_t snaplen = 0;
  Scale scale = Scale::kMultiply;
  std::uint64_t factor = 1000;  // multiplier or divisor
  unsigned shift = 0;           // kBinary: ticks of 2^-shift s
  std::uint64_t offset_ns = 0;  // if_tsoffset, two's complement

  void set_resolution(std::uint8_t tsresol) noexcept {
    const unsigned exponent = tsresol & 0x7Fu;
    if ((tsresol & 0x80u) != 0) {
      scale = Scale::kBinary;
      shift = exponent;
      return;
    }
    std::uint64_t power = 1;
    if (exponent <= 9) {
      for (unsigned i = exponent; i < 9; ++i) power *= 10;
      scale = Scale::kMultiply;
      factor = power;
    } else if (exponent - 9 <= 19) {
      for (unsigned i = 9; i < exponent; ++i) power *= 10;
      scale = Scale::kDivide;
      factor = power;
    } else {
      scale = Scale::kMultiply;  // finer than 10^-28 s: every tick rounds to 0 ns
      factor = 0;
    }
  }

  [[nodiscard]] std::int64_t to_ns(std::uint64_t ticks) const noexcept {
    std::uint64_t ns = 0;
    switch (scale) {
      case Scale::kMultiply:
        ns = ticks * factor;
        break;
      case Scale::kDivide:
        ns = ticks / factor;
        break;
      case Scale::kBinary:
        ns = static_cast<std::uint64_t>((Uint128{ticks} * 1'000'000'000u) >> shift);
        break;
    }
    return static_cast<std::int64_t>(ns + offset_ns);
  }
};

class PcapngReader final : public FileSource {
 public:
  PcapngReader(Cursor cursor, CaptureInfo info)
      : FileSource(std::move(cursor), std::move(info), false) {
    // Read the leading header and interface blocks now so info() has the link types.
    seek_packet_block();
  }

  bool next(Frame& frame) override {
    if (!seek_packet_block()) return false;
    const std::uint8_t* block = cursor_.here();
    const std::uint32_t length = pending_length_;
    pending_length_ = 0;
    const std::uint32_t type = u32(block);
    if (type == kPcapngEpb || type == kPcapngPb) [[likely]] {
      if (length < 32)
        return damage(cursor_.offset(),
                      "bad block length " + std::to_string(length) + " for a packet block");
      const std::uint32_t id = type == kPcapngEpb ? u32(block + 8) : u16(block + 8);
      const std::uint32_t caplen = u32(block + 20);
      if (id >= interfaces_.size()) [[unlikely]] {
        return damage(cursor_.offset(), "packet block for interface " + std::to_string(id) +
                                            " but only " + std::to_string(interfaces_.size()) +
                                            " interfaces are described");
      }
      if (caplen > kMaxCaplen) [[unlikely]] {
        return damage(cursor_.offset(), "absurd captured length " + std::to_string(caplen) +
                                            " (more than " + std::to_string(kMaxCaplen) +
                                            ") in the packet block");
      }
      if (std::size_t{32} + caplen > length) [[unlikely]] {
        return damage(cursor_.offset(), "captured length " + std::to_string(caplen) +
                                            " runs past the end of the block of length " +
                                            std::to_string(length));
      }
      const Interface& iface = interfaces_[id];
      const std::uint64_t ticks = (std::uint64_t{u32(block + 12)} << 32) | u32(block + 16);
      frame.data = Bytes(block + 28, caplen);
      frame.ts_ns = iface.to_ns(ticks);
      frame.wire_len = u32(block + 24);
      frame.link_type = iface.link_type;
      frame.interface_id = static_cast<std::uint16_t>(id);
    } else {  // simple packet block: interface 0, no timestamp
      if (length < 16)
        return damage(cursor_.offset(),
                      "bad block length " + std::to_string(length) + " for a simple packet block");
      if (interfaces_.empty()) {
        return damage(cursor_.offset(), "simple packet block before any interface description");
      }
      const Interface& iface = interfaces_[0];
      std::uint32_t caplen = std::min(u32(block + 8), length - 16);
      if (iface.snaplen != 0) caplen = std::min(caplen, iface.snaplen);
      if (caplen > kMaxCaplen) {
        return damage(cursor_.offset(), "absurd captured length " + std::to_string(caplen) +
                                            " in the simple packet block");
      }
      frame.data = Bytes(block + 12, caplen);
      frame.ts_ns = 0;
      frame.wire_len = u32(block + 8);
      frame.link_type = iface.link_type;
      frame.interface_id = 0;
    }
    cursor_.advance(length);
    ++info_.packets;
    return true;
  }

 private:
  /// Processes blocks until a whole, checked packet block is at the cursor.
  bool seek_packet_block() {
    if (pending_length_ != 0) return true;
    while (!finished_) {
      if (cursor_.available() < 12 && !cursor_.fill(12)) return ran_out(12, "block header");
      const std::uint8_t* block = cursor_.here();
      const std::uint32_t raw_type = load_le32(block);
      if (raw_type == kPcapngShb && !start_section()) return false;
      const std::uint32_t type = u32(block);
      const std::uint32_t length = u32(block + 4);
      if (length < 12 || length % 4 != 0 || length > kMaxBlockLength) [[unlikely]] {
        return damage(cursor_.offset(), "bad block length " + std::to_string(length));
      }
      const bool packet = type == kPcapngEpb || type == kPcapngSpb || type == kPcapngPb;
      if (!packet && type != kPcapngIdb && type != kPcapngShb) {
        if (!cursor_.skip(length)) return ran_out(length, "block");
        continue;
      }
      if (length > kBufferSize) {
        return damage(cursor_.offset(), "implausible block length " + std::to_string(length) +
                                            " for a header, interface or packet block");
      }
      if (cursor_.available() < length && !cursor_.fill(length)) return ran_out(length, "block");
      block = cursor_.here();
      const std::uint32_t trailer = u32(block + length - 4);
      if (trailer != length) [[unlikely]] {
        return damage(cursor_.offset(), "bad block length (" + std::to_string(length) +
                                            " at the start, " + std::to_string(trailer) +
                                            " at the end)");
      }
      if (packet) {
        pending_length_ = length;
        return true;
      }
      if (type == kPcapngIdb && !add_interface(block, length)) return false;
      cursor_.advance(length);
    }
    return false;
  }

  /// A section header is at the cursor: take its byte order and forget the interfaces.
  bool start_section() {
    const std::uint32_t magic = load_le32(cursor_.here() + 8);
    if (magic == 0x1A2B3C4D) {
      swapped_ = false;
    } else if (magic == 0x4D3C2B1A) {
      swapped_ = true;
    } else {
      return damage(cursor_.offset(), "section header block with an unknown byte-order magic");
    }
    if (u32(cursor_.here() + 4) < 28) {
      return damage(
          cursor_.offset(),
          "bad block length " + std::to_string(u32(cursor_.here() + 4)) + " for a section header");
    }
    interfaces_.clear();
    return true;
  }

  bool add_interface(const std::uint8_t* block, std::uint32_t length) {
    if (length < 20)
      return damage(cursor_.offset(),
                    "bad block length " + std::to_string(length) + " for an interface description");
    if (interfaces_.size() >= kMaxInterfaces) {
      return damage(cursor_.offset(),
                    "more than " + std::to_string(kMaxInterfaces) + " interfaces");
    }
    Interface iface;
    iface.link_type = u16(block + 8);
    iface.snaplen = u32(block + 12);
    // Options are best effort: a malformed option list only ends the list.
    ByteReader options(Bytes(block + 16, length - 20));
    while (options.has(4)) {
      const std::uint16_t code = u16(options.here());
      const std::uint16_t size = u16(options.here() + 2);
      options.skip(4);
      if (code == 0) break;
      const Bytes value = options.bytes(size);
      if (!options.ok()) break;
      options.skip((4 - size % 4) % 4);
      if (code == 9 && size == 1) iface.set_resolution(value[0]);
      if (code == 14 && size == 8) {
        const std::uint64_t seconds =
            swapped_ ? (std::uint64_t{load_be32(value.data())} << 32) | load_be32(value.data() + 4)
                     : load_le64(value.data());
        iface.offset_ns = seconds * 1'000'000'000u;
      }
    }
    interfaces_.push_back(iface);
    add_link_type(iface.link_type);
    return true;
  }

  std::vector<Interface> interfaces_;
  std::uint32_t pending_length_ = 0;
};

std::string hex_bytes(Bytes bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < 8; ++i) {
    if (i > 0) out += ' ';
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xF];
  }
  return out;
}

/// Picks the reader by the magic number at the start of the (decompressed) data.
std::unique_ptr<CaptureSource> make_reader(Cursor cursor, CaptureInfo info) {
  cursor.fill(PcapReader::kFileHeader);
  const Bytes head(cursor.here(), std::min<std::size_t>(cursor.available(), 16));
  const bool compressed = info.compression != "none";
  if (head.size() < 4 && !cursor.stream_error().empty()) {
    throw CaptureOpenError(info.path + ": " + cursor.stream_error());
  }
  const std::uint32_t magic = head.size() >= 4 ? load_le32(head.data()) : 0;
  const bool pcap_le = magic == 0xA1B2C3D4 || magic == 0xA1B23C4D;
  const bool pcap_be = magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1;
  if (pcap_le || pcap_be) {
    if (cursor.available() < PcapReader::kFileHeader) {
      throw CaptureOpenError(info.path + ": truncated pcap file header (" +
                             std::to_string(cursor.available()) + " of 24 bytes)");
    }
    info.format = "pcap";
    const bool nanoseconds = magic == 0xA1B23C4D || magic == 0x4D3CB2A1;
    return std::make_unique<PcapReader>(std::move(cursor), std::move(info), pcap_be, nanoseconds);
  }
  if (magic == kPcapngShb) {
    cursor.fill(12);
    const std::uint32_t order = cursor.available() >= 12 ? load_le32(cursor.here() + 8) : 0;
    if (order != 0x1A2B3C4D && order != 0x4D3C2B1A) {
      throw CaptureOpenError(
          info.path + ": pcapng section header without a valid byte-order magic (first bytes: " +
          hex_bytes(head) + ")");
    }
    info.format = "pcapng";
    return std::make_unique<PcapngReader>(std::move(cursor), std::move(info));
  }
  std::string what =
      compressed ? info.compression + "-compressed, but the decompressed data is " : std::string();
  if (head.empty()) {
    throw CaptureOpenError(info.path + ": " + what + "empty, not a pcap/pcapng capture");
  }
  throw CaptureOpenError(info.path + ": " + what +
                         "not a pcap/pcapng capture (first bytes: " + hex_bytes(head) + ")");
}

std::unique_ptr<CaptureSource> open_stream(std::unique_ptr<ByteStream> raw, CaptureInfo info) {
  auto replay = std::make_unique<capture_detail::ReplayStream>(std::move(raw));
  const Compression compression = capture_detail::sniff_compression(replay->head());
  if (compression == Compression::kBzip2) {
    throw CaptureOpenError(info.path +
                           ": bzip2-compressed captures are not supported (first bytes: " +
                           hex_bytes(replay->head()) + ")");
  }
  info.compression = capture_detail::compression_name(compression);
  std::unique_ptr<ByteStream> stream;
  try {
    stream = capture_detail::make_decompressor(compression, std::move(replay));
  } catch (const std::exception& e) {
    throw CaptureOpenError(info.path + ": " + e.what());
  }
  return make_reader(Cursor(std::move(stream)), std::move(info));
}

}  // namespace

std::unique_ptr<CaptureSource> open_capture_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CaptureOpenError(path + ": cannot open: " + std::strerror(errno));
  auto file = std::make_unique<capture_detail::FileStream>(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    throw CaptureOpenError(path + ": cannot stat: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw CaptureOpenError(path + ": cannot read: is a directory");
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  CaptureInfo info;
  info.path = path;
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) >= kMapAtLeast) {
    if (auto mapping = Mapping::map(fd, static_cast<std::size_t>(st.st_size), path)) {
      const Bytes bytes = mapping->bytes();
      if (capture_detail::sniff_compression(bytes.first(6)) == Compression::kNone) {
        info.compression = capture_detail::compression_name(Compression::kNone);
        return make_reader(Cursor(std::move(mapping)), std::move(info));
      }
    }
  }
  return open_stream(std::move(file), std::move(info));
}

std::unique_ptr<CaptureSource> open_capture_memory(Bytes bytes, const std::string& name) {
  CaptureInfo info;
  info.path = name;
  if (capture_detail::sniff_compression(bytes.first(std::min<std::size_t>(bytes.size(), 6))) ==
      Compression::kNone) {
    return make_reader(Cursor(bytes), std::move(info));
  }
  return open_stream(std::make_unique<capture_detail::MemoryStream>(bytes), std::move(info));
}

}  // namespace darkscope
