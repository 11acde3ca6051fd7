#include "analyze/bins.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <span>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "core/radix_sort.hpp"
#include "core/time.hpp"
#include "core/varint.hpp"

namespace darkscope {

std::int64_t parse_bin_width(std::string_view text) noexcept {
  if (text == "5m") return kBin5m;
  if (text == "1h") return kBin1h;
  if (text == "1d") return kBin1d;
  return 0;
}

std::string bin_width_text(std::int64_t seconds) {
  switch (seconds) {
    case kBin5m:
      return "5m";
    case kBin1h:
      return "1h";
    case kBin1d:
      return "1d";
    default:
      return std::to_string(seconds) + "s";
  }
}

bool parse_bin_dimension(std::string_view text, BinDimension& out) noexcept {
  for (int i = 0; i < kBinDimensionCount; ++i) {
    if (kBinDimensionNames[static_cast<std::size_t>(i)] == text) {
      out = static_cast<BinDimension>(i);
      return true;
    }
  }
  return false;
}

std::string country_key(const std::array<char, 2>& country) {
  if (country[0] == 0) return "unknown";
  return country[1] == 0 ? std::string(1, country[0]) : std::string(country.data(), 2);
}

std::string bin_key_text(BinDimension dim, std::uint32_t key) {
  switch (dim) {
    case BinDimension::kTotal:
      return "";
    case BinDimension::kPort:
    case BinDimension::kPortExcludingResearch:
      return PortKey::from_packed(key).text();
    case BinDimension::kClass:
      return key < kTrafficClassNames.size() ? std::string(kTrafficClassNames[key]) : std::to_string(key);
    case BinDimension::kFingerprint:
      return key < kFingerprintNames.size() ? std::string(kFingerprintNames[key]) : std::to_string(key);
    case BinDimension::kCountry:
    case BinDimension::kMiraiCountry:
      return country_key({static_cast<char>(key >> 8), static_cast<char>(key & 0xff)});
    case BinDimension::kAsn:
    case BinDimension::kScanner:
      return std::to_string(key);
  }
  return std::to_string(key);
}

namespace {

/// The position of `text` in a table of names.
template <class Names>
bool index_of(const Names& names, std::string_view text, std::uint32_t& key) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) {
      key = static_cast<std::uint32_t>(i);
      return true;
    }
  }
  return false;
}

}  // namespace

bool parse_bin_key(BinDimension dim, std::string_view text, std::uint32_t& key) {
  switch (dim) {
    case BinDimension::kTotal:
      key = 0;
      return true;
    case BinDimension::kPort:
    case BinDimension::kPortExcludingResearch: {
      const auto k = PortKey::parse(std::string(text));
      if (!k) return false;
      key = k->packed();
      return true;
    }
    case BinDimension::kClass:
      return index_of(kTrafficClassNames, text, key);
    case BinDimension::kFingerprint:
      return index_of(kFingerprintNames, text, key);
    case BinDimension::kCountry:
    case BinDimension::kMiraiCountry:
      if (text == "unknown" || text.empty()) {
        key = 0;
        return true;
      }
      if (text.size() > 2) return false;
      key = country_code({text[0], text.size() > 1 ? text[1] : '\0'});
      return true;
    case BinDimension::kAsn:
    case BinDimension::kScanner: {
      if (text.empty() || text.size() > 10) return false;
      std::uint64_t v = 0;
      for (const char c : text) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (v > 0xffffffffULL) return false;
      key = static_cast<std::uint32_t>(v);
      return true;
    }
  }
  return false;
}

std::string encode_cells(const std::vector<BinCell>& cells) {
  std::string out;
  out.reserve(cells.size() * 6 + 4);
  put_varint(out, cells.size());
  std::uint32_t previous = 0;
  for (const BinCell& c : cells) {
    put_varint(out, c.key - previous);
    put_varint(out, c.packets);
    put_varint(out, c.bytes);
    put_varint(out, c.sources);
    previous = c.key;
  }
  return out;
}

bool decode_cells(std::string_view data, std::vector<BinCell>& cells) {
  cells.clear();
  std::size_t pos = 0;
  std::uint64_t n = 0;
  if (!get_varint(data, pos, n) || n > data.size()) return false;
  cells.reserve(n);
  std::uint64_t key = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t delta = 0;
    BinCell c;
    if (!get_varint(data, pos, delta) || !get_varint(data, pos, c.packets) ||
        !get_varint(data, pos, c.bytes) || !get_varint(data, pos, c.sources)) {
      return false;
    }
    key += delta;
    if (key > 0xffffffffULL) return false;
    c.key = static_cast<std::uint32_t>(key);
    cells.push_back(c);
  }
  return pos == data.size();
}

std::vector<BinCell> merge_cells(const std::vector<BinCell>& a, const std::vector<BinCell>& b) {
  std::vector<BinCell> out;
  out.reserve(a.size() + b.size());
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].key < b[j].key)) {
      out.push_back(a[i++]);
    } else if (i == a.size() || b[j].key < a[i].key) {
      out.push_back(b[j++]);
    } else {
      BinCell c = a[i++];
      c.packets += b[j].packets;
      c.bytes += b[j].bytes;
      c.sources += b[j].sources;
      ++j;
      out.push_back(c);
    }
  }
  return out;
}

namespace {

constexpr std::uint64_t kV6Base = std::uint64_t{1} << 32;
constexpr std::uint64_t kNone = ~std::uint64_t{0};
constexpr std::uint16_t kNoBin = 0xffff;
constexpr int kBinsPerHour = static_cast<int>(kBin1h / kBin5m);
constexpr std::size_t kRingSize = 16;

// Port ranking keys as dense indexes: TCP ports, UDP ports, then the ICMP row.
constexpr std::uint32_t kPortIndexes = 2 * 65536 + 1;
constexpr std::uint32_t kIcmpIndex = 2 * 65536;
constexpr std::uint32_t port_index(PortKey k) noexcept {
  return k.protocol == kProtoTcp ? k.port : k.protocol == kProtoUdp ? 65536u + k.port : kIcmpIndex;
}
constexpr std::uint32_t port_from_index(std::uint32_t i) noexcept {
  if (i < 65536) return PortKey{kProtoTcp, static_cast<std::uint16_t>(i)}.packed();
  if (i < kIcmpIndex) return PortKey{kProtoUdp, static_cast<std::uint16_t>(i - 65536)}.packed();
  return PortKey{kProtoIcmp, 0}.packed();
}

// Slots of the dense cell array of an open bin. Keys without a slot (AS numbers,
// country codes that are not two capital letters, organisation slots past
// kDenseOrgs) live in a small hash table beside it.
constexpr std::uint32_t kSlotTotal = 0;
constexpr std::uint32_t kSlotClass = 1;
constexpr std::uint32_t kSlotFingerprint = kSlotClass + kTrafficClassCount;
constexpr std::uint32_t kSlotUnknownCountry = kSlotFingerprint + kFingerprintCount;
constexpr std::uint32_t kSlotCountry = kSlotUnknownCountry + 1;  // "AA".."ZZ"
constexpr std::uint32_t kSlotOrg = kSlotCountry + 26 * 26;
constexpr std::uint32_t kDenseOrgs = 256;
constexpr std::uint32_t kSlotIcmp = kSlotOrg + kDenseOrgs;  // packed ICMP row sorts before TCP
constexpr std::uint32_t kSlotPort = kSlotIcmp + 1;            // TCP, then UDP
constexpr std::uint32_t kSlotAsn = (kSlotPort + 2 * 65536 + 63) / 64 * 64;  // the day's first AS numbers
constexpr std::uint32_t kDenseAsns = 65536;
constexpr std::uint32_t kSlotCount = kSlotAsn + kDenseAsns;
constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};

