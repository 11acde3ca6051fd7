// Time-binned counters: observed packets counted into 5-minute, hourly and daily
// bins by dimension (port, class, fingerprint, country, ASN, scanner organisation),
// with the exact set of sources behind every daily bin, and one record per source
// and UTC day (packets, bytes, classes, fingerprints, enrichment, first/last seen,
// packets per ranking port) for profiles and feeds.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/port_key.hpp"
#include "core/ip_address.hpp"
#include "core/packet_record.hpp"

namespace darkscope {

/// Bin widths in seconds (the granularities NICTER publishes).
inline constexpr std::int64_t kBin5m = 300;
inline constexpr std::int64_t kBin1h = 3600;
inline constexpr std::int64_t kBin1d = 86400;
inline constexpr std::array<std::int64_t, 3> kBinWidths = {kBin5m, kBin1h, kBin1d};

/// What a bin is counted by. The numeric values are stored: append only.
enum class BinDimension : std::uint8_t {
  kTotal = 0,        ///< every observed packet (key 0)
  kPort = 1,         ///< ranking_port_key(): PortKey::packed()
  kClass = 2,        ///< TrafficClass
  kFingerprint = 3,  ///< fingerprint bit index (a packet counts under each of its flags)
  kCountry = 4,      ///< country_code() of the source, 0 when not known
  kAsn = 5,          ///< AS number, 0 when not known
  kScanner = 6,      ///< research-scanner organisation (packets of no organisation: no row)
  /// Daily only: port packets from sources of no research-scanner organisation.
  kPortExcludingResearch = 7,
  /// Daily only: Mirai-fingerprinted packets by source country.
  kMiraiCountry = 8,
};
inline constexpr int kBinDimensionCount = 9;
inline constexpr std::array<std::string_view, kBinDimensionCount> kBinDimensionNames = {
    "total",   "port",    "class", "fingerprint", "country", "asn", "scanner",
    "port-excluding-research", "mirai-country"};
/// Dimensions that have 5-minute and hourly bins (the others are daily only).
[[nodiscard]] constexpr bool has_sub_day_bins(BinDimension d) noexcept {
  return static_cast<int>(d) <= static_cast<int>(BinDimension::kScanner);
}

/// "5m", "1h", "1d" <-> seconds; 0 when not one of them.
[[nodiscard]] std::int64_t parse_bin_width(std::string_view text) noexcept;
[[nodiscard]] std::string bin_width_text(std::int64_t seconds);
/// The dimension named `text` ("port", "country", ...); false when none.
[[nodiscard]] bool parse_bin_dimension(std::string_view text, BinDimension& out) noexcept;
/// The text of a country slot ("JP", or "unknown").
[[nodiscard]] std::string country_key(const std::array<char, 2>& country);
/// A country slot as a bin key: (c0 << 8) | c1, 0 when unknown.
[[nodiscard]] constexpr std::uint32_t country_code(const std::array<char, 2>& c) noexcept {
  return (std::uint32_t{static_cast<std::uint8_t>(c[0])} << 8) | static_cast<std::uint8_t>(c[1]);
}
/// The text of a bin key of every dimension but kScanner (whose keys name
/// organisations through a table): "tcp/23", "tcp-syn", "mirai", "JP", "4134", "".
[[nodiscard]] std::string bin_key_text(BinDimension dim, std::uint32_t key);
/// The key of a text for every dimension but kScanner; false when it is not one.
[[nodiscard]] bool parse_bin_key(BinDimension dim, std::string_view text, std::uint32_t& key);

/// Packets, bytes and distinct sources of one key in one bin.
struct BinCell {
  std::uint32_t key = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t sources = 0;
  bool operator==(const BinCell&) const noexcept = default;
};

/// Cells, ascending by key, as bytes: a varint count, then per cell the key's
/// difference to the previous key, packets, bytes and sources as varints (LEB128).
[[nodiscard]] std::string encode_cells(const std::vector<BinCell>& cells);
/// False when `data` is not such an encoding (cells then holds what was read).
[[nodiscard]] bool decode_cells(std::string_view data, std::vector<BinCell>& cells);
/// Cells of both, summed where a key is in both.
[[nodiscard]] std::vector<BinCell> merge_cells(const std::vector<BinCell>& a,
                                               const std::vector<BinCell>& b);

/// One 5-minute or hourly bin of one dimension, its cells encoded by encode_cells().
/// `sources` counts each source once per key and bin when the source's packets come
/// in time order (a packet earlier than the same source's latest counts again).
struct SubBin {
  std::int64_t bin_s = 0;  ///< kBin5m or kBin1h
  std::int64_t start = 0;  ///< Unix seconds, a multiple of bin_s
  BinDimension dim = BinDimension::kTotal;
  std::string cells;
};

/// One daily bin: additive packets and bytes, and exactly which sources sent them
/// (a slice of DayFlush::v4_members and v6_members, ascending).
/// kPortExcludingResearch bins have packets only (no bytes, no source list).
struct DayBin {
  BinDimension dim = BinDimension::kTotal;
  std::uint32_t key = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::size_t v4_begin = 0;
  std::size_t v4_count = 0;
  std::size_t v6_begin = 0;
  std::size_t v6_count = 0;
  [[nodiscard]] std::uint64_t sources() const noexcept { return v4_count + v6_count; }
};

/// Packets of one source to one ranking port (PortKey::packed()).
struct PortCount {
  std::uint32_t port = 0;
  std::uint32_t packets = 0;  ///< saturates at 2^32 - 1
};

/// One source on one UTC day.
struct SourceDay {
  IpAddress src;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint16_t classes = 0;       ///< bit i = TrafficClass i seen
  std::uint16_t fingerprints = 0;  ///< Fingerprint bits seen
  std::array<char, 2> country{};
  std::uint32_t asn = 0;
  std::uint16_t scanner_org = 0;  ///< the enricher's slot, 0 for none
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::size_t ports_begin = 0;  ///< slice of DayFlush::ports, ascending by port
  std::size_t ports_count = 0;
};

/// Everything one segment holds for one UTC day.
struct DayFlush {
  std::int64_t day = 0;            ///< Unix seconds of 00:00 UTC
  std::vector<DayBin> bins;        ///< ascending by (dim, key); keys with packets only
  std::vector<SourceDay> sources;  ///< IPv4 ascending, then IPv6 ascending
  std::vector<PortCount> ports;
  std::vector<std::uint32_t> v4_members;
  std::vector<IpAddress> v6_members;
};

/// What a flush hands to the store: everything added since the previous flush.
/// Scanner keys (bins and SourceDay::scanner_org) are the enricher's organisation
/// slots; org_name() names them.
struct BinFlush {
  std::vector<SubBin> sub_bins;  ///< ascending by (bin_s, dim, start)
  std::vector<DayFlush> days;    ///< ascending by day
  std::uint64_t packets = 0;     ///< observed packets covered
  std::function<std::string(std::uint16_t)> org_name;
  [[nodiscard]] bool empty() const noexcept { return packets == 0; }
};

class BinSegment;

/// What enrichment says of a source: the record slots country, asn and scanner_org.
struct SourceSlots {
  std::array<char, 2> country{};
  std::uint32_t asn = 0;
  std::uint16_t scanner_org = 0;
};
/// Resolves a source's slots (see BinAggregator::set_source_resolver).
using SourceResolver = std::function<SourceSlots(const IpAddress&)>;

/// Accumulates observed packets between flushes in flat tables, one set per UTC day
/// seen: per packet one probe of a source table and one of a (source, port) table,
/// both prefetched a few packets ahead, and counter updates in the open 5-minute
/// and hourly bins (dense arrays, a small table for AS numbers). A bin is closed
/// when a packet of a later bin arrives; daily bins, their source sets and the
/// source records are derived from the tables by BinSegment::finish(), which is
/// meant to run on another thread than add(). Records with !observed are ignored.
class BinAggregator {
 public:
  /// Names a scanner_org slot value; null: "org-N".
  using OrgNamer = std::function<std::string(std::uint16_t)>;
  explicit BinAggregator(OrgNamer org_namer = {});
  ~BinAggregator();
  BinAggregator(const BinAggregator&) = delete;
  BinAggregator& operator=(const BinAggregator&) = delete;

