// A compact open-addressing map from IP address to a small trivially copyable value,
// for per-source and per-destination state on the hot path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/ip_address.hpp"

namespace darkscope {

template <typename Value>
class AddressMap {
  static_assert(std::is_trivially_copyable_v<Value>);

 public:
  AddressMap() { reset(kInitialSlots); }

  /// The value for a, default-constructed and inserted when absent.
  Value& operator[](const IpAddress& a) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    return slots_[find_or_insert(a)].value;
  }
  /// The value for a, or nullptr when absent.
  [[nodiscard]] const Value* find(const IpAddress& a) const noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash_address(a) & mask;; i = (i + 1) & mask) {
      if (!used_[i]) return nullptr;
      if (slots_[i].key == a) return &slots_[i].value;
    }
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  void clear() { reset(kInitialSlots); }
  /// Calls f(address, value) for every entry, in no particular order.
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (used_[i]) f(slots_[i].key, slots_[i].value);
    }
  }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return slots_.capacity() * sizeof(Slot) + used_.capacity();
  }

 private:
  struct Slot {
    IpAddress key;
    Value value;
  };
  static constexpr std::size_t kInitialSlots = 64;

  void reset(std::size_t n) {
    slots_.assign(n, Slot{});
    used_.assign(n, 0);
    size_ = 0;
  }
  std::size_t find_or_insert(const IpAddress& a) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash_address(a) & mask;; i = (i + 1) & mask) {
      if (!used_[i]) {
        used_[i] = 1;
        slots_[i].key = a;
        slots_[i].value = Value{};
        ++size_;
        return i;
      }
      if (slots_[i].key == a) return i;
    }
  }
  void grow() {
    std::vector<Slot> old_slots;
    std::vector<std::uint8_t> old_used;
    old_slots.swap(slots_);
    old_used.swap(used_);
    reset(old_slots.size() * 2);
    for (std::size_t i = 0; i < old_slots.size(); ++i) {
      if (old_used[i]) slots_[find_or_insert(old_slots[i].key)].value = old_slots[i].value;
    }
  }

  std::vector<Slot> slots_;
  std::vector<std::uint8_t> used_;
  std::size_t size_ = 0;
};

}  // namespace darkscope