constexpr std::uint32_t port_slot(std::uint32_t index) noexcept {
  return index == kIcmpIndex ? kSlotIcmp : kSlotPort + index;
}

/// The dense slot of a country, or kNoSlot when it needs the side table.
constexpr std::uint32_t country_slot(std::uint32_t code) noexcept {
  if (code == 0) return kSlotUnknownCountry;
  const std::uint32_t a = code >> 8;
  const std::uint32_t b = code & 0xff;
  if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') return kNoSlot;
  return kSlotCountry + (a - 'A') * 26 + (b - 'A');
}

/// The dimension and key of a slot below kSlotAsn. Within a dimension, slots ascend
/// as keys do.
std::pair<BinDimension, std::uint32_t> slot_key(std::uint32_t slot) noexcept {
  if (slot == kSlotTotal) return {BinDimension::kTotal, 0};
  if (slot < kSlotFingerprint) return {BinDimension::kClass, slot - kSlotClass};
  if (slot < kSlotUnknownCountry) return {BinDimension::kFingerprint, slot - kSlotFingerprint};
  if (slot == kSlotUnknownCountry) return {BinDimension::kCountry, 0};
  if (slot < kSlotOrg) {
    const std::uint32_t i = slot - kSlotCountry;
    return {BinDimension::kCountry, ((i / 26 + 'A') << 8) | (i % 26 + 'A')};
  }
  if (slot < kSlotIcmp) return {BinDimension::kScanner, slot - kSlotOrg};
  if (slot == kSlotIcmp) return {BinDimension::kPort, port_from_index(kIcmpIndex)};
  return {BinDimension::kPort, port_from_index(slot - kSlotPort)};
}

constexpr std::uint64_t side_key(BinDimension dim, std::uint32_t key) noexcept {
  return (std::uint64_t{static_cast<std::uint8_t>(dim)} << 32) | key;
}

constexpr std::size_t kHugePage = std::size_t{2} << 20;

/// Zeroed memory aligned to a cache line. Large blocks are mapped directly (and
/// offered transparent huge pages): the tables below are probed at random.
void* zeroed_alloc(std::size_t bytes) {
  if (bytes >= kHugePage) {
    const std::size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    ::madvise(p, size, MADV_HUGEPAGE);
    return p;
  }
  void* p = std::aligned_alloc(64, (std::max<std::size_t>(bytes, 64) + 63) / 64 * 64);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  return p;
}
void zeroed_free(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes >= kHugePage) {
    ::munmap(p, (bytes + kHugePage - 1) / kHugePage * kHugePage);
  } else {
    std::free(p);
  }
}

/// An array of zero-initialised trivially copyable values.
template <typename T>
class ZeroedArray {
 public:
  ZeroedArray() = default;
  explicit ZeroedArray(std::size_t n) : data_(static_cast<T*>(zeroed_alloc(n * sizeof(T)))), size_(n) {}
  ~ZeroedArray() { zeroed_free(data_, size_ * sizeof(T)); }
  ZeroedArray(ZeroedArray&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  ZeroedArray& operator=(ZeroedArray&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  T* data() noexcept { return data_; }
  /// Twice the size, the elements kept and the new half zero. A large array is
  /// extended where it lies (mremap), so its pages are not copied and only the new
  /// half is memory the kernel has to hand out; a fresh page costs more than the
  /// copy (on a virtual machine, about 1.5 ms a megabyte the first time).
  void double_in_place() {
    const std::size_t old_bytes = size_ * sizeof(T);
    const std::size_t new_bytes = 2 * old_bytes;
    if (old_bytes >= kHugePage) {
      const std::size_t from = (old_bytes + kHugePage - 1) / kHugePage * kHugePage;
      const std::size_t to = (new_bytes + kHugePage - 1) / kHugePage * kHugePage;
      void* p = ::mremap(data_, from, to, MREMAP_MAYMOVE);
      if (p == MAP_FAILED) throw std::bad_alloc();
      ::madvise(p, to, MADV_HUGEPAGE);
      data_ = static_cast<T*>(p);
    } else {
      T* p = static_cast<T*>(zeroed_alloc(new_bytes));
      std::memcpy(static_cast<void*>(p), data_, old_bytes);
      zeroed_free(data_, old_bytes);
      data_ = p;
    }
    size_ *= 2;
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

inline std::uint64_t hash64(std::uint64_t key) noexcept {
  key ^= key >> 29;
  return key * 0x9E3779B97F4A7C15ULL;
}

/// Re-places the entries of a linear-probing table whose slot array was just
/// doubled in place (old entries in the first half, the second half empty). Homes
/// come from the top bits of the hash (home(e) in the doubled table), so an entry's
/// new home is at least twice its old one, nearly always at or past the slot it
/// sits in. Walking the old half downwards, each entry is lifted and put at the
/// first empty slot from its new home: everything above the walk is already in
/// its new place, and a slot emptied below it lies before the home of every entry
/// placed so far, so no probe sequence gets a hole. The few entries whose new
/// home lies below their slot (near the start, or wrapped clusters) or whose
/// probe would wrap are put in after the walk.
template <typename Slot, typename Used, typename Home>
void rehash_doubled(Slot* slots, std::size_t old_n, Used&& used, Home&& home) {
  const std::size_t n = 2 * old_n;
  std::vector<Slot> later;
  for (std::size_t j = old_n; j-- > 0;) {
    if (!used(slots[j])) continue;
    const Slot e = slots[j];
    slots[j] = Slot{};
    std::size_t i = home(e);
    if (i < j) {
      later.push_back(e);
      continue;
    }
    while (i < n && used(slots[i])) ++i;
    if (i == n) {
      later.push_back(e);
      continue;
    }
    slots[i] = e;
  }
  for (const Slot& e : later) {
    std::size_t i = home(e);
    while (used(slots[i])) i = (i + 1) & (n - 1);
    slots[i] = e;
  }
}

/// Open addressing keyed by a 64-bit value (stored plus one: zero marks an empty
/// slot), linear probing, at most half full: with slots of a cache line each, a
/// probe then rarely goes past the two lines prefetch() asks for.
template <typename Value>
class FlatTable64 {
 public:
  struct Slot {
    std::uint64_t key;
    Value value;
  };

  explicit FlatTable64(std::size_t min_slots = 16) { reset(min_slots); }

  void prefetch(std::uint64_t h) const noexcept {
    const std::size_t i = static_cast<std::size_t>(h >> shift_);
    __builtin_prefetch(&slots_[i], 1);
    __builtin_prefetch(&slots_[(i + 1) & (slots_.size() - 1)], 1);
  }

  /// The value for key (zeroed, and `inserted` set, when new); h = hash64(key).
  [[gnu::always_inline]] Value& find_or_insert(std::uint64_t key, std::uint64_t h, bool& inserted) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    const std::uint64_t stored = key + 1;
    for (std::size_t i = static_cast<std::size_t>(h >> shift_);; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.key == stored) {
        inserted = false;
        return s.value;
      }
      if (s.key == 0) {
        s.key = stored;
        ++used_;
        inserted = true;
        return s.value;
      }
    }
  }
  Value& operator[](std::uint64_t key) {
    bool inserted = false;
    return find_or_insert(key, hash64(key), inserted);
  }
  [[nodiscard]] const Value* find(std::uint64_t key) const noexcept {
    const std::size_t mask = slots_.size() - 1;
    const std::uint64_t stored = key + 1;
    for (std::size_t i = static_cast<std::size_t>(hash64(key) >> shift_);; i = (i + 1) & mask) {
      if (slots_[i].key == stored) return &slots_[i].value;
      if (slots_[i].key == 0) return nullptr;
    }
  }
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].key != 0) f(slots_[i].key - 1, slots_[i].value);
    }
  }
  [[nodiscard]] std::size_t size() const noexcept { return used_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  void clear() {
    if (used_ == 0) return;
    std::memset(static_cast<void*>(slots_.data()), 0, slots_.size() * sizeof(Slot));
    used_ = 0;
  }

 private:
  void reset(std::size_t min_slots) {
    const std::size_t n = std::bit_ceil(std::max<std::size_t>(min_slots, 16));
    slots_ = ZeroedArray<Slot>(n);
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(n));
    used_ = 0;
  }
  void grow() {
    const std::size_t old_n = slots_.size();
    slots_.double_in_place();
    --shift_;
    rehash_doubled(
        slots_.data(), old_n, [](const Slot& e) { return e.key != 0; },
        [this](const Slot& e) { return static_cast<std::size_t>(hash64(e.key - 1) >> shift_); });
  }

  ZeroedArray<Slot> slots_;
  std::size_t used_ = 0;
  unsigned shift_ = 64;
};

