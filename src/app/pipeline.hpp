// The packet path as the commands run it: capture -> decode -> classify -> enrich -> sink.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "capture/capture_source.hpp"
#include "classify/classifier.hpp"
#include "core/packet_record.hpp"

namespace darkscope {

class Enricher;

/// Receives every decoded IP packet (observed or not: check r.observed) in capture order.
class PacketSink {
 public:
  virtual ~PacketSink() = default;
  virtual void on_file_begin(const CaptureInfo& /*info*/) {}
  virtual void on_packet(const PacketRecord& r) = 0;
  /// A run of consecutive packets (the pipeline hands them over in batches so that
  /// sinks can overlap their table lookups); by default each goes to on_packet.
  virtual void on_batch(std::span<const PacketRecord> records) {
    for (const PacketRecord& r : records) on_packet(r);
  }
  /// After the file's last packet; info says whether it was complete.
  virtual void on_file_end(const CaptureInfo& /*info*/) {}
  /// Live: at most every 100 ms while no packet is ready; now_ns is the wall clock
  /// (the clock of the packets' stamps). On the thread that calls on_packet.
  virtual void on_idle(std::int64_t /*now_ns*/) {}
  /// Live: what the kernel's counters (pcap_stats) grew by since the previous call,
  /// read at now_ns (wall clock) every kKernelStatsEvery and once more after the
  /// last packet, before on_file_end. On the thread that calls on_packet.
  virtual void on_kernel_stats(std::int64_t /*now_ns*/, const LiveStats& /*fresh*/) {}
};

/// How often a live run hands the kernel's counters to its sink.
inline constexpr std::int64_t kKernelStatsEvery = 10'000'000'000;

struct PipelineOptions {
  PrefixSet darknet;
  ClassifyOptions classify;
  Enricher* enricher = nullptr;  ///< null: no enrichment
  /// Keep one entry per source for the whole run (a SourceTable): records get
  /// new_source, and enrichment is read from the same entry instead of the
  /// enricher's bounded cache. Memory grows with the run's distinct sources.
  bool track_sources = false;
  std::uint16_t sensor_id = 0;
  bool progress = false;         ///< progress lines on stderr
};

/// Counts that belong to the run rather than to any packet sink.
struct PipelineResult {
  std::vector<CaptureInfo> files;
  std::uint64_t frames = 0;       ///< frames read
  std::uint64_t non_ip = 0;       ///< frames without IP
  std::uint64_t unsupported = 0;  ///< frames of link types that cannot be decoded
  bool any_damaged = false;       ///< some input was read only up to damage (exit 3)
  bool any_unreadable = false;    ///< some input could not be read at all (exit 2)
  std::optional<LiveStats> live_stats;  ///< kernel counters of a live capture
  [[nodiscard]] int exit_code() const noexcept {
    return any_unreadable ? 2 : (any_damaged ? 3 : 0);
  }
};

/// Runs every file through the packet path into `sink`. Errors are reported on
/// stderr and recorded in the result; the run goes on with the next file.
PipelineResult run_files(const std::vector<std::string>& paths, const PipelineOptions& options,
                         PacketSink& sink);

/// Runs a live interface until `stop` becomes true (set it from a signal handler).
/// The BPF filter is built from the darknet prefixes. Throws CaptureOpenError.
PipelineResult run_live(const std::string& interface, const PipelineOptions& options,
                        PacketSink& sink, const std::atomic<bool>& stop);

/// Installs SIGINT/SIGTERM handlers that set the returned flag.
const std::atomic<bool>& install_stop_signals();

}  // namespace darkscope
