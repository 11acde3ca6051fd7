// darkscope ingest: captures (or a live interface) into the observation store,
// exactly once per capture content, resumable after a crash.
#include <pthread.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/cmd_events.hpp"
#include "app/commands.hpp"
#include "app/enrich_options.hpp"
#include "app/pipeline.hpp"
#include "enrich/enricher.hpp"
#include "store/capture_ingest.hpp"
#include "store/observation_store.hpp"

namespace darkscope {
namespace {

struct IngestOptions {
  std::string db;
  std::string sensor = "default";
  std::string darknet;
  std::vector<std::string> files;
  std::string interface;
  bool force = false;
  bool mirai_strict = false;
  bool quiet = false;
  int keep_5m = 14;
  int keep_1h = 180;
  EnrichOptions enrich;
  bool no_enrich = false;
  EventFlags events;
};

/// One capture waiting in the pipeline: where it resumes and what it has counted.
struct PendingCapture {
  std::shared_ptr<CaptureHandle> handle;
  std::uint64_t resume_after = 0;
  bool last = false;  ///< the last file of the run: the detectors end with it
  std::unique_ptr<CaptureIngest> ingest;
};

/// Hashes files one after the other on its own thread, so that new captures are
/// counted while their identity is computed.
class Hasher {
 public:
  ~Hasher() {
    if (thread_.joinable()) thread_.join();
  }
  std::shared_future<std::string> add(const std::string& path) {
    jobs_.emplace_back(path, std::promise<std::string>());
    return jobs_.back().second.get_future().share();
  }
  void start() {
    if (jobs_.empty()) return;
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "ds-hash");
      for (auto& [path, promise] : jobs_) {
        try {
          promise.set_value(content_digest_file(path));
        } catch (...) {
          promise.set_exception(std::current_exception());
        }
      }
    });
  }

 private:
  std::deque<std::pair<std::string, std::promise<std::string>>> jobs_;
  std::thread thread_;
};

/// The pipeline's sink: the packet path stays on the calling thread; counting
/// (aggregator, checkpoints) runs on one worker thread and the event detectors on
/// another, both fed with the same blocks of observed records (with their positions
/// in the capture and serials in the run).
class IngestSink : public PacketSink {
 public:
  /// live: hand a block over as soon as a packet opens a later checkpoint bin.
  IngestSink(CommitQueue& queue, BinAggregator& aggregator, int sensor_id, CheckpointPolicy policy,
             EventRecorder* events, bool live)
      : queue_(queue),
        aggregator_(aggregator),
        sensor_id_(sensor_id),
        policy_(policy),
        events_(events),
        live_(live) {}

  void add(const std::string& path, PendingCapture capture) { pending_[path] = std::move(capture); }
  void mark_last(const std::string& path) { pending_[path].last = true; }

