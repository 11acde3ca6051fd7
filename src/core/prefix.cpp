#include "core/prefix.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace darkscope {
namespace {

IpAddress mask_address(const IpAddress& a, int bits) {
  IpAddress out = a;
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(bits - i * 8, 0, 8);
    const auto mask = static_cast<std::uint8_t>(keep == 0 ? 0 : (0xff << (8 - keep)) & 0xff);
    out.bytes[i] &= mask;
  }
  return out;
}

std::uint32_t v4_mask(int length) {
  return length == 0 ? 0u : ~std::uint32_t{0} << (32 - length);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool Prefix::contains(const IpAddress& a) const noexcept {
  const int full = bits / 8;
  for (int i = 0; i < full; ++i) {
    if (a.bytes[i] != network.bytes[i]) return false;
  }
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>((0xff << (8 - rest)) & 0xff);
  return (a.bytes[full] & mask) == network.bytes[full];
}

double Prefix::address_count() const noexcept {
  const int host_bits = is_v4() ? 32 - length() : 128 - bits;
  return std::ldexp(1.0, std::min(host_bits, 64));
}

std::string Prefix::to_string() const {
  return network.to_string() + "/" + std::to_string(length());
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  text = trim(text);
  const auto slash = text.find('/');
  const auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const int max_len = addr->is_v4() ? 32 : 128;
  int length = max_len;
  if (slash != std::string_view::npos) {
    const auto len_text = text.substr(slash + 1);
    const auto* end = len_text.data() + len_text.size();
    auto [ptr, ec] = std::from_chars(len_text.data(), end, length);
    if (ec != std::errc{} || ptr != end || len_text.empty() || length < 0 || length > max_len) {
      return std::nullopt;
    }
  }
  const int bits = addr->is_v4() ? length + 96 : length;
  return Prefix{mask_address(*addr, bits), static_cast<std::uint8_t>(bits)};
}

PrefixSet::PrefixSet(std::vector<Prefix> prefixes) {
  for (const auto& p : prefixes) add(p);
}

PrefixSet PrefixSet::parse_list(std::string_view comma_separated) {
  PrefixSet set;
  while (!comma_separated.empty()) {
    const auto comma = comma_separated.find(',');
    const auto item = trim(comma_separated.substr(0, comma));
    if (!item.empty()) {
      const auto p = Prefix::parse(item);
      if (!p) throw std::invalid_argument("not a CIDR prefix: '" + std::string(item) + "'");
      set.add(*p);
    }
    if (comma == std::string_view::npos) break;
    comma_separated.remove_prefix(comma + 1);
  }
  return set;
}

void PrefixSet::add(const Prefix& p) {
  prefixes_.push_back(p);
  if (p.is_v4()) {
    const std::uint32_t mask = v4_mask(p.length());
    v4_.push_back({p.network.v4_value() & mask, mask});
  } else {
    v6_.push_back(p);
  }
}

double PrefixSet::ipv4_size() const noexcept {
  // Count each address once even when prefixes overlap: drop prefixes covered by another.
  double total = 0;
  for (std::size_t i = 0; i < prefixes_.size(); ++i) {
    const auto& p = prefixes_[i];
    if (!p.is_v4()) continue;
    bool covered = false;
    for (std::size_t j = 0; j < prefixes_.size() && !covered; ++j) {
      const auto& q = prefixes_[j];
      if (i == j || !q.is_v4()) continue;
      const bool q_contains_p = q.bits <= p.bits && q.contains(p.network);
      // Identical prefixes: keep the first one only.
      if (q_contains_p && (q.bits < p.bits || j < i)) covered = true;
    }
    if (!covered) total += p.address_count();
  }
  return total;
}

std::string PrefixSet::to_bpf() const {
  std::string out;
  for (const auto& p : prefixes_) {
    if (!out.empty()) out += " or ";
    out += (p.is_v4() ? "dst net " : "ip6 dst net ") + p.to_string();
  }
  return out;
}

std::string PrefixSet::to_string() const {
  std::string out;
  for (const auto& p : prefixes_) {
    if (!out.empty()) out += ',';
    out += p.to_string();
  }
  return out;
}

}  // namespace darkscope
