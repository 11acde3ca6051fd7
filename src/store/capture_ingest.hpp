// Ingest of one capture into the store with checkpoints: the counts of the first K
// packets and "K packets done" are committed in one transaction, so a run killed
// at any moment and run again skips exactly those K packets and counts the rest.
#pragma once

#include <cstdint>
#include <string>

#include "analyze/bins.hpp"
#include "core/packet_record.hpp"
#include "store/observation_store.hpp"

namespace darkscope {

/// SHA-256 of a file's bytes as stored (compressed files are hashed compressed), hex.
/// Throws std::runtime_error naming the file when it cannot be read.
[[nodiscard]] std::string sha256_file(const std::string& path);

struct CheckpointPolicy {
  /// Commit when an observed packet opens a later hour than the one being counted.
  /// Sub-day `sources` are exact because an hour is never split across commits
  /// (except by max_cells, or by a file boundary).
  std::int64_t boundary_s = kBin1h;
  /// Commit early when the aggregator holds this many cells (bounds memory).
  std::size_t max_cells = 4'000'000;
};

/// Feeds one capture's packets (every IP packet the pipeline delivers, in order,
/// observed or not) into an aggregator and commits at checkpoints.
class CaptureIngest {
 public:
  CaptureIngest(ObservationStore& store, BinAggregator& aggregator, int sensor_id,
                const CaptureState& state, CheckpointPolicy policy = {});

  void on_packet(const PacketRecord& r);
  /// Commits what is left; complete: the capture is done (a rerun skips it).
  void finish(bool complete);
  /// Commits what is held now, without marking the capture complete (live ingest).
  void checkpoint();

  [[nodiscard]] std::uint64_t packets_seen() const noexcept { return seen_; }
  [[nodiscard]] std::uint64_t packets_skipped() const noexcept { return skipped_; }
  [[nodiscard]] std::uint64_t observed_counted() const noexcept { return observed_; }
  [[nodiscard]] std::uint64_t commits() const noexcept { return commits_; }

 private:
  ObservationStore& store_;
  BinAggregator& aggregator_;
  int sensor_id_;
  std::int64_t capture_id_;
  std::uint64_t resume_after_;
  CheckpointPolicy policy_;
  std::uint64_t seen_ = 0;
  std::uint64_t skipped_ = 0;
  std::uint64_t observed_ = 0;
  std::uint64_t commits_ = 0;
  std::int64_t current_boundary_ = 0;
  bool have_boundary_ = false;
};

}  // namespace darkscope
