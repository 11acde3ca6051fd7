#include "enrich/enricher.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <unordered_map>

#include "enrich/asn_table.hpp"
#include "enrich/mmdb_file.hpp"
#include "enrich/os_guess.hpp"
#include "enrich/scanner_list.hpp"

namespace darkscope {
namespace {

constexpr std::array<char, 2> kNoCountry{};

// What one source resolves to; the cache stores exactly this.
struct Resolved {
  std::uint32_t asn = 0;
  std::uint16_t org = 0;
  std::array<char, 2> country{};
};

// 32 bytes: two entries a cache line.
struct CacheEntry {
  IpAddress key;
  Resolved value;
  std::uint8_t used = 0;
};
static_assert(sizeof(CacheEntry) <= 32);

constexpr unsigned kProbes = 4;

struct V4Entry {
  std::uint32_t addr;
  std::uint32_t asn;
  std::uint16_t org;
  std::array<char, 2> country;
  std::uint32_t used;
};
static_assert(sizeof(V4Entry) == 16);

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

struct Enricher::Impl {
  std::unique_ptr<MmdbFile> geo;
  std::unique_ptr<MmdbFile> asn_mmdb;
  AsnTable asn_csv;
  ScannerRanges scanners;
  // AS names met in an ASN MMDB, copied so they outlive lookups.
  std::unordered_map<std::uint32_t, std::string> mmdb_as_names;
  std::vector<std::string> warnings;
  std::vector<std::string> sources;

  CacheEntry* cache = nullptr;  // IPv6 sources; calloc'd: untouched slots cost no memory
  std::size_t mask = 0;
  V4Entry* cache4 = nullptr;  // IPv4 sources; 64-byte aligned groups of kProbes entries
  std::size_t mask4 = 0;
  EnrichStats stats;

  ~Impl() {
    std::free(cache);
    std::free(cache4);
  }

  void load_asn(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (ends_with(path, ".mmdb")) {
      asn_mmdb = std::make_unique<MmdbFile>(path);
      sources.push_back("asn: " + path + " (" + asn_mmdb->database_type() + ")");
      return;
    }
    std::vector<std::string> files;
    if (fs::is_directory(path, ec)) {
      for (const char* name : {"asn-ipv4.csv", "asn-ipv6.csv"}) {
        if (fs::is_regular_file(fs::path(path) / name, ec)) files.push_back((fs::path(path) / name).string());
      }
      if (files.empty()) throw std::runtime_error(path + ": no asn-ipv4.csv or asn-ipv6.csv in this directory");
    } else {
      files.push_back(path);
      // The IPv4 and IPv6 files come in pairs: naming one brings its sibling.
      for (const auto& [from, to] : {std::pair{"ipv4", "ipv6"}, std::pair{"ipv6", "ipv4"}}) {
        const auto slash = path.find_last_of('/');
        const auto at = path.rfind(from);
        if (at != std::string::npos && (slash == std::string::npos || at > slash)) {
          std::string sibling = path;
          sibling.replace(at, 4, to);
          if (fs::is_regular_file(sibling, ec)) files.push_back(sibling);
          break;
        }
      }
    }
    for (const auto& f : files) asn_csv.load_file(f, warnings);
    asn_csv.finish();
    sources.push_back("asn: " + joined(files) + " (" + std::to_string(asn_csv.v4_ranges()) + " IPv4 and " +
                      std::to_string(asn_csv.v6_ranges()) + " IPv6 ranges)");
    if (asn_csv.empty()) warnings.push_back(path + ": no ASN ranges read; AS numbers will be unknown");
  }

  Resolved resolve(const IpAddress& a) noexcept {
    Resolved r;
    if (geo) r.country = geo->country(a).value_or(kNoCountry);
    if (asn_mmdb) {
      if (const auto hit = asn_mmdb->asn(a)) {
        r.asn = hit->asn;
        if (hit->asn != 0 && !hit->name.empty()) {
          try {
            mmdb_as_names.try_emplace(hit->asn, hit->name);
          } catch (...) {  // out of memory: the name stays unknown
          }
        }
      }
    } else {
      r.asn = asn_csv.lookup(a);
    }
    r.org = scanners.lookup(a);
    return r;
  }