/// One source on one day, with what its packets of the open bins have been
/// counted under (so that each source counts once per key and bin).
struct SourceEntry {
  std::uint64_t packets;
  std::uint64_t bytes;
  std::int64_t first_ns;
  std::int64_t last_ns;
  std::uint32_t asn;
  std::uint16_t classes;
  std::uint16_t fingerprints;
  std::uint16_t country;
  std::uint16_t org;
  std::uint16_t last_bin5;   // the latest 5-minute bin of the day it was seen in
  std::uint16_t classes_5m;  // classes seen in last_bin5
  std::uint16_t classes_1h;  // classes seen in last_bin5's hour
  std::uint8_t fingerprints_5m;
  std::uint8_t fingerprints_1h;
  std::uint32_t asn_slot;  // kSlotAsn + the AS number's place in the day, or kNoSlot
};
static_assert(sizeof(FlatTable64<SourceEntry>::Slot) == 64);

/// The (source, port) pairs of one day in 8 bytes a pair: bits 63..13 the pair
/// (source key + 1, port index), bits 12..4 the latest 5-minute bin it was seen in,
/// bits 3..0 its packets up to 15; pairs with more move them to a side table eight
/// at a time (the slot then holds 8..15 and the side table the rest). A probe
/// starts at the first slot of the home slot's cache line, so it nearly always
/// stays within the one line prefetch() asks for.
class PairTable {
 public:
  static constexpr std::uint64_t kBinMask = 0x1ff;
  static constexpr std::uint64_t kNoBin9 = 0x1ff;
  static constexpr std::uint64_t kCountMax = 15;
  static constexpr std::uint64_t kCountMoved = 8;  ///< packets moved to the side table at a time

  explicit PairTable(std::size_t min_slots = 1024) { reset(min_slots); }

  static std::uint64_t pair(std::uint64_t src_key, std::uint32_t port_index) noexcept {
    return ((src_key + 1) << 18) | port_index;
  }
  void prefetch(std::uint64_t h) const noexcept { __builtin_prefetch(&slots_[home(h)], 1); }

  /// Counts a packet of `pair` in 5-minute bin `bin5`; returns the bin it was seen
  /// in last (kNoBin9 when new).
  [[gnu::always_inline]] std::uint64_t add(std::uint64_t pair, std::uint64_t h, std::uint64_t bin5) {
    if ((used_ + 1) * 4 > slots_.size() * 3) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = home(h);; i = (i + 1) & mask) {
      std::uint64_t& s = slots_[i];
      if (s == 0) {
        s = (pair << 13) | (bin5 << 4) | 1;
        ++used_;
        return kNoBin9;
      }
      if ((s >> 13) == pair) {
        const std::uint64_t last = (s >> 4) & kBinMask;
        std::uint64_t count = s & 15;
        if (count == kCountMax) {
          // Eight packets move to the side table at once, so that a busy pair
          // probes it every eighth packet rather than every one.
          overflow_[pair] += kCountMoved;
          count = kCountMax + 1 - kCountMoved;
        } else {
          ++count;
        }
        const std::uint64_t bin = bin5 > last ? bin5 : last;
        s = (pair << 13) | (bin << 4) | count;
        return last;
      }
    }
  }
  [[nodiscard]] std::size_t size() const noexcept { return used_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  [[nodiscard]] std::size_t home(std::uint64_t h) const noexcept {
    return static_cast<std::size_t>(h >> shift_) & ~std::size_t{7};
  }
  /// Packets of a pair whose slot is `s`.
  [[nodiscard]] std::uint64_t packets(std::uint64_t s) const noexcept {
    const std::uint64_t count = s & 15;
    // A pair that ever reached kCountMax keeps at least kCountMax + 1 - kCountMoved.
    if (count < kCountMax + 1 - kCountMoved) return count;
    const std::uint64_t* more = overflow_.find(s >> 13);
    return count + (more != nullptr ? *more : 0);
  }
  /// Moves the used slots to the front and returns them (the table is then unusable).
  ZeroedArray<std::uint64_t> compact(std::size_t& n) {
    n = 0;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i] != 0) slots_[n++] = slots_[i];
    }
    used_ = 0;
    return std::move(slots_);
  }

 private:
  void reset(std::size_t min_slots) {
    const std::size_t n = std::bit_ceil(std::max<std::size_t>(min_slots, 16));
    slots_ = ZeroedArray<std::uint64_t>(n);
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(n));
    used_ = 0;
  }
  void grow() {
    const std::size_t old_n = slots_.size();
    slots_.double_in_place();
    --shift_;
    rehash_doubled(
        slots_.data(), old_n, [](std::uint64_t e) { return e != 0; },
        [this](std::uint64_t e) { return home(hash64(e >> 13)); });
  }

  ZeroedArray<std::uint64_t> slots_;
  std::size_t used_ = 0;
  unsigned shift_ = 64;
  FlatTable64<std::uint64_t> overflow_{64};
};

struct CellSum {
  std::uint64_t packets;
  std::uint64_t bytes;
  std::uint64_t sources;
};

/// The cells of the open 5-minute bin and of the open hour, side by side in one
/// cache line per slot. A packet adds its packets and bytes to the 5-minute half
/// only; closing the 5-minute bin adds them to the hour's half.
class OpenBins {
 public:
  enum Width { k5m = 0, k1h = 1 };

  OpenBins() : cells_(kSlotCount) {
    for (auto& t : touched_) t.assign(kSlotCount / 64 + 1, 0);
  }

  /// A packet of the open 5-minute bin (and so of the open hour).
  [[gnu::always_inline]] void add(std::uint32_t slot, std::uint32_t bytes, bool new5, bool new1h) {
    Cells& c = cells_[slot];
    CellSum& m = c.of[k5m];
    // Unconditional: a branch on "first packet of the cell" mispredicts on sparse data.
    touched_[k5m][slot >> 6] |= std::uint64_t{1} << (slot & 63);
    ++m.packets;
    m.bytes += bytes;
    m.sources += new5 ? 1 : 0;
    c.of[k1h].sources += new1h ? 1 : 0;
  }
  /// A packet of the open hour whose 5-minute bin is closed already.
  void add_hour(std::uint32_t slot, std::uint32_t bytes, bool new1h) {
    CellSum& h = cells_[slot].of[k1h];
    touched_[k1h][slot >> 6] |= std::uint64_t{1} << (slot & 63);
    ++h.packets;
    h.bytes += bytes;
    h.sources += new1h ? 1 : 0;
  }
  void add_side(Width w, std::uint64_t key, std::uint32_t bytes, bool new_source) {
    CellSum& c = side_[w][key];
    ++c.packets;
    c.bytes += bytes;
    c.sources += new_source ? 1 : 0;
  }
  void prefetch(std::uint32_t slot) const noexcept { __builtin_prefetch(&cells_[slot], 1); }