  void on_file_begin(const CaptureInfo& info) override {
    auto it = pending_.find(info.path);
    current_ = it == pending_.end() ? nullptr : &it->second;
    seen_ = 0;
    if (current_ != nullptr) {
      current_->ingest = std::make_unique<CaptureIngest>(queue_, aggregator_, sensor_id_, current_->handle,
                                                         current_->resume_after, policy_, events_, false);
    }
  }
  void on_packet(const PacketRecord& r) override {
    if (current_ == nullptr) return;
    ++seen_;
    // Packets a resumed run skips, and packets outside the darknet, change nothing
    // but the position.
    if (!r.observed || seen_ <= current_->resume_after) return;
    block_->push(r, seen_, ++serial_);
    unwritten_ = true;
    // Live, a packet that opens a later checkpoint bin goes to the counting thread
    // at once, so that the bin before it is written now: a quiet sensor would
    // otherwise fill a block only after minutes or hours.
    bool bin_opened = false;
    if (live_) {
      const std::int64_t bin = policy_.boundary_of(r.ts_ns);
      bin_opened = bin != last_bin_;
      last_bin_ = bin;
    }
    if (block_->full() || bin_opened) hand_over();
  }
  void on_file_end(const CaptureInfo& info) override {
    if (current_ == nullptr) return;
    hand_over();
    PendingCapture* c = current_;
    EventRecorder* events = events_;
    const std::uint64_t seen = seen_;
    const bool complete = info.complete;
    const std::string path = info.path;
    // Scans and attacks go on across the files of a run; they end with its last file,
    // whose final commit holds them.
    if (c->last && events != nullptr) events_done_ = true;
    worker_.submit([c, events, seen, complete, path] {
      if (c->last && events != nullptr) events->finish();
      // A damaged file is read up to the damage every time, so what was read is all of it.
      c->ingest->finish_at(true, seen);
      CaptureIngest& in = *c->ingest;
      std::printf("  %s: %llu packets, %llu observed counted, %llu commit(s)%s%s\n", path.c_str(),
                  static_cast<unsigned long long>(in.packets_seen()),
                  static_cast<unsigned long long>(in.observed_counted()),
                  static_cast<unsigned long long>(in.commits()),
                  in.packets_skipped() > 0
                      ? (", the first " + std::to_string(in.packets_skipped()) + " already stored").c_str()
                      : "",
                  complete ? "" : " (read up to damage)");
      std::fflush(stdout);
    });
    last_ = c;
    current_ = nullptr;
  }
  /// Live, on a quiet interface: a bin whose end has passed is written now rather
  /// than when the next packet comes, and scans and attacks idle past their
  /// timeouts end by the wall clock, and are written too.
  void on_idle(std::int64_t now_ns) override {
    if (!live_ || current_ == nullptr) return;
    const bool bin_over = unwritten_ && policy_.over_at(last_bin_, now_ns);
    const bool advance = events_ != nullptr && now_ns - last_advance_ns_ >= advance_every_ns_;
    if (!bin_over && !advance) return;
    hand_over();  // the counts and the detectors see every packet first
    if (advance) {
      events_->advance(now_ns);
      last_advance_ns_ = now_ns;
      if (!bin_over && !events_->has_ended()) return;
    }
    unwritten_ = false;
    CaptureIngest* in = current_->ingest.get();
    worker_.submit([in] { in->checkpoint(); });
  }
  /// Live: what the kernel received and dropped since the last reading goes with
  /// the next commit, by the 5-minute bin of the reading.
  void on_kernel_stats(std::int64_t now_ns, const LiveStats& fresh) override {
    const std::uint64_t dropped = fresh.dropped + fresh.interface_dropped;
    if (current_ == nullptr || (fresh.received == 0 && dropped == 0)) return;
    CaptureIngest* in = current_->ingest.get();
    const std::uint64_t received = fresh.received;
    worker_.submit([in, now_ns, received, dropped] { in->add_loss(now_ns, received, dropped); });
  }
  /// Live: how often (wall clock) a quiet interface ends idle events; the default
  /// suits the default timeouts (minutes).
  void set_advance_every(std::int64_t ns) { advance_every_ns_ = ns; }

  /// Waits for the worker; ends the detectors when the run's last file did not (it
  /// could not be read): their events go with the last capture that was counted.
  void finish() {
    if (events_ != nullptr && !events_done_) {
      events_done_ = true;
      PendingCapture* c = last_;
      EventRecorder* events = events_;
      worker_.submit([c, events] {
        events->finish();
        if (c != nullptr) c->ingest->finish_at(true, c->ingest->packets_seen());
      });
    }
    worker_.wait();
  }

 private:
  static constexpr std::size_t kBlock = 4096;

  void hand_over() {
    if (block_->empty()) return;
    CaptureIngest* in = current_->ingest.get();
    block_->publish();
    std::shared_ptr<const RecordBlock> block = std::move(block_);
    if (events_ != nullptr) events_->submit(block);
    worker_.submit([in, block] {
      for (const PositionedRecord& p : *block) in->on_packet_at(p.record, p.position, p.serial);
    });
    block_ = new_block();
  }