  Resolved cached(const IpAddress& a) noexcept {
    ++stats.lookups;
    if (a.is_v4() && cache4 != nullptr) return cached_v4(a);
    if (cache == nullptr) return resolve(a);
    const std::uint64_t h = hash_address(a);
    CacheEntry* slot = nullptr;
    for (unsigned k = 0; k < kProbes; ++k) {
      CacheEntry& e = cache[(h + k) & mask];
      if (!e.used) {
        slot = &e;
        break;
      }
      if (e.key == a) {
        ++stats.hits;
        return e.value;
      }
    }
    // Full neighbourhood: replace one of its entries, chosen by other hash bits.
    if (slot == nullptr) slot = &cache[(h + ((h >> 40) % kProbes)) & mask];
    slot->key = a;
    slot->value = resolve(a);
    slot->used = 1;
    return slot->value;
  }

  // IPv4 sources, nearly all of them: 16-byte entries probed within one 64-byte line,
  // so a hit costs one cache-line fetch.
  V4Entry* group_v4(std::uint32_t v, std::uint64_t& h) const noexcept {
    h = (std::uint64_t{v} * 0x9E3779B97F4A7C15ULL) >> 24;
    return cache4 + ((h & mask4) & ~std::size_t{kProbes - 1});
  }
  void prefetch(const IpAddress& a) const noexcept {
    if (cache4 == nullptr || !a.is_v4()) return;
    std::uint64_t h = 0;
    __builtin_prefetch(group_v4(a.v4_value(), h));
  }
  Resolved cached_v4(const IpAddress& a) noexcept {
    const std::uint32_t v = a.v4_value();
    std::uint64_t h = 0;
    V4Entry* group = group_v4(v, h);
    V4Entry* slot = nullptr;
    for (unsigned k = 0; k < kProbes; ++k) {
      V4Entry& e = group[k];
      if (!e.used) {
        slot = &e;
        break;
      }
      if (e.addr == v) {
        ++stats.hits;
        return Resolved{e.asn, e.org, e.country};
      }
    }
    if (slot == nullptr) slot = &group[(h >> 32) % kProbes];
    const Resolved r = resolve(a);
    *slot = V4Entry{v, r.asn, r.org, r.country, 1};
    return r;
  }
};

Enricher::Enricher(const EnrichOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  // Country.
  if (!options.geo_db.empty()) {
    m.geo = std::make_unique<MmdbFile>(options.geo_db);
  } else if (const auto found = find_data_file("dbip-country-mmdb/dbip-country.mmdb"); !found.empty()) {
    m.geo = std::make_unique<MmdbFile>(found);
  } else {
    m.warnings.push_back("no country database found (searched " + joined(data_search_dirs()) +
                         "); countries will be unknown: run scripts/setup or pass --geo-db");
  }
  if (m.geo) m.sources.push_back("country: " + m.geo->path() + " (" + m.geo->database_type() + ")");

  // ASN.
  if (!options.asn_db.empty()) {
    m.load_asn(options.asn_db);
  } else if (const auto found = find_data_file("asn/asn-ipv4.csv"); !found.empty()) {
    m.load_asn(found);
  } else {
    m.warnings.push_back("no ASN database found (searched " + joined(data_search_dirs()) +
                         "); AS numbers will be unknown: run scripts/setup or pass --asn-db");
  }

  // Research scanners.
  if (options.builtin_scanners) {
    m.scanners.add_text(kBuiltinScannerList, "built-in scanner list", "", m.warnings);
  }
  for (const auto& p : options.scanner_lists) m.scanners.add_path(p, m.warnings);
  m.scanners.finish();
  m.sources.push_back("scanners: " + std::to_string(m.scanners.orgs().size() - 1) + " organisations" +
                      (options.builtin_scanners ? " (built-in list" : " (") +
                      (options.scanner_lists.empty() ? "" : (options.builtin_scanners ? ", " : "") +
                                                               joined(options.scanner_lists)) +
                      ")");

  // Cache: a power of two, allocated lazily by the kernel (calloc of large blocks maps zero pages).
  if (options.cache_entries > 0) {
    std::size_t n = 1;
    while (n < options.cache_entries) n <<= 1;
    n = std::max<std::size_t>(n, kProbes);
    // Every packet probes a random line of this table: on 2 MiB pages its 16 MiB
    // need 8 TLB entries instead of 4,096, which the TLB could not hold.
    constexpr std::size_t kHugePage = std::size_t{2} << 20;
    const std::size_t bytes = (n * sizeof(V4Entry) + kHugePage - 1) / kHugePage * kHugePage;
    m.cache4 = static_cast<V4Entry*>(std::aligned_alloc(kHugePage, bytes));
    if (m.cache4 == nullptr) throw std::bad_alloc();
    ::madvise(m.cache4, bytes, MADV_HUGEPAGE);  // a hint: without it, 4 KiB pages
    std::memset(m.cache4, 0, n * sizeof(V4Entry));
    m.mask4 = n - 1;
    // IPv6 sources are few on today's darknets: a quarter of the slots.
    const std::size_t n6 = std::max<std::size_t>(n / 4, kProbes);
    m.cache = static_cast<CacheEntry*>(std::calloc(n6, sizeof(CacheEntry)));
    if (m.cache == nullptr) throw std::bad_alloc();
    m.mask = n6 - 1;
  }
}

Enricher::~Enricher() = default;

void Enricher::enrich(PacketRecord& r) noexcept {
  r.os_guess = guess_os(r);
  if (!r.source_known()) return;
  const Resolved v = impl_->cached(r.src);
  r.country = v.country;
  r.asn = v.asn;
  r.scanner_org = v.org;
}

void Enricher::enrich_observed(std::span<PacketRecord> records) noexcept {
  for (const PacketRecord& r : records) {
    if (r.observed && r.source_known()) impl_->prefetch(r.src);
  }
  for (PacketRecord& r : records) {
    if (r.observed && r.source_known()) enrich(r);
  }
}

namespace {
SourceInfo to_info(const Enricher& e, const Resolved& v) {
  SourceInfo info;
  if (v.country[0] != 0) info.country = std::string(v.country.data(), 2);
  if (v.asn != 0) {
    info.asn = v.asn;
    const auto name = e.as_name(v.asn);
    if (!name.empty()) info.as_name = std::string(name);
  }
  if (v.org != 0) info.scanner = std::string(e.org_name(v.org));
  return info;
}
}  // namespace

SourceInfo Enricher::lookup(const IpAddress& a) {
  return to_info(*this, impl_->cached(a));
}

SourceInfo Enricher::lookup_uncached(const IpAddress& a) { return to_info(*this, impl_->resolve(a)); }

std::string_view Enricher::org_name(std::uint16_t org) const noexcept {
  return impl_->scanners.org_name(org);
}

std::string_view Enricher::as_name(std::uint32_t asn) const noexcept {
  if (impl_->asn_mmdb) {
    const auto it = impl_->mmdb_as_names.find(asn);
    return it == impl_->mmdb_as_names.end() ? std::string_view{} : std::string_view{it->second};
  }
  return impl_->asn_csv.name(asn);
}

std::string_view Enricher::os_name(std::uint8_t os) const noexcept { return os_guess_name(os); }

const std::vector<std::string>& Enricher::warnings() const noexcept { return impl_->warnings; }

std::size_t Enricher::org_count() const noexcept { return impl_->scanners.orgs().size() - 1; }

std::vector<std::string> Enricher::sources() const { return impl_->sources; }

EnrichStats Enricher::stats() const noexcept { return impl_->stats; }

}  // namespace darkscope
