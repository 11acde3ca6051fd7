// Enrich: country, ASN, research-scanner organisation (and optionally an OS guess)
// for each packet's source, filled once into the record's slots.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.hpp"
#include "core/packet_record.hpp"

namespace darkscope {

struct EnrichOptions {
  std::string geo_db;                      ///< MaxMind DB with country (either schema); "" = default data
  std::string asn_db;                      ///< MaxMind ASN DB or @ip-location-db CSV; "" = default data
  std::vector<std::string> scanner_lists;  ///< extra research-scanner lists (files or directories)
  bool builtin_scanners = true;            ///< the project's own list of organisations
  /// Largest per-source cache, in entries (rounded up to a power of 2; it starts at
  /// 64k entries and doubles while more than half full); 0 = no cache.
  std::size_t cache_entries = std::size_t{1} << 20;
};

/// Cache counters of one Enricher (for measurements).
struct EnrichStats {
  std::uint64_t lookups = 0;  ///< addresses resolved through enrich()
  std::uint64_t hits = 0;     ///< answered from the per-source cache
};

/// Directories searched for the default data, in order: $DARKSCOPE_DATA_DIR,
/// <exe dir>/../../data/node_modules/@ip-location-db, <exe dir>/../share/darkscope,
/// /usr/share/darkscope.
[[nodiscard]] std::vector<std::string> data_search_dirs();
/// The first existing `relative` path under the search dirs, "" when none.
[[nodiscard]] std::string find_data_file(std::string_view relative);
/// Which default data files were found and the attribution their licences require
/// (for `darkscope --version`).
[[nodiscard]] std::string data_attribution();

/// What is known of one address (the `lookup` command's row).
struct SourceInfo {
  std::optional<std::string> country;  ///< ISO 3166 alpha-2
  std::optional<std::uint32_t> asn;
  std::optional<std::string> as_name;
  std::optional<std::string> scanner;  ///< research-scanner organisation
};

/// What one source resolves to (the enricher's record slots).
struct SourceAnswer {
  std::uint32_t asn = 0;
  std::uint16_t org = 0;
  std::array<char, 2> country{};

  void fill(PacketRecord& r) const noexcept {
    r.country = country;
    r.asn = asn;
    r.scanner_org = org;
  }
};

/// Loads the databases once, then answers per address from compact in-memory
/// structures (with a per-source cache). Warnings (missing database, bad list
/// lines) are collected, not thrown; unreadable explicit files throw at construction.
class Enricher {
 public:
  explicit Enricher(const EnrichOptions& options);
  ~Enricher();
  Enricher(const Enricher&) = delete;
  Enricher& operator=(const Enricher&) = delete;

  /// Fills country, asn and scanner_org (and os_guess) for r.src. Never throws.
  void enrich(PacketRecord& r) noexcept;
  /// enrich() for every observed record with a known source, the others untouched.
  /// The cache lines of the whole run are requested first, so that their misses
  /// overlap. Never throws.
  void enrich_observed(std::span<PacketRecord> records) noexcept;
  [[nodiscard]] SourceInfo lookup(const IpAddress& a);

  /// Resolves a (without the cache) and names what it resolved to by a small id:
  /// sources with the same country, AS and organisation share one. For tables that
  /// keep their own entry per source (SourceTable); may throw std::bad_alloc.
  [[nodiscard]] std::uint32_t answer(const IpAddress& a);
  /// The answers by id (id 0: nothing known); a later answer() may move them.
  [[nodiscard]] std::span<const SourceAnswer> answers() const noexcept;

  /// Name of a scanner_org slot value ("" for 0).
  [[nodiscard]] std::string_view org_name(std::uint16_t org) const noexcept;
  /// AS name for a number, "" when unknown.
  [[nodiscard]] std::string_view as_name(std::uint32_t asn) const noexcept;
  /// Name of an os_guess slot value ("" for 0).
  [[nodiscard]] std::string_view os_name(std::uint8_t os) const noexcept;
  /// Warnings met while loading (one line each, naming file and line).
  [[nodiscard]] const std::vector<std::string>& warnings() const noexcept;

  /// Number of scanner organisations (valid org values are 1..org_count()).
  [[nodiscard]] std::size_t org_count() const noexcept;
  /// The files in use, one line each ("country: PATH"), for logs and `--version`.
  [[nodiscard]] std::vector<std::string> sources() const;
  [[nodiscard]] EnrichStats stats() const noexcept;
  /// Resolves without the cache (the reference the cache must agree with).
  [[nodiscard]] SourceInfo lookup_uncached(const IpAddress& a);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace darkscope