  /// A block from the pool: a fresh 800 KB one would cost page faults each time.
  std::shared_ptr<RecordBlock> new_block() {
    std::unique_ptr<RecordBlock> b;
    {
      std::lock_guard<std::mutex> lock(*pool_mutex_);
      if (!pool_->empty()) {
        b = std::move(pool_->back());
        pool_->pop_back();
      }
    }
    if (!b) b = std::make_unique<RecordBlock>(kBlock);
    // The last thread done with a block gives it back.
    return std::shared_ptr<RecordBlock>(b.release(), [pool = pool_, mutex = pool_mutex_](RecordBlock* p) {
      p->clear();
      std::lock_guard<std::mutex> lock(*mutex);
      pool->emplace_back(p);
    });
  }

  CommitQueue& queue_;
  BinAggregator& aggregator_;
  int sensor_id_;
  CheckpointPolicy policy_;
  EventRecorder* events_;
  bool live_;
  std::int64_t last_bin_ = INT64_MIN;
  bool unwritten_ = false;  // packets came since the last idle checkpoint
  std::int64_t last_advance_ns_ = 0;
  std::int64_t advance_every_ns_ = 60 * kNsPerSecond;
  std::map<std::string, PendingCapture> pending_;
  PendingCapture* current_ = nullptr;
  PendingCapture* last_ = nullptr;
  std::uint64_t seen_ = 0;
  std::uint64_t serial_ = 0;
  std::shared_ptr<std::mutex> pool_mutex_ = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<std::unique_ptr<RecordBlock>>> pool_ =
      std::make_shared<std::vector<std::unique_ptr<RecordBlock>>>();
  std::shared_ptr<RecordBlock> block_ = new_block();
  bool events_done_ = false;
  SerialWorker worker_{"ds-count", kMaxBlocksWaiting};
};