  /// Appends the cells of width w (one SubBin per dimension, ascending) and clears
  /// them; calls day(dim, cell) for every cell. asns names the AS slots.
  template <typename DaySum>
  void close(Width w, std::int64_t bin_s, std::int64_t start, const std::vector<std::uint32_t>& asns,
             std::vector<SubBin>& out, DaySum&& day) {
    std::vector<BinCell> cells;
    BinDimension dim = BinDimension::kTotal;
    auto emit = [&] {
      if (!cells.empty()) out.push_back(SubBin{bin_s, start, dim, encode_cells(cells)});
      cells.clear();
    };
    auto put = [&](BinDimension d, const BinCell& c) {
      if (d != dim) {
        emit();
        dim = d;
      }
      day(d, c);
      cells.push_back(c);
    };
    std::vector<std::pair<std::uint64_t, CellSum>> side;
    side.reserve(side_[w].size());
    side_[w].for_each([&](std::uint64_t k, const CellSum& c) { side.emplace_back(k, c); });
    // The AS slots are in the order the day met them: they join the side cells.
    std::vector<std::uint64_t>& bits = touched_[w];
    const std::vector<std::uint32_t>& as_slots = touched_slots(bits, kSlotAsn / 64, bits.size());
    for (std::size_t i = 0; i < as_slots.size(); ++i) {
      if (i + kCloseAhead < as_slots.size()) prefetch(as_slots[i + kCloseAhead]);
      const std::uint32_t slot = as_slots[i];
      CellSum& c = cells_[slot].of[w];
      side.emplace_back(side_key(BinDimension::kAsn, asns[slot - kSlotAsn]), c);
      fold(w, slot, c);
    }
    std::sort(side.begin(), side.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    side_[w].clear();
    // Merge the dense slots and the side cells, both ascending within a dimension.
    std::size_t j = 0;
    auto put_side_before = [&](std::uint64_t limit) {
      for (; j < side.size() && side[j].first < limit; ++j) {
        const CellSum& c = side[j].second;
        put(static_cast<BinDimension>(side[j].first >> 32),
            {static_cast<std::uint32_t>(side[j].first), c.packets, c.bytes, c.sources});
      }
    };
    const std::vector<std::uint32_t>& slots = touched_slots(bits, 0, kSlotAsn / 64);
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (i + kCloseAhead < slots.size()) prefetch(slots[i + kCloseAhead]);
      const std::uint32_t slot = slots[i];
      CellSum& c = cells_[slot].of[w];
      const auto [d, key] = slot_key(slot);
      put_side_before(side_key(d, key));
      put(d, {key, c.packets, c.bytes, c.sources});
      fold(w, slot, c);
    }
    put_side_before(~std::uint64_t{0});
    emit();
  }

 private:
  /// Cells read this many ahead of the one being closed: the touched slots are
  /// scattered over megabytes, in an order the hardware cannot guess.
  static constexpr std::size_t kCloseAhead = 8;

  /// The slots whose bits are set in words [from, to) of `bits`, ascending; clears
  /// those words. The list lives until the next call.
  const std::vector<std::uint32_t>& touched_slots(std::vector<std::uint64_t>& bits, std::size_t from,
                                                  std::size_t to) {
    slot_list_.clear();
    for (std::size_t word = from; word < to; ++word) {
      for (std::uint64_t b = bits[word]; b != 0; b &= b - 1) {
        slot_list_.push_back(static_cast<std::uint32_t>(word * 64 + static_cast<std::size_t>(std::countr_zero(b))));
      }
      bits[word] = 0;
    }
    return slot_list_;
  }

  /// Clears a closed cell; a 5-minute cell's packets and bytes go to its hour.
  void fold(Width w, std::uint32_t slot, CellSum& c) {
    if (w == k5m) {
      CellSum& h = cells_[slot].of[k1h];
      h.packets += c.packets;
      h.bytes += c.bytes;
      touched_[k1h][slot >> 6] |= std::uint64_t{1} << (slot & 63);
    }
    c = CellSum{};
  }

  struct alignas(64) Cells {
    CellSum of[2];
  };
  static_assert(kSlotAsn % 64 == 0);
  ZeroedArray<Cells> cells_;
  std::array<std::vector<std::uint64_t>, 2> touched_;  // bitmaps of slots with packets
  std::vector<std::uint32_t> slot_list_;
  std::array<FlatTable64<CellSum>, 2> side_{FlatTable64<CellSum>(256), FlatTable64<CellSum>(256)};
};

struct LateKey {
  std::int64_t bin_s;
  std::int64_t start;
  std::uint8_t dim;
  std::uint32_t key;
  bool operator<(const LateKey& o) const noexcept {
    return std::tie(bin_s, start, dim, key) < std::tie(o.bin_s, o.start, o.dim, o.key);
  }
};

}  // namespace

/// A packet waiting for its table probes (prefetched when it was added).
struct BinAggregator::Pending {
  std::uint64_t src_key;  // kNone: the source is not known
  std::uint64_t src_hash;
  std::uint64_t pair;  // kNone: no (known source, port) pair
  std::uint64_t pair_hash;
  std::int64_t ts_ns;
  std::int64_t day;  // Unix seconds of 00:00 UTC
  std::uint32_t bytes;
  std::uint32_t asn;
  std::uint32_t port_index;  // kNoSlot: not charged to a port
  std::uint16_t country;
  std::uint16_t org;
  std::uint16_t bin5;  // 5-minute bin of the day
  std::uint8_t cls;
  std::uint8_t fingerprints;
};

/// Everything counted for one UTC day since the last flush.
struct BinAggregator::Day {
  Day(std::int64_t d, std::size_t source_hint, std::size_t pair_hint)
      : day(d), sources(source_hint), pairs(pair_hint) {}

  std::int64_t day;
  FlatTable64<SourceEntry> sources;
  PairTable pairs;
  OpenBins open;
  std::vector<std::uint32_t> asns;          // AS number of each AS slot
  FlatTable64<std::uint32_t> asn_slots{1024};  // AS number -> slot
  int open5_index = -1;
  int open1h_index = -1;
  std::vector<SubBin> closed;
  std::map<LateKey, CellSum> late;  // cells of bins already closed (out-of-order packets)
  FlatTable64<CellSum> day_sums{4096};  // side_key(dim, key) -> packets, bytes (from hours)
  FlatTable64<CellSum> mirai_countries{64};
  std::vector<IpAddress> v6;  // the IPv6 sources of source keys >= kV6Base
  std::unordered_map<IpAddress, std::uint32_t, IpAddressHash> v6_index;
  std::uint64_t packets = 0;

