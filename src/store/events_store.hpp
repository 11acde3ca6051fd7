// Events in the store: scan and DoS events as the detectors find them while
// ingesting, port surges from the stored daily counts, and the read side that the
// `events`, `source` and `feed` commands use. Source profiles and feeds are read
// from the per-source-per-day rows (source_days, source_day_ports) that ingest
// already keeps, so no packet is counted twice.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analyze/dos_detector.hpp"
#include "analyze/profile_tracker.hpp"
#include "analyze/scan_detector.hpp"
#include "analyze/surge_detector.hpp"
#include "store/sqlite_db.hpp"

namespace darkscope {

/// A time range and an optional sensor for the read side.
struct EventQuery {
  std::optional<std::int64_t> from_ns;  ///< events that end at or after this
  std::optional<std::int64_t> to_ns;    ///< events that start before this
  std::optional<std::string> sensor;    ///< sensor name; all sensors when absent
};

/// A stored scan event with its sensor.
struct StoredScan {
  std::string sensor;
  ScanEvent event;
};
struct StoredDos {
  std::string sensor;
  DosEvent event;
};
struct StoredSurge {
  std::string sensor;
  SurgeEvent event;
};

/// A source's profile (GreyNoise style), merged over the days it was seen.
struct SourceProfile {
  IpAddress source;
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t days = 0;          ///< UTC days with packets
  std::uint16_t classes = 0;       ///< bit (1 << TrafficClass)
  std::uint16_t fingerprints = 0;  ///< Fingerprint bits
  std::string country;             ///< ISO code or "unknown" (the latest day's)
  std::uint32_t asn = 0;           ///< the latest day's
  std::string org;                 ///< research-scanner organisation, "" for none
  std::vector<std::pair<std::string, std::uint64_t>> ports;  ///< "tcp/23", packets; most first
  std::uint64_t scans = 0;          ///< scan events of this source
  std::uint64_t internet_wide_scans = 0;
  SourceVerdict verdict = SourceVerdict::kUnknown;
  std::string reason;
};

/// `feed`: hosts that showed a fingerprint, for notifying network owners.
struct FeedQuery {
  std::uint16_t fingerprint = kFpMirai;  ///< one Fingerprint bit
  std::optional<std::int64_t> from_ns;
  std::optional<std::int64_t> to_ns;
  std::optional<std::string> sensor;
  std::string by;  ///< "", "asn" or "country": the order groups hosts by it
};
/// One host (fields after Shadowserver's darknet report).
struct FeedRecord {
  IpAddress ip;
  std::uint32_t asn = 0;
  std::string as_name;  ///< filled by the caller (the store keeps numbers only)
  std::string country;
  std::string tag;  ///< the fingerprint's name
  std::int64_t first_seen_ns = 0;
  std::int64_t last_seen_ns = 0;
  std::uint64_t packets = 0;            ///< on the days the host showed the fingerprint
  std::vector<std::string> ports;       ///< ranking keys, most packets first
};

/// The events tables of one SQLite database (its own connection; one writer).
class EventsStore {
 public:
  /// writable: creates/migrates the schema; otherwise read-only. Throws StoreError.
  EventsStore(const std::string& path, bool writable);

  /// The id of a sensor by name, or nullopt when the store has no such sensor.
  [[nodiscard]] std::optional<int> sensor_id(const std::string& name);

  /// Stores events in one transaction. An event with the same key and start
  /// (the same capture ingested again) replaces the earlier row.
  void add(int sensor_id, const std::vector<ScanEvent>& scans, const std::vector<DosEvent>& dos);

  /// Runs the daily surge check for every day in [first_day_s, last_day_s] (Unix
  /// seconds of 00:00 UTC) against the stored daily counts, replacing the stored
  /// surges of those days. Returns the surges found.
  std::size_t detect_surges(int sensor_id, std::int64_t first_day_s, std::int64_t last_day_s,
                            const SurgeOptions& options);

  [[nodiscard]] std::vector<StoredScan> scans(const EventQuery& q);
  [[nodiscard]] std::vector<StoredDos> dos(const EventQuery& q);
  [[nodiscard]] std::vector<StoredSurge> surges(const EventQuery& q);
  /// nullopt when the source was never observed.
  [[nodiscard]] std::optional<SourceProfile> profile(const IpAddress& source,
                                                     const std::optional<std::string>& sensor);
  [[nodiscard]] std::vector<FeedRecord> feed(const FeedQuery& q);

  [[nodiscard]] Database& database() noexcept { return db_; }

 private:
  std::optional<int> sensor_filter(const std::optional<std::string>& sensor);

  Database db_;
};

/// Bounds and options of the detectors that run while ingesting.
struct EventOptions {
  ScanOptions scan;
  DosOptions dos;
  SurgeOptions surge;
  std::size_t max_buffered = 100'000;  ///< events held before they are written
  /// Packet time between writes, so that live runs show events while they run.
  std::int64_t commit_interval_ns = 900 * 1'000'000'000LL;
};

/// The ingest hook: runs the scan and DoS detectors over every packet, writes
/// their events in batches, and at the end runs the surge check over the days seen.
class EventRecorder {
 public:
  EventRecorder(EventsStore& store, int sensor_id, double darknet_ipv4_size,
                const EventOptions& options = {});

  void on_packet(const PacketRecord& r);
  /// Ends idle scans and attacks at wall-clock `now_ns` (live runs) and writes.
  void advance(std::int64_t now_ns);
  /// Writes the events found so far.
  void commit();
  /// Ends every scan and attack, writes them, and checks the days seen for surges
  /// (call after the day counts are committed).
  void finish();

  [[nodiscard]] std::uint64_t scans_written() const noexcept { return scans_written_; }
  [[nodiscard]] std::uint64_t dos_written() const noexcept { return dos_written_; }
  [[nodiscard]] std::uint64_t surges_found() const noexcept { return surges_found_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return scan_.memory_bytes() + dos_.memory_bytes();
  }

 private:
  EventsStore& store_;
  int sensor_id_;
  EventOptions options_;
  std::vector<ScanEvent> scan_buffer_;
  std::vector<DosEvent> dos_buffer_;
  ScanDetector scan_;
  DosDetector dos_;
  std::int64_t last_commit_ns_ = INT64_MIN;
  std::int64_t first_day_s_ = INT64_MAX;
  std::int64_t last_day_s_ = INT64_MIN;
  std::uint64_t scans_written_ = 0;
  std::uint64_t dos_written_ = 0;
  std::uint64_t surges_found_ = 0;
};

/// 4 bytes for IPv4, 16 for IPv6: the store's address form.
[[nodiscard]] std::string events_address_blob(const IpAddress& a);
[[nodiscard]] IpAddress events_blob_address(const std::string& blob);

}  // namespace darkscope
