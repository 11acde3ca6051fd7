#include "capture_writer.hpp"

#include <lzma.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace darkscope::test {

ByteVector gzip_compress(const ByteVector& in) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  ByteVector out(deflateBound(&z, static_cast<uLong>(in.size())) + 64);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

ByteVector zstd_compress(const ByteVector& in) {
  ByteVector out(ZSTD_compressBound(in.size()));
  const std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n) != 0) throw std::runtime_error("ZSTD_compress");
  out.resize(n);
  return out;
}

ByteVector xz_compress(const ByteVector& in) {
  ByteVector out(lzma_stream_buffer_bound(in.size()));
  std::size_t pos = 0;
  if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr, in.data(), in.size(), out.data(), &pos,
                              out.size()) != LZMA_OK) {
    throw std::runtime_error("lzma_easy_buffer_encode");
  }
  out.resize(pos);
  return out;
}

namespace {
std::filesystem::path temp_dir() {
  return std::filesystem::temp_directory_path() /
         ("darkscope_capture_test_" + std::to_string(::getpid()));
}
/// Removes this process's temporary files when the test program exits.
struct TempDirCleanup {
  ~TempDirCleanup() {
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir(), ignored);
  }
} temp_dir_cleanup;
}  // namespace

std::string write_temp_file(const std::string& name, const ByteVector& bytes) {
  std::filesystem::create_directories(temp_dir());
  const auto path = temp_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

}  // namespace darkscope::test