  void add_day_sum(BinDimension dim, const BinCell& c) {
    CellSum& s = day_sums[side_key(dim, c.key)];
    s.packets += c.packets;
    s.bytes += c.bytes;
  }
  void close5() {
    if (open5_index < 0) return;
    open.close(OpenBins::k5m, kBin5m, day + open5_index * kBin5m, asns, closed,
               [](BinDimension, const BinCell&) {});
    open5_index = -1;
  }
  void close1h() {
    if (open1h_index < 0) return;
    open.close(OpenBins::k1h, kBin1h, day + open1h_index * kBin1h, asns, closed,
               [this](BinDimension dim, const BinCell& c) { add_day_sum(dim, c); });
    open1h_index = -1;
  }
  std::uint32_t asn_slot(std::uint32_t asn) {
    std::uint32_t& slot = asn_slots[asn];
    if (slot == 0) {
      if (asns.size() >= kDenseAsns) return kNoSlot;
      asns.push_back(asn);
      slot = static_cast<std::uint32_t>(asns.size());  // plus one: zero means new
    }
    return kSlotAsn + slot - 1;
  }
  /// Closes the open bins and turns the late cells into sub-bins.
  void close_all() {
    close5();
    close1h();
    std::vector<BinCell> cells;
    for (auto it = late.begin(); it != late.end();) {
      const LateKey k = it->first;
      cells.clear();
      for (; it != late.end() && it->first.bin_s == k.bin_s && it->first.start == k.start &&
             it->first.dim == k.dim;
           ++it) {
        const CellSum& c = it->second;
        cells.push_back({it->first.key, c.packets, c.bytes, c.sources});
        if (k.bin_s == kBin1h) add_day_sum(static_cast<BinDimension>(k.dim), cells.back());
      }
      closed.push_back(SubBin{k.bin_s, k.start, static_cast<BinDimension>(k.dim), encode_cells(cells)});
    }
    late.clear();
  }
};

namespace {

/// Which of a packet's keys see its source for the first time in a bin.
struct CellFlags {
  bool source;
  bool cls;
  std::uint8_t fingerprints;
  bool port;
};

/// Counts a packet into the open bins: both (hour_only false) or the hour only.
[[gnu::always_inline]] inline void count_open(OpenBins& open, bool hour_only, const BinAggregator::Pending& p,
                                              std::uint32_t asn_slot, const CellFlags& f5,
                                              const CellFlags& f1h) {
  auto add = [&](std::uint32_t slot, bool new5, bool new1h) {
    if (hour_only) {
      open.add_hour(slot, p.bytes, new1h);
    } else {
      open.add(slot, p.bytes, new5, new1h);
    }
  };
  auto side = [&](BinDimension dim, std::uint32_t key, bool new5, bool new1h) {
    if (!hour_only) open.add_side(OpenBins::k5m, side_key(dim, key), p.bytes, new5);
    open.add_side(OpenBins::k1h, side_key(dim, key), p.bytes, new1h);
  };
  add(kSlotTotal, f5.source, f1h.source);
  add(kSlotClass + p.cls, f5.cls, f1h.cls);
  for (std::uint8_t bits = p.fingerprints; bits != 0; bits &= static_cast<std::uint8_t>(bits - 1)) {
    const int b = std::countr_zero(bits);
    add(kSlotFingerprint + static_cast<std::uint32_t>(b), ((f5.fingerprints >> b) & 1) != 0,
        ((f1h.fingerprints >> b) & 1) != 0);
  }
  if (p.src_key != kNone) {
    const std::uint32_t country = country_slot(p.country);
    if (country != kNoSlot) {
      add(country, f5.source, f1h.source);
    } else {
      side(BinDimension::kCountry, p.country, f5.source, f1h.source);
    }
    if (asn_slot != kNoSlot) {
      add(asn_slot, f5.source, f1h.source);
    } else {
      side(BinDimension::kAsn, p.asn, f5.source, f1h.source);
    }
    if (p.org != 0) {
      if (p.org < kDenseOrgs) {
        add(kSlotOrg + p.org, f5.source, f1h.source);
      } else {
        side(BinDimension::kScanner, p.org, f5.source, f1h.source);
      }
    }
  }
  if (p.port_index != kNoSlot) add(port_slot(p.port_index), f5.port, f1h.port);
}

void count_late(BinAggregator::Day& d, const BinAggregator::Pending& p, std::int64_t bin_s,
                std::int64_t start, const CellFlags& f) {
  auto add = [&](BinDimension dim, std::uint32_t key, bool fresh) {
    CellSum& c = d.late[LateKey{bin_s, start, static_cast<std::uint8_t>(dim), key}];
    ++c.packets;
    c.bytes += p.bytes;
    c.sources += fresh ? 1 : 0;
  };
  add(BinDimension::kTotal, 0, f.source);
  add(BinDimension::kClass, p.cls, f.cls);
  for (int b = 0; b < kFingerprintCount; ++b) {
    if ((p.fingerprints >> b) & 1) {
      add(BinDimension::kFingerprint, static_cast<std::uint32_t>(b), ((f.fingerprints >> b) & 1) != 0);
    }
  }
  if (p.src_key != kNone) {
    add(BinDimension::kCountry, p.country, f.source);
    add(BinDimension::kAsn, p.asn, f.source);
    if (p.org != 0) add(BinDimension::kScanner, p.org, f.source);
  }
  if (p.port_index != kNoSlot) add(BinDimension::kPort, port_from_index(p.port_index), f.port);
}

}  // namespace

BinAggregator::BinAggregator(OrgNamer org_namer)
    : org_namer_(std::move(org_namer)), ring_(new Pending[kRingSize]) {}

BinAggregator::~BinAggregator() = default;

std::string BinAggregator::org_name(std::uint16_t org) const {
  if (org == 0) return "";
  std::string name = org_namer_ ? org_namer_(org) : std::string();
  return name.empty() ? "org-" + std::to_string(org) : name;
}

void BinAggregator::expect_day(std::uint64_t sources, std::uint64_t pairs) {
  // The tables' loads: sources at most half full, pairs at most three quarters.
  constexpr std::uint64_t kMax = std::uint64_t{1} << 28;  // a sanity bound, not a policy
  const auto slots = [&](std::uint64_t n, std::uint64_t num, std::uint64_t den) {
    return static_cast<std::size_t>(std::bit_ceil(std::min(n, kMax) * num / den + 1));
  };
  if (sources > 0) source_capacity_hint_ = std::max(source_capacity_hint_, slots(sources, 2, 1));
  if (pairs > 0) pair_capacity_hint_ = std::max(pair_capacity_hint_, slots(pairs, 4, 3));
}

std::size_t BinAggregator::entries() const noexcept {
  std::size_t n = 0;
  for (const auto& d : days_) n += d->sources.size() + d->pairs.size();
  return n;
}

BinAggregator::Day& BinAggregator::day_state(std::int64_t day) {
  if (current_ != nullptr && current_->day == day) return *current_;
  for (auto& d : days_) {
    if (d->day == day) {
      current_ = d.get();
      return *current_;
    }
  }
  // A new day gets tables the size the last one needed, so they rarely grow.
  days_.push_back(std::make_unique<Day>(day, source_capacity_hint_, pair_capacity_hint_));
  current_ = days_.back().get();
  return *current_;
}

