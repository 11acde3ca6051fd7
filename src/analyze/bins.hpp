// Time-binned counters: observed packets counted into 5-minute, hourly and daily
// bins by dimension (port, class, fingerprint, country, ASN, scanner organisation),
// plus per-source-per-day rows that keep unique sources exact over any set of days.
#pragma once

#include <array>
#include <functional>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
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

/// What a bin row is counted by. The numeric values are stored: append only.
enum class BinDimension : std::uint8_t {
  kTotal = 0,        ///< every observed packet (key "")
  kPort = 1,         ///< ranking_port_key(): "tcp/23", "udp/53", "icmp"
  kClass = 2,        ///< traffic class name
  kFingerprint = 3,  ///< fingerprint name (a packet counts under each of its flags)
  kCountry = 4,      ///< ISO code, "unknown" when not known
  kAsn = 5,          ///< AS number in decimal, "0" when not known
  kScanner = 6,      ///< research-scanner organisation name (packets of no organisation: no row)
};
inline constexpr int kBinDimensionCount = 7;
inline constexpr std::array<std::string_view, kBinDimensionCount> kBinDimensionNames = {
    "total", "port", "class", "fingerprint", "country", "asn", "scanner"};

/// "5m", "1h", "1d" <-> seconds; 0 when not one of them.
[[nodiscard]] std::int64_t parse_bin_width(std::string_view text) noexcept;
[[nodiscard]] std::string bin_width_text(std::int64_t seconds);
/// The dimension named `text` ("port", "country", ...); false when none.
[[nodiscard]] bool parse_bin_dimension(std::string_view text, BinDimension& out) noexcept;
/// The stored key text of a country slot ("JP", or "unknown").
[[nodiscard]] std::string country_key(const std::array<char, 2>& country);

/// One bin row: packets and bytes are additive; `sources` is the number of distinct
/// sources among the packets of this flush (exact for the bin when one flush holds
/// all of its packets; daily rows leave it 0, their sources come from SourceDay).
struct BinCell {
  std::int64_t bin_s = 0;  ///< width
  std::int64_t start = 0;  ///< Unix seconds, a multiple of bin_s
  BinDimension dim = BinDimension::kTotal;
  std::string key;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t sources = 0;
};

/// One source on one UTC day: mergeable (sums, bit-ors, min/max).
struct SourceDay {
  std::int64_t day = 0;  ///< Unix seconds of 00:00 UTC
  IpAddress src;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint16_t classes = 0;       ///< bit i = TrafficClass i seen
  std::uint16_t fingerprints = 0;  ///< Fingerprint bits seen
  std::array<char, 2> country{};
  std::uint32_t asn = 0;
  std::uint16_t scanner_org = 0;
  std::string org;  ///< the organisation's name, "" for none
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
};

/// Packets of one source to one ranking port on one UTC day (port uniques stay exact).
struct SourceDayPort {
  std::int64_t day = 0;
  IpAddress src;
  std::uint32_t port = 0;  ///< PortKey::packed()
  std::uint64_t packets = 0;
};

/// What a flush hands to the store: everything added since the previous flush.
struct BinFlush {
  std::vector<BinCell> cells;
  std::vector<SourceDay> sources;
  std::vector<SourceDayPort> source_ports;
  std::uint64_t packets = 0;  ///< observed packets covered
  [[nodiscard]] bool empty() const noexcept { return packets == 0; }
};

/// Accumulates observed packets between flushes. The packet path is one hash-map
/// update per packet into a cube keyed by (5-minute bin, source, port key, class,
/// fingerprints, country, ASN, organisation); flush() derives every bin, source-day
/// and source-day-port row from the cube. Records with !observed are ignored.
class BinAggregator {
 public:
  /// Names a scanner_org slot value (called at flush only); null: "org-N".
  using OrgNamer = std::function<std::string(std::uint16_t)>;
  explicit BinAggregator(OrgNamer org_namer = {});

  void add(const PacketRecord& r);
  /// Derives the rows of everything added since the last flush and starts afresh.
  [[nodiscard]] BinFlush flush();

  [[nodiscard]] bool empty() const noexcept { return packets_ == 0; }
  [[nodiscard]] std::uint64_t packets() const noexcept { return packets_; }
  /// Distinct cube cells held (a measure of memory: about 80 bytes each).
  [[nodiscard]] std::size_t cells() const noexcept { return cube_.size(); }
  /// The name of an organisation slot value ("" for 0).
  [[nodiscard]] std::string org_name(std::uint16_t org) const;

 private:
  struct CellKey {
    IpAddress src;
    std::int64_t bin5 = 0;
    std::uint32_t port = kNoPort;
    std::uint32_t asn = 0;
    std::uint16_t fingerprints = 0;
    std::uint16_t org = 0;
    std::array<char, 2> country{};
    std::uint8_t cls = 0;
    bool src_known = false;
    bool operator==(const CellKey&) const noexcept = default;
  };
  struct CellKeyHash {
    std::size_t operator()(const CellKey& k) const noexcept;
  };
  struct CellValue {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
  };
  static constexpr std::uint32_t kNoPort = 0xffffffffu;

  std::unordered_map<CellKey, CellValue, CellKeyHash> cube_;
  OrgNamer org_namer_;
  std::uint64_t packets_ = 0;
};

}  // namespace darkscope