int run_ingest(const IngestOptions& o) {
  if (o.files.empty() == o.interface.empty()) {
    std::fprintf(stderr, "darkscope ingest: give capture FILEs or --interface IF (not both)\n");
    return 2;
  }
  PipelineOptions p;
  p.darknet = PrefixSet::parse_list(o.darknet);
  p.classify.mirai_strict = o.mirai_strict;
  p.progress = !o.quiet;
  auto store = open_sqlite_store(o.db, true);
  SensorInfo sensor{o.sensor, p.darknet.to_string(), p.darknet.ipv4_size()};
  const int sensor_id = store->sensor_id(sensor);
  p.sensor_id = static_cast<std::uint16_t>(sensor_id);
  const EventOptions event_options = o.events.options();
  // Finish what a killed run left undone before anything else.
  store->refresh_rollups();
  if (!o.events.disabled) (void)store->detect_pending_surges(event_options.surge);

  std::unique_ptr<Enricher> enricher;
  if (!o.no_enrich) {
    enricher = std::make_unique<Enricher>(o.enrich);
    for (const auto& w : enricher->warnings()) std::fprintf(stderr, "darkscope: warning: %s\n", w.c_str());
  }
  BinAggregator aggregator([e = enricher.get()](std::uint16_t org) {
    return e != nullptr ? std::string(e->org_name(org)) : std::string();
  });
  // What is stored of enrichment is per source and day, so the counting thread
  // resolves each source of a day once, where the packet thread would look every
  // packet's source up (p.enricher stays null). Only that thread uses the enricher
  // from here on (org_name() reads tables fixed at construction).
  if (enricher) {
    aggregator.set_source_resolver([e = enricher.get()](const IpAddress& a) {
      const std::uint32_t id = e->answer(a);  // may grow answers(): look it up after
      const SourceAnswer& answer = e->answers()[id];
      return SourceSlots{answer.country, answer.asn, answer.org};
    });
  }
  // Tables the size the sensor's newest stored day needed (a daily run then does
  // not double them as it fills), no larger than a segment may grow before its
  // checkpoint.
  {
    const DaySize last = store->newest_day_size(sensor_id);
    const std::uint64_t cap = CheckpointPolicy{}.max_entries;
    aggregator.expect_day(std::min(last.sources, cap), std::min(last.pairs, cap));
  }
  std::printf("ingest into %s: sensor %s, darknet %s\n", o.db.c_str(), o.sensor.c_str(),
              p.darknet.empty() ? "not given (every packet is an observation)"
                                : (sensor.prefixes + " (" +
                                   std::to_string(static_cast<long long>(sensor.ipv4_size)) +
                                   " IPv4 addresses)").c_str());

  std::unique_ptr<EventRecorder> events;
  // The detectors run on their own thread, beside the counting.
  if (!o.events.disabled) events = std::make_unique<EventRecorder>(p.darknet.ipv4_size(), event_options, true);

  int status = 0;
  PipelineResult result;
  CommitQueue queue(*store);
  if (!o.interface.empty()) {
    CheckpointPolicy live_policy;
    live_policy.boundary_s = kBin5m;  // every 5-minute bin is written as it closes
    IngestSink sink(queue, aggregator, sensor_id, live_policy, events.get(), true);
    // Idle events end within a tenth of their timeout (at most a minute late).
    const std::int64_t timeout =
        std::min(event_options.scan.idle_timeout_ns, event_options.dos.idle_timeout_ns);
    sink.set_advance_every(
        std::clamp<std::int64_t>(timeout / 10, kNsPerSecond / 10, 60 * kNsPerSecond));
    const auto start = std::chrono::system_clock::now().time_since_epoch();
    const std::string id = "live:" + o.interface + ":" +
                           std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(start).count());
    auto handle = std::make_shared<CaptureHandle>();
    handle->file = {id, o.interface, 0};
    handle->id = store->begin_capture(sensor_id, handle->file, false).id;
    sink.add(o.interface, {handle, 0, true, nullptr});
    const auto& stop = install_stop_signals();
    std::fprintf(stderr, "darkscope: ingesting from %s; SIGINT/SIGTERM flushes and stops\n",
                 o.interface.c_str());
    result = run_live(o.interface, p, sink, stop);
    sink.finish();
    if (result.live_stats) {
      const LiveStats& k = *result.live_stats;
      std::printf(
          "  kernel: %llu received, %llu dropped, %llu dropped by the interface%s\n",
          static_cast<unsigned long long>(k.received), static_cast<unsigned long long>(k.dropped),
          static_cast<unsigned long long>(k.interface_dropped),
          k.dropped + k.interface_dropped > 0 ? " (the stored counts lack the dropped packets)"
                                              : "");
    }
  } else {
    IngestSink sink(queue, aggregator, sensor_id, CheckpointPolicy{}, events.get(), false);
    Hasher hasher;
    std::vector<std::string> to_read;
    std::set<std::string> hashes;
    std::map<std::uint64_t, int> sizes;
    for (const std::string& path : o.files) {
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0) ++sizes[static_cast<std::uint64_t>(st.st_size)];
    }
    for (const std::string& path : o.files) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        std::fprintf(stderr, "darkscope: %s: cannot open: %s\n", path.c_str(), std::strerror(errno));
        status = 2;
        continue;
      }
      const auto size = static_cast<std::uint64_t>(st.st_size);
      auto handle = std::make_shared<CaptureHandle>();
      handle->file.path = path;
      handle->file.size = size;
      PendingCapture pending;
      // A size no capture of the sensor (nor another file of this run) has: new
      // content for sure, counted while a thread computes its hash.
      if (!o.force && sizes[size] == 1 && !store->has_capture_of_size(sensor_id, size)) {
        handle->digest = hasher.add(path);
        pending.handle = handle;
        sink.add(path, std::move(pending));
        to_read.push_back(path);
        continue;
      }
      try {
        handle->file.digest = content_digest_file(path);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "darkscope: %s\n", e.what());
        status = 2;
        continue;
      }
      if (!hashes.insert(handle->file.digest).second) {
        std::printf("  %s: skipped: same content as an earlier file of this run\n", path.c_str());
        continue;
      }
      const CaptureState state = store->begin_capture(sensor_id, handle->file, o.force);
      if (state.complete) {
        std::printf("  %s: skipped: already ingested (content %s); --force counts it again\n",
                    path.c_str(), handle->file.digest.c_str());
        continue;
      }
      if (state.replaced) std::printf("  %s: --force: its earlier counts were removed\n", path.c_str());
      if (state.resumed) {
        std::printf("  %s: resuming an interrupted ingest after packet %llu\n", path.c_str(),
                    static_cast<unsigned long long>(state.packets_done));
      }
      handle->id = state.id;
      pending.handle = handle;
      pending.resume_after = state.packets_done;
      sink.add(path, std::move(pending));
      to_read.push_back(path);
    }
    std::fflush(stdout);
    if (!to_read.empty()) {
      // Only the last file's end closes the detectors.
      sink.mark_last(to_read.back());
      hasher.start();
      // SQLite copies the write-ahead log into the database file as it grows and
      // when the run ends: the .db file alone is then complete, so that copying
      // it (a backup, another machine) takes every commit with it, and a run of
      // years of archives does not leave a log as large as the database.
      result = run_files(to_read, p, sink);
      sink.finish();
    }
  }
  queue.wait();
  if (events) {
    const std::size_t surges = store->detect_pending_surges(event_options.surge);
    std::printf("events: %llu scan(s), %llu DoS attack(s), %llu port surge(s) found\n",
                static_cast<unsigned long long>(events->scans_found()),
                static_cast<unsigned long long>(events->dos_found()),
                static_cast<unsigned long long>(surges));
  }
  store->refresh_rollups();
  const std::uint64_t removed = store->apply_retention({o.keep_5m, o.keep_1h});
  std::printf("retention: 5-minute bins %s, hourly bins %s; %llu old row(s) removed\n",
              o.keep_5m > 0 ? ("kept " + std::to_string(o.keep_5m) + " days").c_str() : "kept forever",
              o.keep_1h > 0 ? ("kept " + std::to_string(o.keep_1h) + " days").c_str() : "kept forever",
              static_cast<unsigned long long>(removed));
  const int pipeline_status = result.exit_code();
  return status != 0 ? status : pipeline_status;
}

}  // namespace