void BinAggregator::add(const PacketRecord& r) {
  if (!r.observed) return;
  Pending& p = ring_[ring_next_];
  if (ring_count_ == kRingSize) process(p);
  ++packets_;
  p.ts_ns = r.ts_ns;
  const std::int64_t day_ns = floor_to(r.ts_ns, kNsPerDay);
  p.day = day_ns / kNsPerSecond;
  p.bin5 = static_cast<std::uint16_t>((r.ts_ns - day_ns) / (kBin5m * kNsPerSecond));
  p.bytes = r.wire_len;
  p.cls = static_cast<std::uint8_t>(r.traffic_class);
  p.fingerprints = static_cast<std::uint8_t>(r.fingerprints);
  Day& d = day_state(p.day);
  if (r.source_known()) {
    std::uint64_t prefix;
    std::uint32_t mapped;
    std::memcpy(&prefix, r.src.bytes.data(), 8);
    std::memcpy(&mapped, r.src.bytes.data() + 8, 4);
    if (prefix == 0 && mapped == 0xffff0000u) {  // ::ffff:a.b.c.d (little-endian load)
      p.src_key = r.src.v4_value();
    } else {
      auto [it, fresh] = d.v6_index.try_emplace(r.src, static_cast<std::uint32_t>(d.v6.size()));
      if (fresh) d.v6.push_back(r.src);
      p.src_key = kV6Base + it->second;
    }
    p.src_hash = hash64(p.src_key);
    d.sources.prefetch(p.src_hash);
    if (resolver_) {
      // Set from the source's entry once it is probed.
      p.country = 0;
      p.asn = 0;
      p.org = 0;
    } else {
      p.country = static_cast<std::uint16_t>(country_code(r.country));
      p.asn = r.asn;
      p.org = r.scanner_org;
    }
  } else {
    p.src_key = kNone;
    p.country = 0;
    p.asn = 0;
    p.org = 0;
  }
  const auto port = ranking_port_key(r);
  p.port_index = port ? port_index(*port) : kNoSlot;
  if (port && p.src_key != kNone) {
    p.pair = PairTable::pair(p.src_key, p.port_index);
    p.pair_hash = hash64(p.pair);
    d.pairs.prefetch(p.pair_hash);
  } else {
    p.pair = kNone;
  }
  if (port) d.open.prefetch(port_slot(p.port_index));
  ring_next_ = (ring_next_ + 1) % kRingSize;
  if (ring_count_ < kRingSize) ++ring_count_;
}

void BinAggregator::drain() {
  std::size_t i = (ring_next_ + kRingSize - ring_count_) % kRingSize;
  for (; ring_count_ > 0; --ring_count_, i = (i + 1) % kRingSize) process(ring_[i]);
  ring_next_ = 0;
}

void BinAggregator::process(Pending& p) {
  Day& d = day_state(p.day);
  ++d.packets;
  const int bin5 = p.bin5;
  const int hour = bin5 / kBinsPerHour;
  // Bins close when a packet of a later bin arrives; earlier ones are late.
  if (bin5 > d.open5_index) {
    d.close5();
    d.open5_index = bin5;
  }
  if (hour > d.open1h_index) {
    d.close1h();
    d.open1h_index = hour;
  }
  CellFlags f5{false, false, 0, false};
  CellFlags f1h{false, false, 0, false};
  std::uint32_t asn_slot = kNoSlot;
  if (p.src_key != kNone) {
    bool inserted = false;
    SourceEntry& s = d.sources.find_or_insert(p.src_key, p.src_hash, inserted);
    if (inserted) {
      s.first_ns = p.ts_ns;
      s.last_ns = p.ts_ns;
      if (resolver_) {
        const SourceSlots a =
            resolver_(p.src_key < kV6Base ? IpAddress::v4(static_cast<std::uint32_t>(p.src_key))
                                          : d.v6[p.src_key - kV6Base]);
        s.country = static_cast<std::uint16_t>(country_code(a.country));
        s.asn = a.asn;
        s.org = a.scanner_org;
      } else {
        s.country = p.country;
        s.asn = p.asn;
        s.org = p.org;
      }
      s.last_bin5 = kNoBin;
      s.asn_slot = d.asn_slot(s.asn);
    }
    if (resolver_) {
      p.country = s.country;
      p.asn = s.asn;
      p.org = s.org;
    }
    asn_slot = s.asn_slot;
    ++s.packets;
    s.bytes += p.bytes;
    const std::uint16_t cls_bit = static_cast<std::uint16_t>(1u << p.cls);
    s.classes |= cls_bit;
    s.fingerprints |= p.fingerprints;
    if (p.ts_ns < s.first_ns) s.first_ns = p.ts_ns;
    if (p.ts_ns > s.last_ns) s.last_ns = p.ts_ns;
    if (s.last_bin5 == kNoBin || bin5 > s.last_bin5) {
      f5.source = true;
      f1h.source = s.last_bin5 == kNoBin || hour != s.last_bin5 / kBinsPerHour;
      s.last_bin5 = static_cast<std::uint16_t>(bin5);
      s.classes_5m = 0;
      s.fingerprints_5m = 0;
      if (f1h.source) {
        s.classes_1h = 0;
        s.fingerprints_1h = 0;
      }
    } else if (bin5 < s.last_bin5) {
      // Out of order: whether it was seen in that earlier bin is not kept, so it
      // counts again there (an upper bound); within the same hour it is known.
      f5.source = true;
      f1h.source = hour != s.last_bin5 / kBinsPerHour;
    }
    const bool in_last5 = bin5 == s.last_bin5;
    const bool in_last1h = hour == s.last_bin5 / kBinsPerHour;
    f5.cls = !in_last5 || (s.classes_5m & cls_bit) == 0;
    f1h.cls = !in_last1h || (s.classes_1h & cls_bit) == 0;
    f5.fingerprints = in_last5 ? static_cast<std::uint8_t>(p.fingerprints & ~s.fingerprints_5m) : p.fingerprints;
    f1h.fingerprints = in_last1h ? static_cast<std::uint8_t>(p.fingerprints & ~s.fingerprints_1h) : p.fingerprints;
    if (in_last5) {
      s.classes_5m |= cls_bit;
      s.fingerprints_5m |= p.fingerprints;
    }
    if (in_last1h) {
      s.classes_1h |= cls_bit;
      s.fingerprints_1h |= p.fingerprints;
    }
    if ((p.fingerprints & kFpMirai) != 0) {
      CellSum& m = d.mirai_countries[p.country];
      ++m.packets;
      m.bytes += p.bytes;
    }
    if (p.pair != kNone) {
      const std::uint64_t last = d.pairs.add(p.pair, p.pair_hash, static_cast<std::uint64_t>(bin5));
      if (last == PairTable::kNoBin9 || static_cast<int>(last) < bin5) {
        f5.port = true;
        f1h.port = last == PairTable::kNoBin9 || hour != static_cast<int>(last) / kBinsPerHour;
      } else if (static_cast<int>(last) > bin5) {
        f5.port = true;
        f1h.port = hour != static_cast<int>(last) / kBinsPerHour;
      }
    }
  }
  if (bin5 == d.open5_index) {
    count_open(d.open, false, p, asn_slot, f5, f1h);  // the open bin is in the open hour
    return;
  }
  count_late(d, p, kBin5m, d.day + bin5 * kBin5m, f5);
  if (hour == d.open1h_index) {
    count_open(d.open, true, p, asn_slot, f5, f1h);
  } else {
    count_late(d, p, kBin1h, d.day + hour * kBin1h, f1h);
  }
}

BinSegment BinAggregator::take() {
  drain();
  BinSegment seg;
  for (auto& d : days_) {
    d->close_all();
    source_capacity_hint_ = std::max(source_capacity_hint_, d->sources.capacity());
    pair_capacity_hint_ = std::max(pair_capacity_hint_, d->pairs.capacity());
  }
  seg.days_ = std::move(days_);
  days_.clear();
  current_ = nullptr;
  seg.packets_ = packets_;
  seg.org_namer_ = [namer = org_namer_](std::uint16_t org) {
    if (org == 0) return std::string();
    std::string name = namer ? namer(org) : std::string();
    return name.empty() ? "org-" + std::to_string(org) : name;
  };
  packets_ = 0;
  return seg;
}

