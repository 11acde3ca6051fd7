// Events in the store: scan and DoS events as the detectors find them while
// ingesting (written in the same transactions as the counts of the packets they
// came from), port surges from the stored daily counts, and the read side that
// the `events`, `source` and `feed` commands use. Source profiles and feeds are
// read from the per-source-per-day records that ingest already keeps, so no packet
// is counted twice.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "analyze/dos_detector.hpp"
#include "analyze/source_verdict.hpp"
#include "analyze/scan_detector.hpp"
#include "analyze/surge_detector.hpp"
#include "store/observation_store.hpp"
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

  /// Stores events in one transaction (of no capture). An event with the same key
  /// and start replaces the earlier one.
  void add(int sensor_id, const std::vector<ScanEvent>& scans, const std::vector<DosEvent>& dos,
           double scale = 1.0);

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

/// The scans of a batch that are not Internet-wide, encoded by the day they
/// started and the bucket of their source (no database: any thread may run it).
struct ScanChunk {
  std::int64_t day = 0;
  std::uint32_t bucket = 0;
  std::string blob;
};
[[nodiscard]] std::vector<ScanChunk> encode_scan_chunks(const EventBatch& events);
/// Writes the events a commit of `capture_id` found (segment: the commit's packet
/// position), inside the caller's transaction: Internet-wide scans as rows, the
/// others as `chunks` (encode_scan_chunks(events), computed here when null).
void write_events(Database& db, int sensor_id, std::int64_t capture_id, std::int64_t segment,
                  const EventBatch& events, const std::vector<ScanChunk>* chunks = nullptr);
/// Removes the events of a capture whose packets lie in the days [first_day, last_day].
void remove_capture_events(Database& db, std::int64_t capture_id, std::int64_t first_day, std::int64_t last_day);
/// The surge check of the days [first_day_s, last_day_s] (Unix seconds of 00:00
/// UTC) against the stored daily counts; replaces the stored surges of those days,
/// inside the caller's transaction. Returns the surges found.
std::size_t detect_surges(Database& db, int sensor_id, std::int64_t first_day_s, std::int64_t last_day_s,
                          const SurgeOptions& options);

/// Bounds and options of the detectors that run while ingesting.
struct EventOptions {
  ScanOptions scan;
  DosOptions dos;
  SurgeOptions surge;
};

/// A packet with its position in its capture (1 for the first IP packet) and its
/// serial number in the run (ascending over the captures of a run).
/// 16-byte aligned, so that a block's records take whole 16-byte streaming stores.
struct alignas(16) PositionedRecord {
  PacketRecord record;
  std::uint64_t position = 0;
  std::uint64_t serial = 0;
};

/// Blocks that may wait for each of the threads that read them (the counting and
/// event threads of ingest), after which the packet thread waits. Both read every
/// block, so the one ahead idles whenever the packet thread waits for the other:
/// deep enough to ride out a table doubling or a sweep (64 blocks of 4096 records
/// are 46 MB at most, and only while one reader lags).
inline constexpr std::size_t kMaxBlocksWaiting = 64;

/// Records handed from the packet thread to the threads that count them and run
/// the detectors: a fixed capacity, filled by push() and read in place.
class RecordBlock {
 public:
  explicit RecordBlock(std::size_t capacity)
      : items_(std::make_unique_for_overwrite<PositionedRecord[]>(capacity)), capacity_(capacity) {}

  /// Appends a record (the block must not be full). Its bytes go to memory with
  /// streaming stores: the line was last read by the other threads, so an ordinary
  /// store would first fetch it back (ingest copies gigabytes this way); the
  /// readers get it from memory, in order, which their prefetchers follow.
  void push(const PacketRecord& r, std::uint64_t position, std::uint64_t serial) noexcept;
  /// Makes the pushes visible to other threads before the block is handed over:
  /// streaming stores are weakly ordered, and the fence says so here rather than
  /// leaving it to the lock of the hand-over.
  void publish() const noexcept;
  void clear() noexcept { size_ = 0; }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] bool full() const noexcept { return size_ == capacity_; }
  [[nodiscard]] const PositionedRecord& operator[](std::size_t i) const noexcept { return items_[i]; }
  [[nodiscard]] const PositionedRecord& back() const noexcept { return items_[size_ - 1]; }
  [[nodiscard]] const PositionedRecord* begin() const noexcept { return items_.get(); }
  [[nodiscard]] const PositionedRecord* end() const noexcept { return items_.get() + size_; }

 private:
  std::unique_ptr<PositionedRecord[]> items_;
  std::size_t capacity_;
  std::size_t size_ = 0;
};

