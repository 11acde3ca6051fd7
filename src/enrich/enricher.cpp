#include "enrich/enricher.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <unordered_map>

#include "core/u32_line_map.hpp"
#include "enrich/asn_table.hpp"
#include "enrich/mmdb_file.hpp"
#include "enrich/os_guess.hpp"
#include "enrich/scanner_list.hpp"

namespace darkscope {
namespace {

constexpr std::array<char, 2> kNoCountry{};

using Resolved = SourceAnswer;

// 32 bytes: two entries a cache line.
struct CacheEntry {
  IpAddress key;
  Resolved value;
  std::uint8_t used = 0;
};
static_assert(sizeof(CacheEntry) <= 32);

constexpr unsigned kProbes = 4;

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
  // IPv4 sources -> index into `answers`: 8 bytes an entry, since sources of one AS
  // and country share an answer.
  std::unique_ptr<U32LineMap> cache4;
  std::vector<Resolved> answers{Resolved{}};  // answer 0: nothing known
  std::unordered_map<std::uint64_t, std::uint32_t> answer_ids{{0, 0}};
  EnrichStats stats;

  ~Impl() {
    std::free(cache);
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
    if (cache4 != nullptr && a.is_v4()) return cached_v4(a.v4_value());
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

  void prefetch(const IpAddress& a) const noexcept {
    if (cache4 != nullptr && a.is_v4()) cache4->prefetch(a.v4_value());
  }
  Resolved cached_v4(std::uint32_t v) noexcept {
    if (const std::uint32_t* hit = cache4->find(v)) {
      ++stats.hits;
      return answers[*hit];
    }
    const Resolved r = resolve(IpAddress::v4(v));
    try {
      const std::uint32_t id = answer_id(r);
      *cache4->insert(v).first = id;
    } catch (...) {  // out of memory: answered, not cached
    }
    return r;
  }

  /// The id of r in `answers`, added when new.
  std::uint32_t answer_id(const Resolved& r) {
    const std::uint64_t key = (std::uint64_t{r.asn} << 32) | (std::uint64_t{r.org} << 16) |
                              (std::uint64_t{static_cast<std::uint8_t>(r.country[0])} << 8) |
                              static_cast<std::uint8_t>(r.country[1]);
    const auto [it, fresh] = answer_ids.try_emplace(key, static_cast<std::uint32_t>(answers.size()));
    if (fresh) {
      try {
        answers.push_back(r);
      } catch (...) {
        answer_ids.erase(it);
        throw;
      }
    }
    return it->second;
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
    m.cache4 = std::make_unique<U32LineMap>(n);
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
  impl_->cached(r.src).fill(r);
}

void Enricher::enrich_observed(std::span<PacketRecord> records) noexcept {
  // Ask for every cache line of the run first, so that their misses overlap.
  for (const PacketRecord& r : records) {
    if (r.observed && r.source_known()) impl_->prefetch(r.src);
  }
  for (PacketRecord& r : records) {
    if (r.observed && r.source_known()) enrich(r);
  }
}

std::uint32_t Enricher::answer(const IpAddress& a) {
  return impl_->answer_id(impl_->resolve(a));
}

std::span<const SourceAnswer> Enricher::answers() const noexcept { return impl_->answers; }

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
