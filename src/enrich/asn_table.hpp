// AS numbers and names from the CSV range files of @ip-location-db/asn, compiled
// into sorted arrays searched by binary search.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.hpp"
#include "core/u32_set.hpp"

namespace darkscope {

__extension__ typedef unsigned __int128 Uint128;

/// The address as a 128-bit number (IPv4 in its mapped form).
[[nodiscard]] Uint128 to_uint128(const IpAddress& a) noexcept;

/// Parses "a.b.c.d" strictly (four decimal octets, no leading '+'); false otherwise.
[[nodiscard]] bool parse_ipv4(std::string_view text, std::uint32_t& out) noexcept;

/// IP-range-to-AS table. Lines are `first,last,asn,name` where first/last are
/// IPv4 or IPv6 text or, in the `-num` files, decimal numbers; the name may be
/// quoted ("Cloudflare, Inc."). Ranges are inclusive and must not overlap.
class AsnTable {
 public:
  /// Adds the lines of one file's text. `label` names the file in warnings;
  /// `numbers_are_v6` says how to read the decimal `-num` form. Returns lines added.
  std::size_t add_csv(std::string_view text, std::string_view label, bool numbers_are_v6,
                      std::vector<std::string>& warnings);
  /// Reads a file (throws std::runtime_error naming it when it cannot be read).
  std::size_t load_file(const std::string& path, std::vector<std::string>& warnings);
  /// Sorts the ranges; call once after the last add.
  void finish();

  /// AS number of the range holding `a`, 0 when none.
  [[nodiscard]] std::uint32_t lookup(const IpAddress& a) const noexcept;
  /// The name first given for an AS, "" when unknown.
  [[nodiscard]] std::string_view name(std::uint32_t asn) const noexcept;

  [[nodiscard]] std::size_t v4_ranges() const noexcept { return v4_start_.size(); }
  [[nodiscard]] std::size_t v6_ranges() const noexcept { return v6_start_.size(); }
  [[nodiscard]] bool empty() const noexcept { return v4_start_.empty() && v6_start_.empty(); }

 private:
  void add_name(std::uint32_t asn, std::string_view name);

  // Structure of arrays: the binary search touches only the starts.
  std::vector<std::uint32_t> v4_start_;
  std::vector<std::uint32_t> v4_end_;
  std::vector<std::uint32_t> v4_asn_;
  std::vector<Uint128> v6_start_;
  std::vector<Uint128> v6_end_;
  std::vector<std::uint32_t> v6_asn_;
  // Names, each once, in one block of text: the published files name ~91k ASes.
  struct NameRef {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  std::string name_text_;
  U32Map<NameRef> names_;
};

}  // namespace darkscope
