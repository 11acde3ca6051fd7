// Compact state for the event detectors (scans, DoS, source profiles): a flat
// open-addressing table with in-place deletion, and a distinct counter that is
// exact up to a cap and a HyperLogLog sketch beyond it.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <new>
#include <vector>

#include <sys/mman.h>

#include "core/ip_address.hpp"

namespace darkscope {

/// An allocator that maps large arrays directly and asks for transparent huge
/// pages: the tables below are probed at random, and with 4 KiB pages nearly every
/// probe of a large table also misses the TLB (which a prefetch does not hide).
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHuge = std::size_t{2} << 20;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) return std::allocator<T>().allocate(n);
    void* p = ::mmap(nullptr, (bytes + kHuge - 1) / kHuge * kHuge, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    ::madvise(p, (bytes + kHuge - 1) / kHuge * kHuge, MADV_HUGEPAGE);
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) {
      std::allocator<T>().deallocate(p, n);
    } else {
      ::munmap(p, (bytes + kHuge - 1) / kHuge * kHuge);
    }
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

/// splitmix64 finaliser: turns a 32-bit value into a well-mixed 64-bit hash.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// The 32-bit value a distinct counter holds for an address: the IPv4 value itself
/// (exact), or a 32-bit hash of an IPv6 address (exact up to hash collisions).
[[nodiscard]] inline std::uint32_t distinct_value(const IpAddress& a) noexcept {
  return a.is_v4() ? a.v4_value() : static_cast<std::uint32_t>(hash_address(a) >> 32);
}

/// Blocks of 512 bytes shared by all distinct counters of one detector. A block is
/// either an exact list of up to kExactCap values or 512 HyperLogLog registers.
class DistinctPool {
 public:
  static constexpr std::uint32_t kExactCap = 128;
  static constexpr std::uint32_t kRegisters = 512;  // p = 9: standard error 1.04/sqrt(512) = 4.6%
  using Block = std::array<std::uint32_t, kExactCap>;

  /// Returns a block index >= 1 (0 means "no block").
  std::uint32_t allocate() {
    if (!free_.empty()) {
      const std::uint32_t i = free_.back();
      free_.pop_back();
      blocks_[i - 1] = Block{};
      return i;
    }
    blocks_.emplace_back();
    return static_cast<std::uint32_t>(blocks_.size());
  }
  void release(std::uint32_t index) {
    if (index != 0) free_.push_back(index);
  }
  [[nodiscard]] Block& block(std::uint32_t index) noexcept { return blocks_[index - 1]; }
  [[nodiscard]] const Block& block(std::uint32_t index) const noexcept {
    return blocks_[index - 1];
  }
  [[nodiscard]] std::size_t blocks_in_use() const noexcept { return blocks_.size() - free_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return blocks_.size() * sizeof(Block) + free_.capacity() * sizeof(std::uint32_t);
  }
  void clear() {
    blocks_.clear();
    free_.clear();
  }

 private:
  std::deque<Block> blocks_;  // a deque: growing never copies or doubles the blocks held
  std::vector<std::uint32_t> free_;
};

/// Counts distinct 32-bit values in 16 bytes: exact for the first 2 inline, then
/// exact up to DistinctPool::kExactCap in a pool block, then a HyperLogLog sketch
/// (p = 9) in the same block. Beyond the cap the count is an estimate but never
/// less than kExactCap + 1, since that many distinct values were seen exactly.
struct DistinctCounter {
  std::array<std::uint32_t, 2> inline_values{};
  std::uint32_t block = 0;  ///< 0: none; else a DistinctPool index
  std::uint32_t count = 0;  ///< exact count; kSketch once the block holds registers

  static constexpr std::uint32_t kSketch = 0xFFFFFFFFu;

  [[nodiscard]] bool exact() const noexcept { return count != kSketch; }

  void insert(std::uint32_t v, DistinctPool& pool) {
    if (count == kSketch) {
      sketch_add(pool.block(block), v);
      return;
    }
    const std::uint32_t in_inline = std::min<std::uint32_t>(count, 2);
    for (std::uint32_t i = 0; i < in_inline; ++i) {
      if (inline_values[i] == v) return;
    }
    if (count < 2) {
      inline_values[count++] = v;
      return;
    }
    if (block == 0) block = pool.allocate();
    auto& b = pool.block(block);
    const std::uint32_t in_block = count - 2;
    for (std::uint32_t i = 0; i < in_block; ++i) {
      if (b[i] == v) return;
    }
    if (in_block < DistinctPool::kExactCap) {
      b[in_block] = v;
      ++count;
      return;
    }
    // Exact list full: rebuild the block as registers from every value seen so far.
    const DistinctPool::Block saved = b;
    b = DistinctPool::Block{};
    for (std::uint32_t x : saved) sketch_add(b, x);
    for (std::uint32_t x : inline_values) sketch_add(b, x);
    sketch_add(b, v);
    count = kSketch;
  }