BinFlush BinAggregator::flush() { return take().finish(); }

BinSegment::BinSegment() = default;
BinSegment::~BinSegment() = default;
BinSegment::BinSegment(BinSegment&&) noexcept = default;
BinSegment& BinSegment::operator=(BinSegment&&) noexcept = default;

namespace {

/// radix_sort_high() with `scratch` (of `scratch_n` values) when it holds n, else
/// with a buffer of its own.
void radix_sort(std::uint64_t* v, std::size_t n, int low_bit, std::uint64_t* scratch, std::size_t scratch_n) {
  ZeroedArray<std::uint64_t> tmp(scratch_n >= n || n < 256 ? 0 : n);
  radix_sort_high(v, n, low_bit, scratch_n >= n ? scratch : tmp.data());
}

}  // namespace

BinFlush BinSegment::finish() {
  BinFlush out;
  out.packets = packets_;
  out.org_name = org_namer_;
  std::sort(days_.begin(), days_.end(), [](const auto& a, const auto& b) { return a->day < b->day; });
  for (auto& dp : days_) {
    BinAggregator::Day& d = *dp;
    for (SubBin& b : d.closed) out.sub_bins.push_back(std::move(b));
    d.closed = {};

    DayFlush day;
    day.day = d.day;
    // Source keys: IPv4 values, then kV6Base + the rank of the IPv6 address, so that
    // keys sort as the addresses do.
    std::vector<std::uint32_t> v6_rank(d.v6.size());
    std::vector<IpAddress> v6_sorted = d.v6;
    std::sort(v6_sorted.begin(), v6_sorted.end());  // the IPv6 sources of the day
    for (std::size_t i = 0; i < d.v6.size(); ++i) {
      v6_rank[i] = static_cast<std::uint32_t>(
          std::lower_bound(v6_sorted.begin(), v6_sorted.end(), d.v6[i]) - v6_sorted.begin());
    }
    auto sort_key = [&](std::uint64_t key) { return key < kV6Base ? key : kV6Base + v6_rank[key - kV6Base]; };

    struct Source {
      std::uint64_t order;  // sorts as the address does
      std::uint64_t key;    // the table's key
      const SourceEntry* entry;
    };
    std::vector<Source> sources;
    sources.reserve(d.sources.size());
    d.sources.for_each([&](std::uint64_t k, const SourceEntry& e) { sources.push_back({sort_key(k), k, &e}); });
    std::sort(sources.begin(), sources.end(), [](const Source& a, const Source& b) { return a.order < b.order; });

    // The pairs in the same order, then by port index. IPv4 keys sort as addresses
    // and come first; the few IPv6 ones are put in address order after.
    std::size_t n_pairs = 0;
    ZeroedArray<std::uint64_t> pairs = d.pairs.compact(n_pairs);
    // The table's unused slots (already mapped, unlike a fresh buffer whose pages
    // the kernel would zero) serve as scratch space when they are enough.
    std::uint64_t* const spare = pairs.data() + n_pairs;
    const std::size_t spare_n = pairs.size() - n_pairs;
    radix_sort(pairs.data(), n_pairs, 13, spare, spare_n);
    auto pair_source = [](std::uint64_t slot) { return (slot >> 31) - 1; };
    {
      std::size_t first_v6 = n_pairs;
      while (first_v6 > 0 && pair_source(pairs[first_v6 - 1]) >= kV6Base) --first_v6;
      std::sort(pairs.data() + first_v6, pairs.data() + n_pairs, [&](std::uint64_t a, std::uint64_t b) {
        const std::uint64_t ka = sort_key(pair_source(a));
        const std::uint64_t kb = sort_key(pair_source(b));
        return ka != kb ? ka < kb : ((a >> 13) & 0x3ffff) < ((b >> 13) & 0x3ffff);
      });
    }

    // Source records with their ports; port packets of sources of no organisation.
    day.sources.resize(sources.size());
    day.ports.resize(n_pairs);
    std::vector<std::uint64_t> own_packets(kPortIndexes, 0);
    std::size_t pi = 0;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const std::uint64_t key = sources[i].key;
      const SourceEntry* e = sources[i].entry;
      SourceDay& s = day.sources[i];
      s.src = key < kV6Base ? IpAddress::v4(static_cast<std::uint32_t>(key)) : d.v6[key - kV6Base];
      s.packets = e->packets;
      s.bytes = e->bytes;
      s.classes = e->classes;
      s.fingerprints = e->fingerprints;
      s.country = {static_cast<char>(e->country >> 8), static_cast<char>(e->country & 0xff)};
      s.asn = e->asn;
      s.scanner_org = e->org;
      s.first_ns = e->first_ns;
      s.last_ns = e->last_ns;
      s.ports_begin = pi;
      bool icmp_last = false;
      while (pi < n_pairs && pair_source(pairs[pi]) == key) {
        const auto index = static_cast<std::uint32_t>((pairs[pi] >> 13) & 0x3ffff);
        const std::uint64_t packets = d.pairs.packets(pairs[pi]);
        day.ports[pi] = {port_from_index(index),
                         static_cast<std::uint32_t>(std::min<std::uint64_t>(packets, 0xffffffffu))};
        if (e->org == 0) own_packets[index] += packets;
        icmp_last = index == kIcmpIndex;
        ++pi;
      }
      s.ports_count = pi - s.ports_begin;
      // Port indexes put the ICMP row last; as a packed key it comes first.
      if (icmp_last && s.ports_count > 1) {
        auto first = day.ports.begin() + static_cast<std::ptrdiff_t>(s.ports_begin);
        std::rotate(first, first + static_cast<std::ptrdiff_t>(s.ports_count - 1),
                    first + static_cast<std::ptrdiff_t>(s.ports_count));
      }
    }

    // Daily bins, dimension by dimension, each ascending by key.
    auto sums = [&](BinDimension dim, std::uint32_t key) {
      const CellSum* c = d.day_sums.find(side_key(dim, key));
      return c != nullptr ? *c : CellSum{};
    };
    // The IPv4 sources' addresses apart from their records (IPv4 sources come
    // first): members are read at random, and 4 bytes a source stay in the cache
    // where the records do not.
    std::vector<std::uint32_t> v4_address;
    v4_address.reserve(day.sources.size());
    while (v4_address.size() < day.sources.size() && day.sources[v4_address.size()].src.is_v4()) {
      v4_address.push_back(day.sources[v4_address.size()].src.v4_value());
    }
    auto push_members = [&](DayBin& b, std::span<const std::uint32_t> idx) {
      b.v4_begin = day.v4_members.size();
      b.v6_begin = day.v6_members.size();
      for (const std::uint32_t i : idx) {
        if (i < v4_address.size()) {
          day.v4_members.push_back(v4_address[i]);
        } else {
          day.v6_members.push_back(day.sources[i].src);
        }
      }
      b.v4_count = day.v4_members.size() - b.v4_begin;
      b.v6_count = day.v6_members.size() - b.v6_begin;
    };
    auto add_bin = [&](BinDimension dim, std::uint32_t key, const CellSum& c,
                       std::span<const std::uint32_t> members) {
      if (c.packets == 0) return;
      DayBin b;
      b.dim = dim;
      b.key = key;
      b.packets = c.packets;
      b.bytes = c.bytes;
      push_members(b, members);
      day.bins.push_back(b);
    };
    // Members by dimension: indexes into day.sources (ascending).
    std::vector<std::uint32_t> all(sources.size());
    std::array<std::vector<std::uint32_t>, kTrafficClassCount> by_class;
    std::array<std::vector<std::uint32_t>, kFingerprintCount> by_fp;
    std::map<std::uint32_t, std::vector<std::uint32_t>> by_country, by_asn, by_org, by_mirai_country;
    // Members of all daily bins: each source once in total, country and AS, once
    // per class, fingerprint, organisation and Mirai country, and once per port.
    std::size_t member_count = n_pairs;
    for (std::uint32_t i = 0; i < day.sources.size(); ++i) {
      const SourceDay& s = day.sources[i];
      member_count += 3 + static_cast<std::size_t>(std::popcount(s.classes)) +
                      static_cast<std::size_t>(std::popcount(s.fingerprints)) + (s.scanner_org != 0 ? 1 : 0) +
                      ((s.fingerprints & kFpMirai) != 0 ? 1 : 0);
    }
    // Reserved once (pages are touched only as they fill), not grown and copied.
    day.v4_members.reserve(member_count);
    for (std::uint32_t i = 0; i < day.sources.size(); ++i) {
      const SourceDay& s = day.sources[i];
      all[i] = i;
      for (int c = 0; c < kTrafficClassCount; ++c) {
        if ((s.classes >> c) & 1) by_class[static_cast<std::size_t>(c)].push_back(i);
      }
      for (int f = 0; f < kFingerprintCount; ++f) {
        if ((s.fingerprints >> f) & 1) by_fp[static_cast<std::size_t>(f)].push_back(i);
      }
      const std::uint32_t cc = country_code(s.country);
      by_country[cc].push_back(i);
      by_asn[s.asn].push_back(i);
      if (s.scanner_org != 0) by_org[s.scanner_org].push_back(i);
      if ((s.fingerprints & kFpMirai) != 0) by_mirai_country[cc].push_back(i);
    }
    const std::vector<std::uint32_t> none;
    add_bin(BinDimension::kTotal, 0, sums(BinDimension::kTotal, 0), all);
    all = {};
    // Ports: the pairs bucketed by port index (stable, so sources stay ascending).
    if (n_pairs > 0) {
      std::vector<std::uint32_t> start(kPortIndexes + 1, 0);
      // source_of and by_port live in the table's unused slots when they fit.
      std::vector<std::uint32_t> own;
      std::uint32_t* source_of = nullptr;
      if (spare_n >= n_pairs) {
        source_of = reinterpret_cast<std::uint32_t*>(spare);
      } else {
        own.resize(2 * n_pairs);
        source_of = own.data();
      }
      std::uint32_t* const by_port = source_of + n_pairs;
      for (std::size_t i = 0, j = 0; i < day.sources.size(); ++i) {
        for (std::size_t k = 0; k < day.sources[i].ports_count; ++k) source_of[j++] = static_cast<std::uint32_t>(i);
      }
      for (std::size_t j = 0; j < n_pairs; ++j) ++start[((pairs[j] >> 13) & 0x3ffff) + 1];
      for (std::uint32_t i = 0; i < kPortIndexes; ++i) start[i + 1] += start[i];
      {
        std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
        for (std::size_t j = 0; j < n_pairs; ++j) by_port[next[(pairs[j] >> 13) & 0x3ffff]++] = source_of[j];
      }
      auto port_bin = [&](std::uint32_t index) {
        if (start[index] == start[index + 1]) return;
        add_bin(BinDimension::kPort, port_from_index(index), sums(BinDimension::kPort, port_from_index(index)),
                std::span<const std::uint32_t>(by_port + start[index], start[index + 1] - start[index]));
      };
      port_bin(kIcmpIndex);
      for (std::uint32_t i = 0; i < kIcmpIndex; ++i) port_bin(i);
    }
    pairs = ZeroedArray<std::uint64_t>();
    for (int c = 0; c < kTrafficClassCount; ++c) {
      add_bin(BinDimension::kClass, static_cast<std::uint32_t>(c), sums(BinDimension::kClass, static_cast<std::uint32_t>(c)),
              by_class[static_cast<std::size_t>(c)]);
    }
    for (int f = 0; f < kFingerprintCount; ++f) {
      add_bin(BinDimension::kFingerprint, static_cast<std::uint32_t>(f),
              sums(BinDimension::kFingerprint, static_cast<std::uint32_t>(f)), by_fp[static_cast<std::size_t>(f)]);
    }
    // A source's enrichment is that of its first packet (enrichment is per address,
    // so its packets agree); packets count under their own. Keys with packets but
    // no source of their own still get their row.
    d.day_sums.for_each([&](std::uint64_t k, const CellSum&) {
      const auto dim = static_cast<BinDimension>(k >> 32);
      const auto key = static_cast<std::uint32_t>(k);
      if (dim == BinDimension::kCountry) by_country.try_emplace(key);
      if (dim == BinDimension::kAsn) by_asn.try_emplace(key);
      if (dim == BinDimension::kScanner) by_org.try_emplace(key);
    });
    for (const auto& [cc, m] : by_country) add_bin(BinDimension::kCountry, cc, sums(BinDimension::kCountry, cc), m);
    for (const auto& [asn, m] : by_asn) add_bin(BinDimension::kAsn, asn, sums(BinDimension::kAsn, asn), m);
    for (const auto& [org, m] : by_org) add_bin(BinDimension::kScanner, org, sums(BinDimension::kScanner, org), m);
    {
      const auto own = [&](std::uint32_t index) {
        if (own_packets[index] == 0) return;
        add_bin(BinDimension::kPortExcludingResearch, port_from_index(index), {own_packets[index], 0, 0}, none);
      };
      own(kIcmpIndex);
      for (std::uint32_t i = 0; i < kIcmpIndex; ++i) own(i);
    }
    std::vector<std::pair<std::uint32_t, CellSum>> mirai;
    d.mirai_countries.for_each([&](std::uint64_t k, const CellSum& c) { mirai.emplace_back(static_cast<std::uint32_t>(k), c); });
    std::sort(mirai.begin(), mirai.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [cc, c] : mirai) {
      const auto it = by_mirai_country.find(cc);
      add_bin(BinDimension::kMiraiCountry, cc, c, it != by_mirai_country.end() ? it->second : none);
    }
    // Sources with packets only in bins without a key (unknown-source packets) have none.
    out.days.push_back(std::move(day));
  }
  // Bins that got cells twice (late packets of a closed bin) become one.
  std::stable_sort(out.sub_bins.begin(), out.sub_bins.end(), [](const SubBin& a, const SubBin& b) {
    return std::tie(a.bin_s, a.dim, a.start) < std::tie(b.bin_s, b.dim, b.start);
  });
  std::vector<SubBin> merged;
  merged.reserve(out.sub_bins.size());
  std::vector<BinCell> x;
  std::vector<BinCell> y;
  for (SubBin& b : out.sub_bins) {
    if (!merged.empty() && merged.back().bin_s == b.bin_s && merged.back().dim == b.dim &&
        merged.back().start == b.start) {
      (void)decode_cells(merged.back().cells, x);
      (void)decode_cells(b.cells, y);
      merged.back().cells = encode_cells(merge_cells(x, y));
    } else {
      merged.push_back(std::move(b));
    }
  }
  out.sub_bins = std::move(merged);
  days_.clear();
  return out;
}

}  // namespace darkscope
