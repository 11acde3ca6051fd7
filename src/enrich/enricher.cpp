#include "enrich/enricher.hpp"

#include <sys/mman.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <unordered_map>

#include "core/u32_set.hpp"
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

/// The IPv4 cache: 8-byte entries, eight to a 64-byte line, so that a lookup reads one
/// line. An entry names its answer by index into a small table of distinct answers
/// (sources of one AS and country share one), which keeps the cache small enough to
/// stay in the second-level cache for ~100k sources. It starts at 512 KiB and
/// doubles while it is more than half full, up to the configured size; past that a
/// full line gives up one entry to the newcomer.
class V4Cache {
 public:
  static constexpr std::size_t kPerLine = 8;
  /// Eight addresses, then their answers: the addresses compare at once (SSE2), so a
  /// lookup costs one line and no data-dependent branch.
  struct alignas(64) Line {
    std::array<std::uint32_t, kPerLine> addr;
    std::array<std::uint32_t, kPerLine> answer;  // index + 1 into answers_; 0 = empty
  };
  static_assert(sizeof(Line) == 64);

  explicit V4Cache(std::size_t max_entries) {
    max_lines_ = std::max<std::size_t>(
        1, std::bit_ceil(std::max<std::size_t>(max_entries, 1)) / kPerLine);
    allocate(std::min<std::size_t>(max_lines_, kInitialLines));
  }
  ~V4Cache() { std::free(lines_); }
  V4Cache(const V4Cache&) = delete;
  V4Cache& operator=(const V4Cache&) = delete;

  [[nodiscard]] const Line* line_of(std::uint32_t v) const noexcept {
    return lines_ + (detail::u32_slot(v, shift_) & (line_count_ - 1));
  }
  void prefetch(std::uint32_t v) const noexcept { __builtin_prefetch(line_of(v)); }

  /// The answer cached for v, or nullptr.
  [[nodiscard]] const Resolved* find(std::uint32_t v) const noexcept {
    const Line* line = line_of(v);
    const unsigned slot = match(*line, v);
    if (slot >= kPerLine || line->answer[slot] == 0) return nullptr;
    return &answers_[line->answer[slot] - 1];
  }
  void insert(std::uint32_t v, const Resolved& r) {
    if (used_ * 2 > line_count_ * kPerLine && line_count_ < max_lines_) grow();
    place(v, answer_index(r) + 1);
  }

 private:
  static constexpr std::size_t kInitialLines = 8192;  // 64k entries, 512 KiB

  /// The slot holding v among the line's used slots, or kPerLine.
  static unsigned match(const Line& line, std::uint32_t v) noexcept {
#if defined(__SSE2__)
    const __m128i key = _mm_set1_epi32(static_cast<int>(v));
    const __m128i lo = _mm_load_si128(reinterpret_cast<const __m128i*>(line.addr.data()));
    const __m128i hi = _mm_load_si128(reinterpret_cast<const __m128i*>(line.addr.data() + 4));
    const unsigned bits =
        static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, key)))) |
        (static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi, key)))) << 4);
    // Several slots may hold v's value only when some are empty (address 0 in an
    // unused slot): the used ones come first, so the lowest match is the real one.
    return bits == 0 ? kPerLine : static_cast<unsigned>(std::countr_zero(bits));
#else
    for (unsigned i = 0; i < kPerLine; ++i) {
      if (line.answer[i] == 0) return kPerLine;
      if (line.addr[i] == v) return i;
    }
    return kPerLine;
#endif
  }

  void allocate(std::size_t lines) {
    constexpr std::size_t kHugePage = std::size_t{2} << 20;
    const std::size_t bytes = lines * sizeof(Line);
    const bool huge = bytes >= kHugePage;
    const std::size_t rounded = huge ? (bytes + kHugePage - 1) / kHugePage * kHugePage : bytes;
    // Large tables on 2 MiB pages: every packet probes a random line.
    void* p = std::aligned_alloc(huge ? kHugePage : 64, rounded);
    if (p == nullptr) throw std::bad_alloc();
    if (huge) ::madvise(p, rounded, MADV_HUGEPAGE);  // a hint only
    std::memset(p, 0, bytes);
    lines_ = static_cast<Line*>(p);
    line_count_ = lines;
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(lines));
    used_ = 0;
  }
  void place(std::uint32_t v, std::uint32_t answer) noexcept {
    Line& line = lines_[detail::u32_slot(v, shift_) & (line_count_ - 1)];
    for (unsigned i = 0; i < kPerLine; ++i) {
      if (line.answer[i] == 0) {
        line.addr[i] = v;
        line.answer[i] = answer;
        ++used_;
        return;
      }
      if (line.addr[i] == v) {
        line.answer[i] = answer;
        return;
      }
    }
    // A full line: the newcomer takes a slot chosen by other bits of its address.
    const unsigned victim = (v * 0x2545F491u) >> 29;
    line.addr[victim] = v;
    line.answer[victim] = answer;
  }
  void grow() {
    Line* old = lines_;
    const std::size_t old_count = line_count_;
    allocate(line_count_ * 2);
    for (std::size_t i = 0; i < old_count; ++i) {
      for (unsigned k = 0; k < kPerLine; ++k) {
        if (old[i].answer[k] != 0) place(old[i].addr[k], old[i].answer[k]);
      }
    }
    std::free(old);
  }
  std::uint32_t answer_index(const Resolved& r) {
    const std::uint64_t key = (std::uint64_t{r.asn} << 32) | (std::uint64_t{r.org} << 16) |
                              (std::uint64_t{static_cast<std::uint8_t>(r.country[0])} << 8) |
                              static_cast<std::uint8_t>(r.country[1]);
    const auto [it, fresh] =
        answer_ids_.try_emplace(key, static_cast<std::uint32_t>(answers_.size()));
    if (fresh) answers_.push_back(r);
    return it->second;
  }

  Line* lines_ = nullptr;
  std::size_t line_count_ = 0;
  std::size_t max_lines_ = 0;
  unsigned shift_ = 64;
  std::size_t used_ = 0;
  std::vector<Resolved> answers_;
  std::unordered_map<std::uint64_t, std::uint32_t> answer_ids_;
};

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
  std::unique_ptr<V4Cache> cache4;  // IPv4 sources
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
    if (const Resolved* hit = cache4->find(v)) {
      ++stats.hits;
      return *hit;
    }
    const Resolved r = resolve(IpAddress::v4(v));
    try {
      cache4->insert(v, r);
    } catch (...) {  // out of memory: answered, not cached
    }
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
    m.cache4 = std::make_unique<V4Cache>(n);
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
  // Ask for every cache line of the run first, so that their misses overlap.
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
