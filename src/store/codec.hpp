// The byte forms of what the store keeps in blobs: sets of source addresses, the
// per-source-per-day records, and scan events. Varints are LEB128; every list is
// sorted so that differences stay small. Decoders never read past their input and
// say false when it is not what they expect.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/bins.hpp"
#include "analyze/scan_detector.hpp"
#include "core/ip_address.hpp"
#include "core/varint.hpp"

namespace darkscope {

/// Distinct sources, ascending: IPv4 values, then IPv6 addresses.
struct SourceSet {
  std::vector<std::uint32_t> v4;
  std::vector<IpAddress> v6;
  [[nodiscard]] std::uint64_t size() const noexcept { return v4.size() + v6.size(); }
  [[nodiscard]] bool empty() const noexcept { return v4.empty() && v6.empty(); }
  bool operator==(const SourceSet&) const = default;
};

/// varint #IPv4, varint #IPv6, the IPv4 values as varint differences (the first
/// from 0), then the IPv6 addresses as 16 bytes each. Input must be ascending.
[[nodiscard]] std::string encode_source_set(std::span<const std::uint32_t> v4,
                                            std::span<const IpAddress> v6);
[[nodiscard]] bool decode_source_set(std::string_view data, SourceSet& out);
/// The union of sets (each ascending); `into` receives it.
void unite(SourceSet& into, const SourceSet& other);
/// The union of many sets at once (a radix sort of all their members): linear in
/// their total size, where uniting them one by one is quadratic in their number.
[[nodiscard]] SourceSet unite_all(std::vector<SourceSet>& sets);
/// The size of the union of many sets, without building it: the sets are walked
/// together /16 by /16, marking each member in an 8 KiB bitmap.
[[nodiscard]] std::uint64_t union_size(const std::vector<SourceSet>& sets);
/// The sources in both.
[[nodiscard]] SourceSet intersect(const SourceSet& a, const SourceSet& b);

/// The sets of consecutive keys of one bin, ascending by key: varint count, then
/// per key the varint difference to the previous key, the varint length of its
/// set and the set (encode_source_set()).
class SetBlockWriter {
 public:
  void add(std::uint32_t key, const std::string& set);
  [[nodiscard]] std::size_t bytes() const noexcept { return body_.size(); }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::uint32_t first_key() const noexcept { return first_; }
  [[nodiscard]] std::uint32_t last_key() const noexcept { return last_; }
  /// The block; clears the writer.
  [[nodiscard]] std::string finish();

 private:
  std::string body_;
  std::uint64_t count_ = 0;
  std::uint32_t first_ = 0;
  std::uint32_t last_ = 0;
};
/// A block is closed before it would pass this many bytes (so that it fits in one
/// 8 KiB page with its row); a larger set is a block of its own.
inline constexpr std::size_t kSetBlockBytes = 8000;
/// Calls f(key, set bytes) for every key of a block; false when it is damaged.
[[nodiscard]] bool for_each_set(std::string_view block,
                                const std::function<void(std::uint32_t, std::string_view)>& f);
/// The set of `key` in a block; false when the key is not there (or the block is damaged).
[[nodiscard]] bool find_set(std::string_view block, std::uint32_t key, SourceSet& out);

/// A source record as stored (SourceDay with names resolved to store ids).
struct SourceRecord {
  IpAddress src;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint16_t classes = 0;
  std::uint16_t fingerprints = 0;
  std::array<char, 2> country{};
  std::uint32_t asn = 0;
  std::uint32_t scanner = 0;  ///< scanner_names id, 0 for none
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::vector<PortCount> ports;  ///< ascending by packed port
};

/// Records of one day (day_s: Unix seconds of 00:00 UTC), ascending by address
/// (IPv4 first): varint #IPv4, varint #IPv6, then per record the address (IPv4 as
/// the varint difference to the previous one, IPv6 as 16 bytes), packets, bytes,
/// classes, fingerprints, 2 country bytes, ASN, scanner id, first - day, last - first,
/// the number of ports and per port the difference of its packed key and packets.
class SourceRecordWriter {
 public:
  explicit SourceRecordWriter(std::int64_t day_s) : day_ns_(day_s * 1'000'000'000LL) {}
  void add(const SourceDay& s, std::span<const PortCount> ports, std::uint32_t scanner_id);
  /// The encoding of what was added; clears the writer.
  [[nodiscard]] std::string finish();
  [[nodiscard]] bool empty() const noexcept { return n4_ + n6_ == 0; }

 private:
  std::int64_t day_ns_;
  std::string v4_;
  std::string v6_;
  std::uint64_t n4_ = 0;
  std::uint64_t n6_ = 0;
  std::uint32_t previous_ = 0;
};
[[nodiscard]] bool decode_source_records(std::string_view data, std::int64_t day_s,
                                         std::vector<SourceRecord>& out);

/// Which of 1024 buckets an address's records (and scans) are kept in.
inline constexpr std::uint32_t kSourceBuckets = 1024;
[[nodiscard]] std::uint32_t source_bucket(const IpAddress& a) noexcept;

/// Scans started on one day, ascending by (source, protocol, port, class, start):
/// the rate scale (2^32 / darknet size) as 8 bytes, varint count, then per scan a
/// flags byte (1: IPv6 source, 2: destinations exact, 4: Internet-wide), the source
/// (IPv4 as varint difference to the previous scan's IPv4 source, IPv6 as 16 bytes),
/// protocol, varint port, class, varints start - day, end - start, packets,
/// destinations, fingerprints. The estimated rate is recomputed from these with
/// the detector's formula, so it round-trips exactly.
[[nodiscard]] std::string encode_scans(std::vector<ScanEvent> scans, std::int64_t day_s, double scale);
[[nodiscard]] bool decode_scans(std::string_view data, std::int64_t day_s, std::vector<ScanEvent>& out);

}  // namespace darkscope
