// Capture sources: files (pcap, pcapng, compressed) and live interfaces -> frames.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/frame.hpp"

namespace darkscope {

/// What a source is and how reading it went (the `files` entries of analyze --json).
struct CaptureInfo {
  std::string path;                       ///< file path, or the interface name
  std::string format;                     ///< "pcap", "pcapng" or "live"
  std::string compression = "none";       ///< "none", "gzip", "zstd" or "xz"
  std::vector<std::uint16_t> link_types;  ///< in order of first appearance
  std::uint64_t packets = 0;              ///< frames handed out so far
  bool complete = true;                   ///< false once damage was met
  std::string error;                      ///< empty, or what went wrong (names the byte offset)
  std::uint64_t error_offset = 0;         ///< offset of the damage in the (decompressed) stream
};

/// The input cannot be read at all (missing, unreadable, not a capture). Its
/// message names the file and, for a non-capture, what its first bytes were.
class CaptureOpenError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A stream of frames. next() returns false at the end or at damage; info()
/// then says which. Never throws after construction.
class CaptureSource {
 public:
  virtual ~CaptureSource() = default;
  /// The next frame; its bytes are valid until the following call.
  virtual bool next(Frame& frame) = 0;
  [[nodiscard]] virtual const CaptureInfo& info() const = 0;
  /// Bytes consumed from the underlying file so far (compressed bytes for compressed
  /// files), for progress; 0 when unknown.
  [[nodiscard]] virtual std::uint64_t bytes_read() const { return 0; }
};

/// Opens a capture file, choosing the format and compression by magic number,
/// never by name. Memory stays bounded whatever the file size. Throws CaptureOpenError.
std::unique_ptr<CaptureSource> open_capture_file(const std::string& path);

/// Like open_capture_file over bytes in memory (fuzzing, tests); `bytes` must outlive
/// the source, and `name` stands for the path in info() and messages.
std::unique_ptr<CaptureSource> open_capture_memory(Bytes bytes, const std::string& name);

/// Live capture statistics from the kernel (pcap_stats).
struct LiveStats {
  std::uint64_t received = 0;
  std::uint64_t dropped = 0;            ///< dropped by the kernel (buffer full)
  std::uint64_t interface_dropped = 0;  ///< dropped by the interface or driver
};

/// The 64-bit count whose low 32 bits are `raw`, at or after `total`: libpcap's
/// counters are 32 bits (pcap_stat) and wrap after 2^32 packets, a little over an
/// hour at 1 M packets/s; readings at least that often keep the count exact.
[[nodiscard]] constexpr std::uint64_t extend_counter32(std::uint64_t total,
                                                       std::uint32_t raw) noexcept {
  return total + static_cast<std::uint32_t>(raw - static_cast<std::uint32_t>(total));
}

/// What a capture's counters grew by since the previous reading, field by field (a
/// counter that went back gives 0 until it passes its highest reading again).
class LiveStatsDelta {
 public:
  [[nodiscard]] LiveStats next(const LiveStats& total) noexcept {
    const auto grow = [](std::uint64_t now, std::uint64_t& high) {
      const std::uint64_t d = now > high ? now - high : 0;
      high = std::max(high, now);
      return d;
    };
    LiveStats d;
    d.received = grow(total.received, high_.received);
    d.dropped = grow(total.dropped, high_.dropped);
    d.interface_dropped = grow(total.interface_dropped, high_.interface_dropped);
    return d;
  }
  /// The highest reading so far.
  [[nodiscard]] const LiveStats& high() const noexcept { return high_; }

 private:
  LiveStats high_;
};

/// For the log of a long live run (a status line shows only on a terminal): due()
/// says when `every` has passed since it last said so, and fresh() how many
/// packets the kernel dropped since the last call.
class DropWatch {
 public:
  explicit DropWatch(std::int64_t every_ns = 60'000'000'000) : every_ns_(every_ns) {}
  /// True at most once per `every` (the first call starts the clock).
  [[nodiscard]] bool due(std::int64_t now_ns) noexcept {
    if (!started_) {
      started_ = true;
      last_ns_ = now_ns;
      return false;
    }
    if (now_ns - last_ns_ < every_ns_) return false;
    last_ns_ = now_ns;
    return true;
  }
  /// Drops (kernel and interface) since the last call, or since the start.
  [[nodiscard]] std::uint64_t fresh(const LiveStats& s) noexcept {
    const LiveStats d = delta_.next(s);
    return d.dropped + d.interface_dropped;
  }
  [[nodiscard]] std::uint64_t total() const noexcept {
    return delta_.high().dropped + delta_.high().interface_dropped;
  }
  [[nodiscard]] std::int64_t every_ns() const noexcept { return every_ns_; }

 private:
  std::int64_t every_ns_;
  bool started_ = false;
  std::int64_t last_ns_ = 0;
  LiveStatsDelta delta_;
};

/// A live interface through libpcap. next() waits for packets and returns false
/// once stop() was called (safe from a signal handler's flag: see request_stop).
class LiveCapture : public CaptureSource {
 public:
  /// Opens `interface` with the BPF `filter` (may be empty). Throws CaptureOpenError.
  LiveCapture(const std::string& interface, const std::string& filter, int snaplen = 262144);
  ~LiveCapture() override;
  bool next(Frame& frame) override;
  [[nodiscard]] const CaptureInfo& info() const override;
  /// Asks next() to return false soon; async-signal-safe.
  void request_stop() noexcept;
  /// Called from next(), on its thread, at most every 100 ms (the buffer timeout)
  /// while no packet is ready, with the wall clock (ns since the epoch, the clock
  /// of the packets' stamps): a quiet interface still lets time move on.
  void set_idle_handler(std::function<void(std::int64_t now_ns)> handler);
  /// The kernel's counters since the capture began, as 64-bit counts (call it at
  /// least once per 2^32 packets: see extend_counter32). On the thread of next().
  [[nodiscard]] LiveStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace darkscope
