// Ingest of one capture into the store with checkpoints: the counts of the first K
// packets and "K packets done" are committed in one transaction, so a run killed
// at any moment and run again skips exactly those K packets and counts the rest.
// Commits run on a writer thread (CommitQueue) while the next segment is counted.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "analyze/bins.hpp"
#include "core/packet_record.hpp"
#include "core/time.hpp"
#include "store/events_store.hpp"
#include "store/observation_store.hpp"

namespace darkscope {

/// What a capture's digest starts with: the algorithm, so that digests of other
/// kinds (the SHA-256 of databases written before schema version 4) never match.
inline constexpr std::string_view kDigestPrefix = "xxh3-128:";

/// The identity of a file's content as stored (compressed files are hashed
/// compressed): "xxh3-128:" and the 128-bit XXH3 digest in hex. XXH3 runs at
/// memory speed; a capture's identity needs no resistance to chosen collisions
/// (its bytes are the sensor's, timestamps included). Throws std::runtime_error
/// naming the file when it cannot be read.
[[nodiscard]] std::string content_digest_file(const std::string& path);

/// SHA-256 of a file's bytes, hex: how captures were known before schema version
/// 4, still computed to recognise them.
[[nodiscard]] std::string sha256_file(const std::string& path);

struct CheckpointPolicy {
  /// Commit when an observed packet opens a later UTC day (live: a later 5-minute
  /// bin) than the latest one counted. A day in one commit keeps every sub-day
  /// `sources` exact; fewer commits write fewer rows.
  std::int64_t boundary_s = kBin1d;
  /// When the aggregator holds this many entries, commit at the next hour instead
  /// (bounds memory: about 16-64 bytes an entry); at twice as many, at once.
  std::size_t max_entries = 24'000'000;

  /// The start (ns) of the checkpoint bin a packet at ts_ns falls in.
  [[nodiscard]] std::int64_t boundary_of(std::int64_t ts_ns) const noexcept {
    return floor_to(ts_ns, boundary_s * kNsPerSecond);
  }
  /// Live: how long after its end a bin waits for packets still on their way
  /// (the capture hands over what the kernel holds within its 100 ms timeout).
  static constexpr std::int64_t kLiveGraceNs = 1'000'000'000;
  /// Live: whether at wall-clock now_ns the checkpoint bin that starts at
  /// bin_start_ns is over, so that it is written without waiting for a packet of
  /// a later bin.
  [[nodiscard]] bool over_at(std::int64_t bin_start_ns, std::int64_t now_ns) const noexcept {
    return now_ns - kLiveGraceNs >= bin_start_ns + boundary_s * kNsPerSecond;
  }
};

/// Runs tasks in order on its own thread; at most `max_queued` wait (submit()
/// blocks then). An exception of a task is rethrown by the next submit() or wait(),
/// and later tasks do not run.
class SerialWorker {
 public:
  explicit SerialWorker(const char* name, std::size_t max_queued = 32);
  ~SerialWorker();
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  void submit(std::function<void()> task);
  void wait();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> queue_;
  std::size_t max_queued_;
  bool busy_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

/// Runs ObservationStore::commit() for each request in order, on its own thread
/// (threaded) or in submit() (not threaded). At most one request waits while one
/// is written, so memory holds at most three segments.
class CommitQueue {
 public:
  explicit CommitQueue(ObservationStore& store, bool threaded = true);
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  /// Queues a commit; rethrows the error of an earlier one.
  void submit(CommitRequest request);
  /// Waits until every queued commit is written; rethrows the first error.
  void wait();

 private:
  void run();

  ObservationStore& store_;
  bool threaded_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<CommitRequest> queue_;
  bool busy_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

/// Feeds one capture's packets (every IP packet the pipeline delivers, in order,
/// observed or not) into an aggregator and the event detectors, and commits at
/// checkpoints. Packets a resumed run skips feed neither.
///
/// Threads: all calls on one thread (any thread); commits go to the CommitQueue.
class CaptureIngest {
 public:
  /// events: the detectors whose events the commits take; feed_events: on_packet()
  /// also feeds them (false: the caller feeds them, with the same serials).
  CaptureIngest(CommitQueue& queue, BinAggregator& aggregator, int sensor_id,
                std::shared_ptr<CaptureHandle> capture, std::uint64_t resume_after,
                CheckpointPolicy policy = {}, EventRecorder* events = nullptr, bool feed_events = true);

  void on_packet(const PacketRecord& r);
  /// The same for a packet whose position in the capture (1 for its first IP
  /// packet) and serial in the run are known: a caller that hands over observed
  /// packets only.
  void on_packet_at(const PacketRecord& r, std::uint64_t position, std::uint64_t serial);
  /// Commits what is left; complete: the capture is done (a rerun skips it).
  void finish(bool complete);
  /// The same, when the capture had `packets` IP packets in all.
  void finish_at(bool complete, std::uint64_t packets);
  /// Commits what is held now (the counts, and the events the detectors ended),
  /// without marking the capture complete (live ingest); nothing when neither.
  void checkpoint();
  /// Live: `received` and `dropped` packets that the kernel counted since the last
  /// call, read at now_ns (wall clock); they go with the next commit.
  void add_loss(std::int64_t now_ns, std::uint64_t received, std::uint64_t dropped);

  [[nodiscard]] std::uint64_t packets_seen() const noexcept { return seen_; }
  [[nodiscard]] std::uint64_t packets_skipped() const noexcept { return std::min(seen_, resume_after_); }
  [[nodiscard]] std::uint64_t observed_counted() const noexcept { return observed_; }
  [[nodiscard]] std::uint64_t commits() const noexcept { return commits_; }

 private:
  /// events: those of packets up to this serial go with the commit.
  void commit(std::uint64_t packets_done, bool complete, std::uint64_t events);

  CommitQueue& queue_;
  BinAggregator& aggregator_;
  int sensor_id_;
  std::shared_ptr<CaptureHandle> capture_;
  std::uint64_t resume_after_;
  CheckpointPolicy policy_;
  EventRecorder* events_;
  bool feed_events_;
  std::uint64_t seen_ = 0;
  std::uint64_t last_serial_ = 0;
  std::uint64_t observed_ = 0;
  std::uint64_t commits_ = 0;
  std::int64_t boundary_ = 0;  // of the latest packet of the segment
  std::int64_t hour_ = 0;
  bool open_ = false;          // the segment has packets
  std::vector<LossSample> loss_;  // since the last commit, ascending by bin
};

}  // namespace darkscope