  void add(const PacketRecord& r);
  /// From now on a source's country, AS number and organisation come from
  /// `resolver`, called once per source and day on the thread that calls add(), and
  /// the records' own slots are not read: the packet thread need not enrich each
  /// packet (ingest), and a source's first packet of the day costs one resolution.
  /// Without a resolver the records' slots are counted as they are.
  void set_source_resolver(SourceResolver resolver) { resolver_ = std::move(resolver); }
  /// Sizes the tables of days still to come for this many sources and (source,
  /// port) pairs, as the last day needed (a day's tables otherwise start small and
  /// double as they fill; a doubling of a large table costs a pass over it and
  /// the pages of the new half). Never shrinks what earlier days taught.
  void expect_day(std::uint64_t sources, std::uint64_t pairs);
  /// Hands over everything added since the last flush and starts afresh.
  [[nodiscard]] BinSegment take();
  /// take().finish(): the rows of everything added since the last flush.
  [[nodiscard]] BinFlush flush();

  [[nodiscard]] bool empty() const noexcept { return packets_ == 0; }
  [[nodiscard]] std::uint64_t packets() const noexcept { return packets_; }
  /// Source and (source, port) entries held: what memory grows with (64 and 16
  /// bytes each, in tables at most 3/4 full).
  [[nodiscard]] std::size_t entries() const noexcept;
  /// The name of an organisation slot value ("" for 0).
  [[nodiscard]] std::string org_name(std::uint16_t org) const;

  struct Day;
  struct Pending;

 private:
  void process(Pending& p);
  Day& day_state(std::int64_t day);
  void drain();

  OrgNamer org_namer_;
  SourceResolver resolver_;
  std::vector<std::unique_ptr<Day>> days_;
  Day* current_ = nullptr;
  std::unique_ptr<Pending[]> ring_;
  std::size_t ring_count_ = 0;
  std::size_t ring_next_ = 0;
  std::uint64_t packets_ = 0;
  std::size_t source_capacity_hint_ = 0;
  std::size_t pair_capacity_hint_ = 0;
};

/// The raw state of one flush, movable to a writer thread.
class BinSegment {
 public:
  BinSegment();
  ~BinSegment();
  BinSegment(BinSegment&&) noexcept;
  BinSegment& operator=(BinSegment&&) noexcept;

  [[nodiscard]] std::uint64_t packets() const noexcept { return packets_; }
  [[nodiscard]] bool empty() const noexcept { return packets_ == 0; }
  /// Derives the rows (sorts the tables; a few hundred milliseconds for tens of
  /// millions of packets). Call once.
  [[nodiscard]] BinFlush finish();

 private:
  friend class BinAggregator;
  std::vector<std::unique_ptr<BinAggregator::Day>> days_;
  std::uint64_t packets_ = 0;
  BinAggregator::OrgNamer org_namer_;
};

}  // namespace darkscope
