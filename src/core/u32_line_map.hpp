// A map from a 32-bit key (an IPv4 address in host order) to a 32-bit value, laid
// out for one random probe per packet: eight keys and their values share a 64-byte
// cache line, compared at once (SSE2), so a lookup reads one line and takes no
// data-dependent branch in the common case. Large tables sit on 2 MiB pages.
//
// Exact by default: it grows (doubling while more than 3/4 full) and never forgets a
// key. With a bound it becomes a cache: at its largest size a newcomer whose line is
// full takes the place of one of the line's keys.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include <sys/mman.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/u32_set.hpp"

namespace darkscope {

class U32LineMap {
 public:
  static constexpr std::size_t kPerLine = 8;

  /// max_entries 0: exact, unbounded. Otherwise a cache of at most that many entries
  /// (rounded up to a power of two).
  explicit U32LineMap(std::size_t max_entries = 0) {
    max_lines_ = max_entries == 0
                     ? ~std::size_t{0}
                     : std::max<std::size_t>(1, std::bit_ceil(max_entries) / kPerLine);
    allocate(std::min(max_lines_, kInitialLines));
  }
  ~U32LineMap() { std::free(lines_); }
  U32LineMap(const U32LineMap&) = delete;
  U32LineMap& operator=(const U32LineMap&) = delete;

  /// Asks for the line that find(k) and insert(k) read first.
  void prefetch(std::uint32_t k) const noexcept { __builtin_prefetch(home(k)); }

  /// The value of k, or nullptr.
  [[nodiscard]] const std::uint32_t* find(std::uint32_t k) const noexcept { return locate(k); }

  /// The value slot of k, and true when k was inserted now (its value is then 0).
  /// Exact maps may throw std::bad_alloc when they grow; caches stop growing instead.
  std::pair<std::uint32_t*, bool> insert(std::uint32_t k) {
    if (k == 0) {
      const bool fresh = !has_zero_;
      has_zero_ = true;
      return {&zero_value_, fresh};
    }
    if (std::uint32_t* v = locate(k)) return {v, false};
    if ((used_ + 1) * 4 > capacity() * 3 && line_count_ < max_lines_) {
      try {
        grow();
      } catch (const std::bad_alloc&) {
        if (max_lines_ == ~std::size_t{0}) throw;
        max_lines_ = line_count_;  // a cache that cannot grow keeps its size
      }
    }
    if ((used_ + 1) * 4 > capacity() * 3) {
      // A cache at its largest: the newcomer goes to its own line, into a slot chosen
      // by other bits of its key when the line is full.
      Line& line = *home(k);
      const unsigned empty = match(line, 0);
      const unsigned slot = empty != 0 ? static_cast<unsigned>(std::countr_zero(empty))
                                       : (k * 0x2545F491u) >> 29;
      if (empty != 0) ++used_;
      line.key[slot] = k;
      line.value[slot] = 0;
      return {&line.value[slot], true};
    }
    return {place(k, 0), true};
  }

  [[nodiscard]] std::size_t size() const noexcept { return used_ + (has_zero_ ? 1 : 0); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return line_count_ * sizeof(Line); }

 private:
  /// Eight keys, then their values. Key 0 marks an empty slot (key zero itself is
  /// kept apart); a line fills from its first slot on and never empties.
  struct alignas(64) Line {
    std::array<std::uint32_t, kPerLine> key;
    std::array<std::uint32_t, kPerLine> value;
  };
  static_assert(sizeof(Line) == 64);
  static constexpr std::size_t kInitialLines = 8192;  // 64k entries, 512 KiB

  [[nodiscard]] std::size_t capacity() const noexcept { return line_count_ * kPerLine; }
  /// The value slot of k, or nullptr.
  [[nodiscard]] std::uint32_t* locate(std::uint32_t k) const noexcept {
    if (k == 0) return has_zero_ ? &zero_value_ : nullptr;
    const std::size_t mask = line_count_ - 1;
    std::size_t i = home_index(k);
    for (std::size_t d = 0; d <= max_probe_; ++d, i = (i + 1) & mask) {
      Line& line = lines_[i];
      const unsigned hit = match(line, k);
      if (hit != 0) return &line.value[std::countr_zero(hit)];
      if (match(line, 0) != 0) return nullptr;  // a line with room ends the probe
    }
    return nullptr;
  }
  [[nodiscard]] std::size_t home_index(std::uint32_t k) const noexcept {
    return detail::u32_slot(k, shift_) & (line_count_ - 1);
  }
  [[nodiscard]] Line* home(std::uint32_t k) const noexcept { return lines_ + home_index(k); }

  /// Bit i set when slot i of the line holds k.
  static unsigned match(const Line& line, std::uint32_t k) noexcept {
#if defined(__SSE2__)
    const __m128i key = _mm_set1_epi32(static_cast<int>(k));
    const __m128i lo = _mm_load_si128(reinterpret_cast<const __m128i*>(line.key.data()));
    const __m128i hi = _mm_load_si128(reinterpret_cast<const __m128i*>(line.key.data() + 4));
    return static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, key)))) |
           (static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi, key))))
            << 4);
#else
    unsigned bits = 0;
    for (unsigned i = 0; i < kPerLine; ++i) bits |= (line.key[i] == k ? 1u : 0u) << i;
    return bits;
#endif
  }

  void allocate(std::size_t lines) {
    constexpr std::size_t kHugePage = std::size_t{2} << 20;
    const std::size_t bytes = lines * sizeof(Line);
    const bool huge = bytes >= kHugePage;
    const std::size_t rounded = huge ? (bytes + kHugePage - 1) / kHugePage * kHugePage : bytes;
    void* p = std::aligned_alloc(huge ? kHugePage : alignof(Line), rounded);
    if (p == nullptr) throw std::bad_alloc();
    if (huge) ::madvise(p, rounded, MADV_HUGEPAGE);  // a hint only
    std::memset(p, 0, bytes);
    lines_ = static_cast<Line*>(p);
    line_count_ = lines;
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(lines));
    used_ = 0;
    max_probe_ = 0;
  }
  /// Puts k (absent, nonzero) in the first empty slot of its probe sequence.
  std::uint32_t* place(std::uint32_t k, std::uint32_t value) noexcept {
    const std::size_t mask = line_count_ - 1;
    std::size_t i = home_index(k);
    for (std::size_t d = 0;; ++d, i = (i + 1) & mask) {
      Line& line = lines_[i];
      const unsigned empty = match(line, 0);
      if (empty == 0) continue;
      max_probe_ = std::max(max_probe_, d);
      const auto slot = static_cast<unsigned>(std::countr_zero(empty));
      line.key[slot] = k;
      line.value[slot] = value;
      ++used_;
      return &line.value[slot];
    }
  }
  void grow() {
    Line* old = lines_;
    const std::size_t old_count = line_count_;
    allocate(line_count_ * 2);  // on bad_alloc the old table stays
    for (std::size_t i = 0; i < old_count; ++i) {
      for (unsigned s = 0; s < kPerLine; ++s) {
        if (old[i].key[s] != 0) place(old[i].key[s], old[i].value[s]);
      }
    }
    std::free(old);
  }

  Line* lines_ = nullptr;
  std::size_t line_count_ = 0;
  std::size_t max_lines_ = 0;
  unsigned shift_ = 64;
  std::size_t used_ = 0;
  std::size_t max_probe_ = 0;  // the farthest any key lies past its home line
  bool has_zero_ = false;
  mutable std::uint32_t zero_value_ = 0;  // locate() hands out its address
};

}  // namespace darkscope
