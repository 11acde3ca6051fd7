#include "app/pipeline.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>

#include "decode/decoder.hpp"
#include "enrich/enricher.hpp"
#include "enrich/source_table.hpp"

namespace darkscope {
namespace {

using Clock = std::chrono::steady_clock;

/// One status line on stderr, rewritten in place, at most a few times a second.
class Progress {
 public:
  explicit Progress(bool enabled, std::size_t file_count)
      : enabled_(enabled && isatty(STDERR_FILENO) != 0), files_(file_count), start_(Clock::now()) {}

  void begin_file(std::size_t index, const std::string& path) {
    index_ = index;
    struct stat st {};
    file_size_ = ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }
  /// A live capture instead of files: the line names the interface, the rate of
  /// the last second and the kernel's drops.
  void set_live(const std::string& interface, const LiveCapture* live) {
    live_name_ = interface;
    live_ = live;
  }

  void update(std::uint64_t total_frames, std::uint64_t file_bytes, bool force = false) {
    const auto now = Clock::now();
    if (live_ != nullptr) warn_of_drops(now);
    if (!enabled_) return;
    if (!force && now - last_ < std::chrono::milliseconds(live_ != nullptr ? 1000 : 250)) return;
    if (live_ != nullptr) {
      const double secs = std::chrono::duration<double>(now - last_).count();
      const double rate = last_ != Clock::time_point{} && secs > 0
                              ? static_cast<double>(total_frames - last_frames_) / secs
                              : 0.0;
      last_ = now;
      last_frames_ = total_frames;
      const LiveStats k = live_->stats();
      std::fprintf(stderr, "\r  live on %s: %llu packets  %.0f packets/s  kernel: %llu dropped   ",
                   live_name_.c_str(), static_cast<unsigned long long>(total_frames), rate,
                   static_cast<unsigned long long>(k.dropped + k.interface_dropped));
      return;
    }
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(total_frames) / secs : 0;
    char eta[32] = "";
    if (file_size_ > 0 && file_bytes > 0 && file_bytes < file_size_) {
      const double file_secs = std::chrono::duration<double>(now - file_start_).count();
      const double left = file_secs * static_cast<double>(file_size_ - file_bytes) /
                          static_cast<double>(file_bytes);
      std::snprintf(eta, sizeof eta, ", file ETA %.0fs", left);
    }
    const double pct = file_size_ > 0 ? 100.0 * static_cast<double>(file_bytes) /
                                            static_cast<double>(file_size_)
                                      : 0.0;
    std::fprintf(stderr, "\r  file %zu/%zu %5.1f%%  %llu packets  %.2f Mpps%s   ", index_ + 1, files_,
                 pct, static_cast<unsigned long long>(total_frames), rate / 1e6, eta);
  }
  void file_started() { file_start_ = Clock::now(); }
  /// Live: a line on stderr (terminal or not, -q or not) each minute in which the
  /// kernel dropped packets.
  void warn_of_drops(Clock::time_point now) {
    if (!drops_.due(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count()))
      return;
    const std::uint64_t fresh = drops_.fresh(live_->stats());
    if (fresh == 0) return;
    std::fprintf(stderr,
                 "%sdarkscope: %s: the kernel dropped %llu packet(s) in the last %lld s (%llu "
                 "since the start)\n",
                 enabled_ ? "\r\033[K" : "", live_name_.c_str(),
                 static_cast<unsigned long long>(fresh),
                 static_cast<long long>(drops_.every_ns() / 1'000'000'000),
                 static_cast<unsigned long long>(drops_.total()));
  }
  void finish() {
    if (enabled_) std::fputs("\r\033[K", stderr);
  }

 private:
  bool enabled_;
  std::size_t files_;
  std::size_t index_ = 0;
  std::uint64_t file_size_ = 0;
  Clock::time_point start_;
  Clock::time_point file_start_;
  Clock::time_point last_{};
  std::string live_name_;
  const LiveCapture* live_ = nullptr;
  std::uint64_t last_frames_ = 0;
  DropWatch drops_;
};

/// Records decoded ahead of enrichment and the sink: enough to hide the cache
/// misses of per-source lookups behind each other, small enough to stay in L1/L2.
constexpr std::size_t kFileBatch = 64;

/// Feeds every frame of one source through decode, classify and enrich into the sink,
/// `batch` records at a time. Returns the number of frames whose link type could not
/// be decoded.
std::uint64_t pump(CaptureSource& source, const PipelineOptions& options,
                   const Classifier& classifier, SourceTable* sources, PacketSink& sink,
                   PipelineResult& result, Progress* progress, const std::atomic<bool>* stop,
                   std::size_t batch, const std::function<void()>& tick = {}) {
  Frame frame;
  std::vector<PacketRecord> records(batch);
  std::size_t filled = 0;
  std::uint64_t unsupported = 0;
  const auto hand_over = [&] {
    if (filled == 0) return;
    const std::span<PacketRecord> run(records.data(), filled);
    if (sources != nullptr) {
      sources->mark(run);
    } else if (options.enricher != nullptr) {
      options.enricher->enrich_observed(run);
    }
    sink.on_batch(run);
    filled = 0;
  };
  while (source.next(frame)) {
    ++result.frames;
    PacketRecord& record = records[filled];
    const DecodeStatus status = decode_frame(frame, record);
    if (status == DecodeStatus::kNonIp) {
      ++result.non_ip;
    } else if (status == DecodeStatus::kUnsupportedLink) {
      ++unsupported;
    } else {
      record.sensor_id = options.sensor_id;
      classifier.classify(record);
      if (++filled == batch) hand_over();
    }
    // Files: every 65,536 frames; live (one at a time): every 1,024.
    if ((result.frames & (batch == 1 ? 0x3ff : 0xffff)) == 0) {
      if (progress != nullptr) progress->update(result.frames, source.bytes_read());
      if (tick) tick();
      if (stop != nullptr && stop->load(std::memory_order_relaxed)) break;
    }
  }
  hand_over();
  return unsupported;
}

/// The run's source table when the options ask for one.
std::unique_ptr<SourceTable> source_table(const PipelineOptions& options) {
  if (!options.track_sources) return nullptr;
  return std::make_unique<SourceTable>(options.enricher);
}

std::string link_types_text(const std::vector<std::uint16_t>& types) {
  std::string out;
  for (auto t : types) {
    if (!out.empty()) out += ", ";
    out += std::to_string(t);
    const auto name = link_type_name(t);
    if (!name.empty()) out += " (" + std::string(name) + ")";
  }
  return out;
}

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*sig*/) { g_stop.store(true); }

}  // namespace

PipelineResult run_files(const std::vector<std::string>& paths, const PipelineOptions& options,
                         PacketSink& sink) {
  PipelineResult result;
  const Classifier classifier(options.darknet, options.classify);
  const auto sources = source_table(options);
  Progress progress(options.progress, paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const std::string& path = paths[i];
    std::unique_ptr<CaptureSource> source;
    try {
      source = open_capture_file(path);
    } catch (const CaptureOpenError& e) {
      std::fprintf(stderr, "darkscope: %s\n", e.what());
      CaptureInfo info;
      info.path = path;
      info.complete = false;
      info.error = e.what();
      result.files.push_back(info);
      result.any_unreadable = true;
      continue;
    }
    progress.begin_file(i, path);
    progress.file_started();
    sink.on_file_begin(source->info());
    const std::uint64_t unsupported =
        pump(*source, options, classifier, sources.get(), sink, result, &progress, nullptr, kFileBatch);
    CaptureInfo info = source->info();
    if (unsupported > 0) {
      result.unsupported += unsupported;
      const std::string message = "unsupported link type " + link_types_text(info.link_types) +
                                  ": " + std::to_string(unsupported) + " frame(s) not decoded";
      info.error = info.error.empty() ? message : info.error + "; " + message;
      std::fprintf(stderr, "darkscope: %s: %s\n", path.c_str(), message.c_str());
      // A file of which nothing at all could be decoded could not be read.
      if (unsupported == info.packets) result.any_unreadable = true;
    }
    if (!info.complete) {
      result.any_damaged = true;
      std::fprintf(stderr, "darkscope: %s\n", info.error.c_str());
    }
    sink.on_file_end(info);
    result.files.push_back(std::move(info));
  }
  progress.update(result.frames, 0, true);
  progress.finish();
  return result;
}

PipelineResult run_live(const std::string& interface, const PipelineOptions& options,
                        PacketSink& sink, const std::atomic<bool>& stop) {
  PipelineResult result;
  const Classifier classifier(options.darknet, options.classify);
  const auto sources = source_table(options);
  LiveCapture live(interface, options.darknet.to_bpf());
  Progress progress(options.progress, 1);
  progress.set_live(interface, &live);
  // The kernel's counters go to the sink every kKernelStatsEvery, busy or quiet.
  std::int64_t stats_due = 0;
  LiveStatsDelta stats_delta;
  const auto wall_ns = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const auto kernel_stats = [&](std::int64_t now_ns) {
    if (now_ns < stats_due) return;
    stats_due = now_ns + kKernelStatsEvery;
    sink.on_kernel_stats(now_ns, stats_delta.next(live.stats()));
  };
  live.set_idle_handler([&](std::int64_t now_ns) {
    sink.on_idle(now_ns);
    progress.update(result.frames, 0);
    kernel_stats(now_ns);
  });
  sink.on_file_begin(live.info());
  // The capture waits in next(); a watcher turns the stop flag into request_stop().
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done.load() && !stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    live.request_stop();
  });
  // One record at a time: on a quiet interface a batch would hold packets back.
  result.unsupported = pump(live, options, classifier, sources.get(), sink, result, &progress,
                            &stop, 1, [&] { kernel_stats(wall_ns()); });
  progress.finish();
  done.store(true);
  watcher.join();
  result.live_stats = live.stats();
  sink.on_kernel_stats(wall_ns(), stats_delta.next(*result.live_stats));
  CaptureInfo info = live.info();
  sink.on_file_end(info);
  result.files.push_back(std::move(info));
  return result;
}

const std::atomic<bool>& install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return g_stop;
}

}  // namespace darkscope