  /// The number of distinct values (exact while exact(), else an estimate).
  [[nodiscard]] std::uint64_t value(const DistinctPool& pool) const noexcept {
    if (count != kSketch) return count;
    const auto& b = pool.block(block);
    const auto* regs = reinterpret_cast<const std::uint8_t*>(b.data());
    double sum = 0;
    int zeros = 0;
    for (std::uint32_t i = 0; i < DistinctPool::kRegisters; ++i) {
      sum += std::ldexp(1.0, -static_cast<int>(regs[i]));
      if (regs[i] == 0) ++zeros;
    }
    constexpr double m = DistinctPool::kRegisters;
    const double alpha = 0.7213 / (1.0 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0) e = m * std::log(m / zeros);  // linear counting range
    const auto estimate = static_cast<std::uint64_t>(std::llround(e));
    return std::max<std::uint64_t>(estimate, DistinctPool::kExactCap + 3);
  }

  void release(DistinctPool& pool) {
    pool.release(block);
    block = 0;
    count = 0;
  }

 private:
  static void sketch_add(DistinctPool::Block& b, std::uint32_t v) noexcept {
    // Registers are bytes; reading them through the block's bytes is the
    // object-representation access the language allows for unsigned char.
    auto* regs = reinterpret_cast<std::uint8_t*>(b.data());
    const std::uint64_t h = mix64(v);
    const std::uint32_t index = static_cast<std::uint32_t>(h >> 55);  // top 9 bits
    const std::uint64_t rest = (h << 9) | (1ULL << 8);                // sentinel bounds the rank
    const auto rank = static_cast<std::uint8_t>(std::countl_zero(rest) + 1);
    if (rank > regs[index]) regs[index] = rank;
  }
};
static_assert(sizeof(DistinctCounter) == 16);
static_assert(sizeof(DistinctPool::Block) == DistinctPool::kRegisters);

/// A flat open-addressing (linear probing) table of Entry values with
/// backward-shift deletion, so it never needs tombstones or rehashing to shrink.
/// Entry must provide `bool used() const`, `void clear_slot()`, and Key must be
/// comparable with `entry.key() == key`. Grows by doubling up to max_slots.
template <typename Entry, typename Key, typename Hash>
class FlatTable {
 public:
  explicit FlatTable(std::size_t initial_slots = 1024) : slots_(std::bit_ceil(initial_slots)) {}

