// Flat open-addressing containers keyed by a 32-bit value (an IPv4 address in host
// order, an AS number) for the packet path: no allocation per insert except on
// growth, slots found from the top bits of one multiplication, and a prefetch()
// so that callers can ask for a slot's cache line a few packets before they use it.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace darkscope {

namespace detail {
/// Fibonacci hashing: the top `bits` bits of v * 2^64/phi.
[[nodiscard]] inline std::size_t u32_slot(std::uint32_t v, unsigned shift) noexcept {
  return static_cast<std::size_t>((std::uint64_t{v} * 0x9E3779B97F4A7C15ULL) >> shift);
}
}  // namespace detail

/// A set of 32-bit values, 4 bytes a slot, at most 3/4 full. Zero is a valid member
/// (0.0.0.0 arrives in crafted packets) and is kept apart from the empty-slot marker.
class U32Set {
 public:
  U32Set() { reset(kInitialBits); }

  /// Inserts v; true when it was not there before.
  bool insert(std::uint32_t v) {
    if (v == 0) {
      const bool fresh = !has_zero_;
      has_zero_ = true;
      return fresh;
    }
    if ((used_ + 1) * 4 > slots_.size() * 3) grow();
    return insert_nonzero(v);
  }
  [[nodiscard]] bool contains(std::uint32_t v) const noexcept {
    if (v == 0) return has_zero_;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = detail::u32_slot(v, shift_);; i = (i + 1) & mask) {
      if (slots_[i] == 0) return false;
      if (slots_[i] == v) return true;
    }
  }
  /// Asks for the cache line that insert(v) will read first.
  void prefetch(std::uint32_t v) const noexcept {
    __builtin_prefetch(slots_.data() + detail::u32_slot(v, shift_), 1);
  }
  [[nodiscard]] std::size_t size() const noexcept { return used_ + (has_zero_ ? 1 : 0); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return slots_.capacity() * sizeof(std::uint32_t);
  }
  template <typename F>
  void for_each(F&& f) const {
    if (has_zero_) f(std::uint32_t{0});
    for (const std::uint32_t v : slots_) {
      if (v != 0) f(v);
    }
  }
  void clear() { reset(kInitialBits); }

 private:
  static constexpr unsigned kInitialBits = 10;

  void reset(unsigned bits) {
    slots_.assign(std::size_t{1} << bits, 0);
    shift_ = 64 - bits;
    used_ = 0;
    has_zero_ = false;
  }
  bool insert_nonzero(std::uint32_t v) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = detail::u32_slot(v, shift_);; i = (i + 1) & mask) {
      if (slots_[i] == v) return false;
      if (slots_[i] == 0) {
        slots_[i] = v;
        ++used_;
        return true;
      }
    }
  }
  void grow() {
    std::vector<std::uint32_t> old;
    old.swap(slots_);
    const bool zero = has_zero_;
    reset(static_cast<unsigned>(std::countr_zero(old.size())) + 1);
    has_zero_ = zero;
    for (const std::uint32_t v : old) {
      if (v != 0) insert_nonzero(v);
    }
  }

  std::vector<std::uint32_t> slots_;
  unsigned shift_ = 64;
  std::size_t used_ = 0;
  bool has_zero_ = false;
};

/// A map from a 32-bit key to a small trivially copyable value, at most 3/4 full.
/// Key zero is kept apart, as in U32Set.
template <typename Value>
class U32Map {
  static_assert(std::is_trivially_copyable_v<Value>);

 public:
  U32Map() { reset(kInitialBits); }

  /// The value for k, value-initialised and inserted when absent.
  Value& operator[](std::uint32_t k) {
    if (k == 0) {
      has_zero_ = true;
      return zero_value_;
    }
    if ((used_ + 1) * 4 > slots_.size() * 3) grow();
    return slots_[find_or_insert(k)].value;
  }
  /// The value for k, or nullptr when absent.
  [[nodiscard]] const Value* find(std::uint32_t k) const noexcept {
    if (k == 0) return has_zero_ ? &zero_value_ : nullptr;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = detail::u32_slot(k, shift_);; i = (i + 1) & mask) {
      if (slots_[i].key == k) return &slots_[i].value;
      if (slots_[i].key == 0) return nullptr;
    }
  }
  void prefetch(std::uint32_t k) const noexcept {
    __builtin_prefetch(slots_.data() + detail::u32_slot(k, shift_), 1);
  }
  [[nodiscard]] std::size_t size() const noexcept { return used_ + (has_zero_ ? 1 : 0); }
  template <typename F>
  void for_each(F&& f) const {
    if (has_zero_) f(std::uint32_t{0}, zero_value_);
    for (const Slot& s : slots_) {
      if (s.key != 0) f(s.key, s.value);
    }
  }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return slots_.capacity() * sizeof(Slot);
  }

 private:
  struct Slot {
    std::uint32_t key;
    Value value;
  };
  static constexpr unsigned kInitialBits = 8;

  void reset(unsigned bits) {
    slots_.assign(std::size_t{1} << bits, Slot{0, Value{}});
    shift_ = 64 - bits;
    used_ = 0;
  }
  std::size_t find_or_insert(std::uint32_t k) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = detail::u32_slot(k, shift_);; i = (i + 1) & mask) {
      if (slots_[i].key == k) return i;
      if (slots_[i].key == 0) {
        slots_[i].key = k;
        ++used_;
        return i;
      }
    }
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    reset(static_cast<unsigned>(std::countr_zero(old.size())) + 1);
    for (const Slot& s : old) {
      if (s.key != 0) slots_[find_or_insert(s.key)].value = s.value;
    }
  }

  std::vector<Slot> slots_;
  unsigned shift_ = 64;
  std::size_t used_ = 0;
  bool has_zero_ = false;
  Value zero_value_{};
};

}  // namespace darkscope
