// Research-scanner organisations and their published ranges, compiled into
// sorted breakpoint arrays (one per address family) that map an address to an org.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.hpp"
#include "enrich/asn_table.hpp"

namespace darkscope {

/// The project's own list (src/enrich/data/research_scanners.txt), compiled in.
extern const std::string_view kBuiltinScannerList;

/// One organisation: display name, where its ranges are published, entries read.
struct ScannerOrg {
  std::string name;
  std::string source;
  std::size_t entries = 0;
};

/// Reads scanner lists in these forms, line by line, `#` starting a comment:
///  - one CIDR or address a line (`<org>_v4.txt`, `IP # comment` lines);
///  - nftables sets: `define NAME = { cidr, cidr, ... }` over several lines;
///  - `[Organisation] URL` section lines (the built-in list) naming the org of the
///    lines that follow.
/// Without a section line, the organisation is named from the file (its name
/// without extension and without a `_v4`/`_v6` suffix). Where ranges of several
/// organisations overlap, the one loaded first wins.
class ScannerRanges {
 public:
  ScannerRanges();

  /// Parses one list's text; `label` names it in warnings ("label:line: ...").
  /// Returns the number of ranges added.
  std::size_t add_text(std::string_view text, std::string_view label, std::string_view default_org,
                       std::vector<std::string>& warnings);
  /// A file, or a directory of list files (*.txt, *.nft, *.lst, *.list, *.cidr, names
  /// without extension). Throws std::runtime_error naming the path when unreadable.
  std::size_t add_path(const std::string& path, std::vector<std::string>& warnings);
  /// Compiles the ranges; call once after the last add.
  void finish();

  /// The organisation index holding `a`, 0 when none.
  [[nodiscard]] std::uint16_t lookup(const IpAddress& a) const noexcept;
  /// Name of an organisation index ("" for 0 or out of range).
  [[nodiscard]] std::string_view org_name(std::uint16_t org) const noexcept;
  /// Index 0 is "none"; real organisations start at 1.
  [[nodiscard]] const std::vector<ScannerOrg>& orgs() const noexcept { return orgs_; }
  /// Lines (or set items) skipped as malformed so far.
  [[nodiscard]] std::size_t malformed() const noexcept { return malformed_; }
  [[nodiscard]] std::size_t v4_breakpoints() const noexcept { return v4_start_.size(); }
  [[nodiscard]] std::size_t v6_breakpoints() const noexcept { return v6_start_.size(); }

  /// The org named `name` (matched ignoring case and punctuation), added when new.
  std::uint16_t org_id(std::string_view name);

  /// The organisation name a list file stands for: "censys_v4.txt" -> "censys".
  static std::string org_from_file_name(std::string_view path);

 private:
  template <typename Key>
  struct Range {
    Key first;
    Key last;
    std::uint16_t org;
  };
  bool add_token(std::string_view token, std::uint16_t org);

  std::size_t malformed_ = 0;
  std::vector<ScannerOrg> orgs_;
  std::vector<std::string> keys_;  // normalised names, parallel to orgs_
  std::vector<Range<std::uint32_t>> v4_ranges_;
  std::vector<Range<Uint128>> v6_ranges_;
  // Compiled: org_[i] holds from start_[i] up to start_[i+1]-1 (0 = no org).
  std::vector<std::uint32_t> v4_start_;
  std::vector<std::uint16_t> v4_org_;
  std::vector<Uint128> v6_start_;
  std::vector<std::uint16_t> v6_org_;
};

}  // namespace darkscope
