// The observation store: what `ingest` writes and `top`, `series`, reports and the
// web read. SQLite is the embedded implementation (open_sqlite_store); a scale-out
// engine implements the same interface.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analyze/bins.hpp"
#include "analyze/dos_detector.hpp"
#include "analyze/scan_detector.hpp"
#include "analyze/surge_detector.hpp"

namespace darkscope {

/// A sensor: a named darknet (its prefixes and IPv4 size make per-address figures right).
struct SensorInfo {
  std::string name = "default";
  std::string prefixes;  ///< "10.0.0.0/8,192.0.2.0/24"; "" = every destination observed
  double ipv4_size = 0;
};

/// A capture file, identified by the hash of its content (not its name).
struct CaptureFile {
  std::string digest;  ///< content_digest_file()
  std::string path;
  std::uint64_t size = 0;
};

/// Where a capture stands in the store.
struct CaptureState {
  std::int64_t id = 0;
  std::uint64_t packets_done = 0;  ///< IP packets whose counts are committed
  bool complete = false;           ///< fully ingested earlier (skip unless forced)
  bool resumed = false;            ///< an interrupted earlier ingest is continued
  bool replaced = false;           ///< --force removed an earlier contribution
};

/// A capture that a commit belongs to. A new capture of a size no capture of its
/// sensor has cannot have been ingested before, so it may be counted while its
/// hash is still being computed: the first commit registers it (and sets id).
struct CaptureHandle {
  std::int64_t id = 0;  ///< 0 until registered
  CaptureFile file;     ///< file.digest empty: take it from `digest`
  std::shared_future<std::string> digest;
};

/// Events found in the packets of a commit, written in the same transaction.
struct EventBatch {
  std::vector<ScanEvent> scans;
  std::vector<DosEvent> dos;
  double scale = 1.0;  ///< 2^32 / the darknet's IPv4 size (the scans' rate scale)
  [[nodiscard]] bool empty() const noexcept { return scans.empty() && dos.empty(); }
};

/// What a live capture's kernel counted in one 5-minute bin (wall clock).
struct LossSample {
  std::int64_t start = 0;      ///< Unix seconds, a multiple of kBin5m
  std::uint64_t received = 0;  ///< packets the capture filter passed
  std::uint64_t dropped = 0;   ///< of those, dropped by the kernel or the interface
};

/// One checkpoint: the counts of a segment of one capture, the number of the
/// capture's packets they cover, and the events found meanwhile.
struct CommitRequest {
  std::shared_ptr<CaptureHandle> capture;
  int sensor_id = 0;
  BinSegment segment;
  EventBatch events;
  std::uint64_t packets_done = 0;
  bool complete = false;
  bool check_surges = false;  ///< queue the segment's days for the surge check
  std::vector<LossSample> loss;  ///< live: the kernel's counters since the last commit
};

/// How long sub-day bins are kept, counted back from the newest bin stored. 0 = forever.
struct Retention {
  int keep_5m_days = 14;
  int keep_1h_days = 180;
};

/// `top`: ranked keys of one dimension over [from, to).
struct TopQuery {
  std::int64_t from = 0;  ///< Unix seconds, inclusive
  std::int64_t to = 0;    ///< Unix seconds, exclusive
  std::string by;         ///< port|country|asn|class|fingerprint|scanner|source
  std::optional<std::string> sensor;
  std::size_t limit = 10;  ///< 0 = all
  bool sources = true;     ///< false: leave TopRow::sources 0 (no set is read)
};
struct TopRow {
  std::string key;
  std::uint64_t packets = 0;
  std::uint64_t sources = 0;
};

/// `series`: one key's bins over [from, to), every bin present (zeros included).
struct SeriesQuery {
  std::int64_t from = 0;
  std::int64_t to = 0;
  std::int64_t bin_s = kBin1h;
  BinDimension dim = BinDimension::kTotal;
  std::string key;
  std::optional<std::string> sensor;
};
struct SeriesPoint {
  std::int64_t start = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t sources = 0;
};

/// How large one of a sensor's days was: its distinct sources and (source, port)
/// pairs (of its largest capture, when several made the day).
struct DaySize {
  std::uint64_t sources = 0;
  std::uint64_t pairs = 0;
};

/// Live captures' losses over a period: what the stored counts lack.
struct CaptureLoss {
  std::uint64_t received = 0;                 ///< packets the kernels' capture filters passed
  std::uint64_t dropped = 0;                  ///< packets they dropped (not in any count)
  std::vector<std::int64_t> days_with_drops;  ///< Unix seconds of 00:00 UTC, ascending
  [[nodiscard]] double share() const noexcept {
    return received > 0 ? static_cast<double>(dropped) / static_cast<double>(received) : 0.0;
  }
};

class ObservationStore {
 public:
  virtual ~ObservationStore() = default;

  // Writer side (one writer at a time).
  /// The sensor's id, creating it or updating its prefixes.
  virtual int sensor_id(const SensorInfo& sensor) = 0;
  /// Whether the sensor has a capture of this many bytes (complete or begun).
  virtual bool has_capture_of_size(int sensor_id, std::uint64_t size) = 0;
  /// The size of the sensor's newest stored day (zeros when it has none): an ingest
  /// sizes its tables by it, so that a daily run does not grow them as it goes.
  virtual DaySize newest_day_size(int sensor_id) = 0;
  /// Registers a capture or finds it. force: remove what it contributed before and start over.
  virtual CaptureState begin_capture(int sensor_id, const CaptureFile& file, bool force) = 0;
  /// Writes a segment's rows, its events and "packets_done" for the capture in one
  /// transaction, so that a crash leaves either all or none. Registers the capture
  /// first when it has no id yet.
  virtual void commit(CommitRequest& request) = 0;
  /// Builds the rollups of the complete months and years that ingests touched.
  virtual void refresh_rollups() = 0;
  /// Deletes sub-day bins older than the retention; returns rows deleted.
  virtual std::uint64_t apply_retention(const Retention& retention) = 0;
  /// Runs the surge check of the days commits queued; returns the surges found.
  virtual std::size_t detect_pending_surges(const SurgeOptions& options) = 0;

  // Reader side.
  virtual std::vector<TopRow> top(const TopQuery& query) = 0;
  virtual std::vector<SeriesPoint> series(const SeriesQuery& query) = 0;
  virtual std::vector<SensorInfo> sensors() = 0;
  /// What live captures received and dropped in the 5-minute bins of [from, to)
  /// (Unix seconds); zeros when no live capture ran then.
  virtual CaptureLoss capture_loss(std::int64_t from, std::int64_t to,
                                   const std::optional<std::string>& sensor) = 0;
};

/// Opens the SQLite store at `path`. writable: creates or migrates it and takes the
/// single-writer lock (throws StoreError when another ingest holds it); otherwise a
/// read-only connection that works while an ingest runs (WAL).
std::unique_ptr<ObservationStore> open_sqlite_store(const std::string& path, bool writable);

}  // namespace darkscope