void add_ingest_command(CLI::App& app) {
  auto opts = std::make_shared<IngestOptions>();
  CLI::App* cmd = app.add_subcommand(
      "ingest", "Count captures (or a live interface) into time bins in an SQLite database");
  cmd->add_option("--db", opts->db, "the SQLite database (created when absent)")->required();
  cmd->add_option("files", opts->files, "pcap/pcapng files, optionally gzip/zstd/xz compressed");
  cmd->add_option("-i,--interface", opts->interface,
                  "ingest live from this interface until SIGINT/SIGTERM");
  cmd->add_option("--sensor", opts->sensor, "sensor name the observations belong to")
      ->capture_default_str();
  cmd->add_option("--darknet", opts->darknet,
                  "darknet prefixes, CIDR[,CIDR...]; other destinations are not stored");
  cmd->add_flag("--force", opts->force,
                "ingest a capture again whose content was ingested before (its earlier counts "
                "are removed first)");
  cmd->add_option("--keep-5m", opts->keep_5m,
                  "days of 5-minute bins kept, counted back from the newest day stored (0: forever)")
      ->capture_default_str();
  cmd->add_option("--keep-1h", opts->keep_1h, "days of hourly bins kept (0: forever)")
      ->capture_default_str();
  cmd->add_flag("--mirai-strict", opts->mirai_strict,
                "Mirai fingerprint also requires source port > 1024");
  cmd->add_flag("-q,--quiet", opts->quiet, "no progress line on stderr");
  add_enrich_options(cmd, opts->enrich, opts->no_enrich);
  add_event_flags(cmd, opts->events);
  cmd->footer(
      "A capture is known by a digest of its content (XXH3, 128 bits): one already ingested is skipped, one "
      "interrupted (kill, crash, full disk) resumes where its last commit ended.\nExit status: 0 "
      "ok, 3 some input was damaged, 2 an input or the database could not be used.");
  cmd->callback([opts] {
    const int code = run_ingest(*opts);
    if (code != 0) throw ExitStatus{code};
  });
}

}  // namespace darkscope