/// The ingest hook: runs the scan and DoS detectors over every packet and holds
/// the events they end, each with the serial of the packet that ended it, until a
/// commit takes those of its packets.
///
/// threaded: the detectors run on their own thread, fed with submit(); take() waits
/// until they have seen every packet up to the serial it asks for. Otherwise
/// on_packet() runs them at once.
class EventRecorder {
 public:
  explicit EventRecorder(double darknet_ipv4_size, const EventOptions& options = {}, bool threaded = false);
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  /// Not threaded: one packet (serial: its number in the run).
  void on_packet(const PacketRecord& r, std::uint64_t serial = 0);
  /// Threaded: a block of packets, serials ascending.
  void submit(std::shared_ptr<const RecordBlock> block);
  /// Ends idle scans and attacks at wall-clock `now_ns` (live runs).
  void advance(std::int64_t now_ns);
  /// Ends every scan and attack (end of input); the next take() gets them.
  void finish();
  /// Moves the events ended by packets of serial <= `serial` (and those finish()
  /// ended) into `batch`.
  void take(EventBatch& batch, std::uint64_t serial = UINT64_MAX);

  /// Whether take() would get events now (some ended and none took them yet).
  [[nodiscard]] bool has_ended();
  [[nodiscard]] std::uint64_t scans_found() const noexcept { return scans_found_; }
  [[nodiscard]] std::uint64_t dos_found() const noexcept { return dos_found_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return scan_.memory_bytes() + dos_.memory_bytes();
  }

 private:
  struct Worker;
  struct Waiting {
    PacketRecord record;
    std::uint64_t serial;
  };
  void detect(const Waiting& w);
  /// Threaded: runs the detectors over a block in place.
  void run_block(const RecordBlock& block);
  void queue(const PacketRecord& r, std::uint64_t serial);
  /// Runs the packets waiting in the prefetch ring.
  void drain();
  /// Threaded: waits until every packet up to `serial` was seen (or all were).
  void wait_for(std::uint64_t serial);

  /// Moves what the detectors ended into the buffers take() reads (under the
  /// worker's lock when threaded).
  void publish();
  /// The published events, safe to read while the returned lock lives: threaded,
  /// the worker's lock; otherwise the waiting packets are run and published first.
  std::unique_lock<std::mutex> hold_published();

  /// Events, each with the serial of the packet that ended it: as the detectors
  /// end them (only the thread that runs them touches `fresh`), and as take()
  /// finds them (`published`, one chunk per publish(), so that a day of a million
  /// scans is never grown and copied as one array).
  template <typename Event>
  struct Ended {
    std::vector<std::pair<std::uint64_t, Event>> fresh;
    std::vector<std::vector<std::pair<std::uint64_t, Event>>> published;
    void publish();
    /// Moves the events of serial <= `serial` to `to`, in the order they ended.
    void take(std::uint64_t serial, std::vector<Event>& to);
  };

  double scale_;
  Ended<ScanEvent> scans_;
  Ended<DosEvent> dos_events_;
  std::uint64_t serial_ = 0;  // of the packet being run
  ScanDetector scan_;
  DosDetector dos_;
  std::uint64_t scans_found_ = 0;
  std::uint64_t dos_found_ = 0;
  // Packets wait a few places here after a prefetch of their scan-table slot, so
  // that the misses of random keys overlap.
  static constexpr std::size_t kRing = 16;
  std::array<Waiting, kRing> ring_{};
  std::size_t ring_count_ = 0;
  std::size_t ring_next_ = 0;
  std::unique_ptr<Worker> worker_;
};

/// 4 bytes for IPv4, 16 for IPv6: the store's address form.
[[nodiscard]] std::string events_address_blob(const IpAddress& a);
[[nodiscard]] IpAddress events_blob_address(const std::string& blob);

}  // namespace darkscope
