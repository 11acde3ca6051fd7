// The floor under any analysis of a classic pcap file: map it, find every record,
// and read a few bytes of each packet (where an Ethernet frame's IPv4 destination
// and TCP port lie), nothing more. bench/run.sh times it beside `analyze`: no
// decoder reading every packet can take less time than this walk.
//
//   pcap_walk FILE.pcap     prints the records walked and a checksum of the bytes read
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

std::uint32_t load32(const unsigned char* p, bool swap) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || std::strcmp(argv[1], "--help") == 0) {
    std::fprintf(stderr, "usage: pcap_walk FILE.pcap\n");
    return 2;
  }
  const int fd = ::open(argv[1], O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || st.st_size < 24) {
    std::fprintf(stderr, "pcap_walk: %s: cannot read\n", argv[1]);
    return 2;
  }
  const auto n = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, n, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) {
    std::fprintf(stderr, "pcap_walk: %s: cannot map\n", argv[1]);
    return 2;
  }
  ::madvise(map, n, MADV_SEQUENTIAL);
  const auto* p = static_cast<const unsigned char*>(map);
  const std::uint32_t magic = load32(p, false);
  bool swap = false;
  if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) {
    swap = true;
  } else if (magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) {
    std::fprintf(stderr, "pcap_walk: %s: not a classic pcap file\n", argv[1]);
    return 2;
  }
  std::uint64_t records = 0;
  std::uint64_t sum = 0;
  std::size_t at = 24;
  // Pages behind the walk are let go, as darkscope's reader does: they stay in the
  // page cache, not in this process's resident set.
  constexpr std::size_t kWindow = std::size_t{64} << 20;
  std::size_t released = 0;
  while (at + 16 <= n) {
    if (at - released >= 2 * kWindow) {
      ::madvise(const_cast<unsigned char*>(p) + released, kWindow, MADV_DONTNEED);
      released += kWindow;
    }
    const std::uint32_t captured = load32(p + at + 8, swap);
    if (captured > n - at - 16) break;
    const unsigned char* frame = p + at + 16;
    if (captured >= 38) {
      std::uint32_t dst = 0;
      std::uint16_t port = 0;
      std::memcpy(&dst, frame + 30, 4);
      std::memcpy(&port, frame + 36, 2);
      sum += dst ^ port;
    }
    ++records;
    at += 16 + captured;
  }
  std::printf("%llu records, checksum %llx\n", static_cast<unsigned long long>(records),
              static_cast<unsigned long long>(sum));
  return 0;
}
