// A compact open-addressing set of IP addresses for counting unique sources and
// destinations on the hot path (no allocation per insert except on growth).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/ip_address.hpp"

namespace darkscope {

class AddressSet {
 public:
  AddressSet() { slots_.resize(kInitialSlots); used_.resize(kInitialSlots); }

  /// Inserts a; returns true when it was not there before.
  bool insert(const IpAddress& a) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    return insert_no_grow(a);
  }
  [[nodiscard]] bool contains(const IpAddress& a) const noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash_address(a) & mask;; i = (i + 1) & mask) {
      if (!used_[i]) return false;
      if (slots_[i] == a) return true;
    }
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  void clear() {
    slots_.assign(kInitialSlots, IpAddress{});
    used_.assign(kInitialSlots, 0);
    size_ = 0;
  }
  /// Calls f(address) for every member, in no particular order.
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (used_[i]) f(slots_[i]);
    }
  }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return slots_.capacity() * sizeof(IpAddress) + used_.capacity();
  }

 private:
  static constexpr std::size_t kInitialSlots = 64;

  bool insert_no_grow(const IpAddress& a) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash_address(a) & mask;; i = (i + 1) & mask) {
      if (!used_[i]) {
        used_[i] = 1;
        slots_[i] = a;
        ++size_;
        return true;
      }
      if (slots_[i] == a) return false;
    }
  }
  void grow() {
    std::vector<IpAddress> old_slots(slots_.size() * 2);
    std::vector<std::uint8_t> old_used(slots_.size() * 2);
    old_slots.swap(slots_);
    old_used.swap(used_);
    size_ = 0;
    for (std::size_t i = 0; i < old_slots.size(); ++i) {
      if (old_used[i]) insert_no_grow(old_slots[i]);
    }
  }

  std::vector<IpAddress> slots_;
  std::vector<std::uint8_t> used_;
  std::size_t size_ = 0;
};

}  // namespace darkscope
