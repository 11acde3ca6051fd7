// Forward-only byte sources under the capture file readers: a file, memory, and
// streaming gzip/zstd/xz decompressors stacked on either.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/byte_reader.hpp"

namespace darkscope::capture_detail {

/// A forward-only byte source.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  /// Reads up to `capacity` bytes into `out`; returns 0 only at the end of the
  /// stream or on failure (then error() is non-empty).
  virtual std::size_t read(std::uint8_t* out, std::size_t capacity) = 0;
  /// Bytes taken from the file or memory beneath (compressed bytes when compressed).
  [[nodiscard]] virtual std::uint64_t raw_bytes() const = 0;
  /// Empty unless reading failed; says what failed, without the file name.
  [[nodiscard]] const std::string& error() const { return error_; }

 protected:
  std::string error_;
};

/// Reads a file descriptor it owns.
class FileStream final : public ByteStream {
 public:
  explicit FileStream(int fd) noexcept : fd_(fd) {}
  ~FileStream() override;
  FileStream(const FileStream&) = delete;
  FileStream& operator=(const FileStream&) = delete;
  std::size_t read(std::uint8_t* out, std::size_t capacity) override;
  [[nodiscard]] std::uint64_t raw_bytes() const override { return consumed_; }

 private:
  int fd_;
  std::uint64_t consumed_ = 0;
};

/// Reads bytes that the caller keeps alive.
class MemoryStream final : public ByteStream {
 public:
  explicit MemoryStream(Bytes bytes) noexcept : bytes_(bytes) {}
  std::size_t read(std::uint8_t* out, std::size_t capacity) override;
  [[nodiscard]] std::uint64_t raw_bytes() const override { return position_; }

 private:
  Bytes bytes_;
  std::size_t position_ = 0;
};

/// Replays a few bytes already read (to sniff a magic number) before the rest of
/// the stream beneath, so that sniffing needs no seek and works on pipes.
class ReplayStream final : public ByteStream {
 public:
  static constexpr std::size_t kMaxHead = 16;
  /// Reads up to kMaxHead bytes from `inner` right away; head() shows them.
  explicit ReplayStream(std::unique_ptr<ByteStream> inner);
  [[nodiscard]] Bytes head() const noexcept { return Bytes(head_.data(), head_size_); }
  std::size_t read(std::uint8_t* out, std::size_t capacity) override;
  [[nodiscard]] std::uint64_t raw_bytes() const override { return inner_->raw_bytes(); }

 private:
  std::unique_ptr<ByteStream> inner_;
  std::array<std::uint8_t, kMaxHead> head_{};
  std::size_t head_size_ = 0;
  std::size_t head_position_ = 0;
};

enum class Compression { kNone, kGzip, kZstd, kXz, kBzip2 };

/// The compression a stream starts with, by magic number.
[[nodiscard]] Compression sniff_compression(Bytes head) noexcept;
[[nodiscard]] const char* compression_name(Compression c) noexcept;

/// A decompressing stream over `inner` (gzip with concatenated members, zstd with
/// concatenated frames, xz with concatenated streams). Throws std::runtime_error
/// only when the decompressor cannot be set up.
[[nodiscard]] std::unique_ptr<ByteStream> make_decompressor(Compression c,
                                                            std::unique_ptr<ByteStream> inner);

}  // namespace darkscope::capture_detail
