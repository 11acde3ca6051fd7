// A read-only mapping of a whole regular file: parsers and digests read the page
// cache in place instead of copying the file into a buffer first.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace darkscope {

class MappedFile {
 public:
  /// The mapping of `path`, or nullptr when it is not a non-empty regular file or
  /// cannot be mapped: the caller then reads it the ordinary way (and reports why
  /// it cannot).
  static std::unique_ptr<MappedFile> map(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st {};
    void* p = MAP_FAILED;
    std::size_t size = 0;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      size = static_cast<std::size_t>(st.st_size);
      p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    ::close(fd);
    if (p == MAP_FAILED) return nullptr;
    ::madvise(p, size, MADV_SEQUENTIAL);
    return std::unique_ptr<MappedFile>(new MappedFile(static_cast<const unsigned char*>(p), size));
  }
  ~MappedFile() { ::munmap(const_cast<unsigned char*>(data_), size_); }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  [[nodiscard]] const unsigned char* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::string_view text() const noexcept {
    return {reinterpret_cast<const char*>(data_), size_};
  }
  /// Lets go of pages already read: they stay in the page cache, not in this
  /// process's resident set.
  void release(std::size_t offset, std::size_t n) const noexcept {
    ::madvise(const_cast<unsigned char*>(data_) + offset, n, MADV_DONTNEED);
  }

 private:
  MappedFile(const unsigned char* data, std::size_t size) : data_(data), size_(size) {}
  const unsigned char* data_;
  std::size_t size_;
};

}  // namespace darkscope