  /// Asks for the cache line of key's home slot (a caller that knows its next keys
  /// issues this some keys ahead, so that the misses of random keys overlap).
  /// Always inlined: GCC takes __builtin_prefetch for a call without side effects,
  /// so a call of this function that is not inlined early is deleted whole.
  [[gnu::always_inline]] void prefetch(const Key& key) const noexcept {
    __builtin_prefetch(slots_.data() + (Hash{}(key) & (slots_.size() - 1)), 1);
  }
  /// The entry for key, or nullptr.
  [[nodiscard]] Entry* find(const Key& key) noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Hash{}(key)&mask;; i = (i + 1) & mask) {
      if (!slots_[i].used()) return nullptr;
      if (slots_[i].key() == key) return &slots_[i];
    }
  }
  /// The entry for key, inserting an unused slot for it (the caller fills it).
  /// `inserted` says whether the slot is new.
  Entry& find_or_insert(const Key& key, bool& inserted) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Hash{}(key)&mask;; i = (i + 1) & mask) {
      if (!slots_[i].used()) {
        inserted = true;
        ++size_;
        return slots_[i];
      }
      if (slots_[i].key() == key) {
        inserted = false;
        return slots_[i];
      }
    }
  }
  /// Removes the entry for key; false when there is none.
  bool erase(const Key& key) noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Hash{}(key)&mask;; i = (i + 1) & mask) {
      if (!slots_[i].used()) return false;
      if (slots_[i].key() == key) {
        erase_at(i);
        return true;
      }
    }
  }
  /// Calls pred(entry) for every entry; removes those for which it returns true.
  /// pred may read and finish the entry but must not touch the table.
  ///
  /// One pass, cluster by cluster from just after an empty slot: a removed entry
  /// leaves a hole, and a kept one moves back to the first hole at or after its
  /// home. The slots before it in its cluster are final by then, so the table ends
  /// as deleting one entry at a time with backward shifts leaves it, without
  /// shifting the rest of a cluster once per removed entry (a sweep that ends half
  /// of a large table would move most of it many times).
  template <typename Pred>
  void remove_if(Pred&& pred) {
    const std::size_t n = slots_.size();
    const std::size_t mask = n - 1;
    std::size_t start = 0;
    while (start < n && slots_[start].used()) ++start;
    if (start == n) start = 0;  // cannot happen below 75% load
    bool holes = false;  // in the cluster walked so far
    for (std::size_t visited = 0, i = (start + 1) & mask; visited < n; ++visited, i = (i + 1) & mask) {
      if (!slots_[i].used()) {
        holes = false;  // a cluster ends
        continue;
      }
      if (pred(slots_[i])) {
        slots_[i].clear_slot();
        --size_;
        holes = true;
        continue;
      }
      if (!holes) continue;  // nothing before it in its cluster moved
      // The entry's home lies in its cluster, before it: every slot from there on
      // was taken before this pass, so a free one is a hole the pass made.
      std::size_t h = Hash{}(slots_[i].key()) & mask;
      while (h != i && slots_[h].used()) h = (h + 1) & mask;
      if (h != i) {
        slots_[h] = slots_[i];
        slots_[i].clear_slot();
      }
    }
  }
  template <typename F>
  void for_each(F&& f) {
    for (auto& e : slots_) {
      if (e.used()) f(e);
    }
  }
  /// The q-quantile (0..1) of f(entry) over an even sample of at most 4096 entries.
  template <typename F>
  [[nodiscard]] std::int64_t sample_quantile(F&& f, double q) const {
    std::vector<std::int64_t> sample;
    sample.reserve(4096);
    const std::size_t stride = std::max<std::size_t>(1, slots_.size() / 4096);
    for (std::size_t i = 0; i < slots_.size(); i += stride) {
      if (slots_[i].used()) sample.push_back(f(slots_[i]));
    }
    if (sample.empty()) return 0;
    const auto k = std::min(sample.size() - 1,
                            static_cast<std::size_t>(q * static_cast<double>(sample.size())));
    std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(k),
                     sample.end());
    return sample[k];
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t slot_count() const noexcept { return slots_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return slots_.capacity() * sizeof(Entry);
  }

 private:
  void erase_at(std::size_t hole) noexcept {
    const std::size_t mask = slots_.size() - 1;
    slots_[hole].clear_slot();
    --size_;
    for (std::size_t j = (hole + 1) & mask; slots_[j].used(); j = (j + 1) & mask) {
      const std::size_t home = Hash{}(slots_[j].key()) & mask;
      // Move j back into the hole unless its home lies cyclically in (hole, j].
      const bool home_in_range =
          hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (home_in_range) continue;
      slots_[hole] = slots_[j];
      slots_[j].clear_slot();
      hole = j;
    }
  }
  void grow() {
    std::vector<Entry, HugePageAllocator<Entry>> old(slots_.size() * 2);
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (auto& e : old) {
      if (!e.used()) continue;
      std::size_t i = Hash{}(e.key()) & mask;
      while (slots_[i].used()) i = (i + 1) & mask;
      slots_[i] = e;
    }
  }

  std::vector<Entry, HugePageAllocator<Entry>> slots_;
  std::size_t size_ = 0;
};

/// How many entries to keep when a table (or its distinct-counter pool) is full:
/// seven eighths of the bound, or of the current size when only the pool is full.
[[nodiscard]] constexpr std::size_t room_target(std::size_t size, std::size_t max_active) noexcept {
  return size >= max_active ? max_active - max_active / 8 : size - size / 8;
}

/// Ends the entries seen longest ago until at most `target` remain: one sampling
/// pass estimates the cutoff time, one sweep ends everything older.
/// sweep(cutoff) must remove the entries whose last_ns(entry) < cutoff.
template <typename Table, typename LastNs, typename Sweep>
void end_oldest(Table& table, std::size_t target, LastNs&& last_ns, Sweep&& sweep) {
  for (int attempt = 1; attempt <= 4 && table.size() > target; ++attempt) {
    const double q = static_cast<double>(table.size() - target) /
                     static_cast<double>(table.size()) * attempt;
    sweep(table.sample_quantile(last_ns, std::min(1.0, q)) + 1);
  }
  if (table.size() > target) sweep(INT64_MAX);
}

}  // namespace darkscope
