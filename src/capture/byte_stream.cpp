#include "capture/byte_stream.hpp"

#include <lzma.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace darkscope::capture_detail {

FileStream::~FileStream() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t FileStream::read(std::uint8_t* out, std::size_t capacity) {
  for (;;) {
    const ssize_t n = ::read(fd_, out, capacity);
    if (n >= 0) {
      consumed_ += static_cast<std::uint64_t>(n);
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    error_ = std::string("read failed: ") + std::strerror(errno);
    return 0;
  }
}

std::size_t MemoryStream::read(std::uint8_t* out, std::size_t capacity) {
  const std::size_t n = std::min(capacity, bytes_.size() - position_);
  if (n > 0) std::memcpy(out, bytes_.data() + position_, n);
  position_ += n;
  return n;
}

ReplayStream::ReplayStream(std::unique_ptr<ByteStream> inner) : inner_(std::move(inner)) {
  while (head_size_ < kMaxHead) {
    const std::size_t n = inner_->read(head_.data() + head_size_, kMaxHead - head_size_);
    if (n == 0) break;
    head_size_ += n;
  }
  error_ = inner_->error();
}

std::size_t ReplayStream::read(std::uint8_t* out, std::size_t capacity) {
  if (head_position_ < head_size_) {
    const std::size_t n = std::min(capacity, head_size_ - head_position_);
    std::memcpy(out, head_.data() + head_position_, n);
    head_position_ += n;
    return n;
  }
  if (!error_.empty()) return 0;
  const std::size_t n = inner_->read(out, capacity);
  if (n == 0) error_ = inner_->error();
  return n;
}

Compression sniff_compression(Bytes head) noexcept {
  auto starts = [&](std::initializer_list<std::uint8_t> magic) {
    if (head.size() < magic.size()) return false;
    return std::equal(magic.begin(), magic.end(), head.begin());
  };
  if (starts({0x1f, 0x8b})) return Compression::kGzip;
  if (starts({0x28, 0xb5, 0x2f, 0xfd})) return Compression::kZstd;
  if (starts({0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00})) return Compression::kXz;
  if (starts({0x42, 0x5a, 0x68})) return Compression::kBzip2;
  return Compression::kNone;
}

const char* compression_name(Compression c) noexcept {
  switch (c) {
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kXz:
      return "xz";
    case Compression::kBzip2:
      return "bzip2";
    case Compression::kNone:
      break;
  }
  return "none";
}

namespace {

/// Input buffering shared by the decompressors.
class Decompressor : public ByteStream {
 public:
  explicit Decompressor(std::unique_ptr<ByteStream> inner)
      : inner_(std::move(inner)), input_(new std::uint8_t[kInputSize]) {}
  [[nodiscard]] std::uint64_t raw_bytes() const override { return inner_->raw_bytes(); }

 protected:
  static constexpr std::size_t kInputSize = std::size_t{1} << 18;

  /// Refills the input when it is used up; false at the end of the input.
  bool refill() {
    if (input_begin_ < input_end_) return true;
    if (input_eof_) return false;
    input_begin_ = 0;
    input_end_ = inner_->read(input_.get(), kInputSize);
    if (input_end_ == 0) {
      input_eof_ = true;
      if (!inner_->error().empty()) error_ = inner_->error();
      return false;
    }
    return true;
  }
  /// Offset in the compressed input of the next byte the decompressor would take.
  [[nodiscard]] std::uint64_t compressed_offset() const {
    return inner_->raw_bytes() - (input_end_ - input_begin_);
  }
  void fail(const std::string& what) {
    if (error_.empty()) {
      error_ = what + " at compressed byte " + std::to_string(compressed_offset());
    }
  }

  std::unique_ptr<ByteStream> inner_;
  std::unique_ptr<std::uint8_t[]> input_;
  std::size_t input_begin_ = 0;
  std::size_t input_end_ = 0;
  bool input_eof_ = false;
  bool done_ = false;
};

class GzipStream final : public Decompressor {
 public:
  explicit GzipStream(std::unique_ptr<ByteStream> inner) : Decompressor(std::move(inner)) {
    // 16 + MAX_WBITS: gzip wrapper only, so a zlib or raw stream is an error here.
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("zlib init failed");
  }
  ~GzipStream() override { inflateEnd(&z_); }

  std::size_t read(std::uint8_t* out, std::size_t capacity) override {
    if (done_ || !error_.empty()) return 0;
    z_.next_out = out;
    z_.avail_out = static_cast<uInt>(std::min<std::size_t>(capacity, 1u << 30));
    const uInt wanted = z_.avail_out;
    while (z_.avail_out == wanted) {
      if (!refill()) {
        if (!error_.empty()) break;
        if (member_started_)
          fail("gzip data ends early (truncated)");
        else
          done_ = true;
        break;
      }
      z_.next_in = input_.get() + input_begin_;
      z_.avail_in = static_cast<uInt>(input_end_ - input_begin_);
      member_started_ = true;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      input_begin_ = input_end_ - z_.avail_in;
      if (rc == Z_STREAM_END) {
        // Another member may follow (concatenated gzip); anything else after a
        // member is trailing padding, ignored as gzip(1) does.
        member_started_ = false;
        if (!refill() || input_[input_begin_] != 0x1f) {
          done_ = error_.empty();
          break;
        }
        inflateReset(&z_);
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        fail(std::string("gzip data corrupt (") + (z_.msg != nullptr ? z_.msg : "inflate error") +
             ")");
        break;
      }
    }
    return wanted - z_.avail_out;
  }

 private:
  z_stream z_{};
  bool member_started_ = false;
};

class ZstdStream final : public Decompressor {
 public:
  explicit ZstdStream(std::unique_ptr<ByteStream> inner)
      : Decompressor(std::move(inner)), stream_(ZSTD_createDStream()) {
    if (stream_ == nullptr) throw std::runtime_error("zstd init failed");
  }
  ~ZstdStream() override { ZSTD_freeDStream(stream_); }

  std::size_t read(std::uint8_t* out, std::size_t capacity) override {
    if (done_ || !error_.empty()) return 0;
    ZSTD_outBuffer output{out, capacity, 0};
    while (output.pos == 0) {
      if (!refill()) {
        if (frame_open_)
          fail("zstd data ends early (truncated)");
        else
          done_ = error_.empty();
        break;
      }
      ZSTD_inBuffer input{input_.get(), input_end_, input_begin_};
      const std::size_t rc = ZSTD_decompressStream(stream_, &output, &input);
      input_begin_ = input.pos;
      if (ZSTD_isError(rc) != 0) {
        fail(std::string("zstd data corrupt (") + ZSTD_getErrorName(rc) + ")");
        break;
      }
      frame_open_ = rc != 0;
    }
    return output.pos;
  }

 private:
  ZSTD_DStream* stream_;
  bool frame_open_ = false;
};

class XzStream final : public Decompressor {
 public:
  explicit XzStream(std::unique_ptr<ByteStream> inner) : Decompressor(std::move(inner)) {
    // A memory limit keeps a hostile header from asking for a huge dictionary.
    if (lzma_stream_decoder(&stream_, kMemoryLimit, LZMA_CONCATENATED) != LZMA_OK) {
      throw std::runtime_error("xz init failed");
    }
  }
  ~XzStream() override { lzma_end(&stream_); }

  std::size_t read(std::uint8_t* out, std::size_t capacity) override {
    if (done_ || !error_.empty()) return 0;
    stream_.next_out = out;
    stream_.avail_out = capacity;
    while (stream_.avail_out == capacity) {
      const bool more = refill();
      if (!more && !error_.empty()) break;
      stream_.next_in = input_.get() + input_begin_;
      stream_.avail_in = input_end_ - input_begin_;
      const lzma_ret rc = lzma_code(&stream_, more ? LZMA_RUN : LZMA_FINISH);
      input_begin_ = input_end_ - stream_.avail_in;
      if (rc == LZMA_STREAM_END) {
        done_ = true;
        break;
      }
      if (rc != LZMA_OK) {
        fail(describe(rc));
        break;
      }
      if (!more && stream_.avail_out == capacity) {
        fail("xz data ends early (truncated)");
        break;
      }
    }
    return capacity - stream_.avail_out;
  }

 private:
  static constexpr std::uint64_t kMemoryLimit = std::uint64_t{256} << 20;
  static std::string describe(lzma_ret rc) {
    switch (rc) {
      case LZMA_MEMLIMIT_ERROR:
        return "xz data needs more than 256 MiB to decompress";
      case LZMA_FORMAT_ERROR:
        return "xz format error";
      case LZMA_OPTIONS_ERROR:
        return "xz options not supported";
      case LZMA_DATA_ERROR:
        return "xz data corrupt";
      case LZMA_BUF_ERROR:
        return "xz data ends early (truncated)";
      case LZMA_MEM_ERROR:
        return "xz out of memory";
      default:
        return "xz decoder error " + std::to_string(static_cast<int>(rc));
    }
  }
  lzma_stream stream_ = LZMA_STREAM_INIT;
};

}  // namespace

std::unique_ptr<ByteStream> make_decompressor(Compression c, std::unique_ptr<ByteStream> inner) {
  switch (c) {
    case Compression::kGzip:
      return std::make_unique<GzipStream>(std::move(inner));
    case Compression::kZstd:
      return std::make_unique<ZstdStream>(std::move(inner));
    case Compression::kXz:
      return std::make_unique<XzStream>(std::move(inner));
    case Compression::kBzip2:
    case Compression::kNone:
      break;
  }
  return inner;
}

}  // namespace darkscope::capture_detail
