// darkscope ingest: captures (or a live interface) into the observation store,
// exactly once per capture content, resumable after a crash.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
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
  CaptureState state;
  std::unique_ptr<CaptureIngest> ingest;
};

class IngestSink : public PacketSink {
 public:
  IngestSink(ObservationStore& store, BinAggregator& aggregator, int sensor_id, CheckpointPolicy policy)
      : store_(store), aggregator_(aggregator), sensor_id_(sensor_id), policy_(policy) {}

  void add(const std::string& path, const CaptureState& state) { pending_[path].state = state; }
  /// Scans and DoS attacks are looked for in the packets of the captures ingested.
  void set_events(EventRecorder* events) { events_ = events; }

  void on_file_begin(const CaptureInfo& info) override {
    auto it = pending_.find(info.path);
    current_ = it == pending_.end() ? nullptr : &it->second;
    if (current_ != nullptr) {
      current_->ingest = std::make_unique<CaptureIngest>(store_, aggregator_, sensor_id_,
                                                         current_->state, policy_);
    }
  }
  void on_packet(const PacketRecord& r) override {
    if (current_ == nullptr) return;
    const std::uint64_t skipped_before = current_->ingest->packets_skipped();
    current_->ingest->on_packet(r);
    // Packets a resumed run skips were counted before the interruption: they must
    // not feed the event detectors a second time either.
    if (events_ != nullptr && current_->ingest->packets_skipped() == skipped_before) {
      events_->on_packet(r);
    }
  }
  void on_file_end(const CaptureInfo& info) override {
    if (current_ == nullptr) return;
    // A damaged file is read up to the damage every time, so what was read is all of it.
    current_->ingest->finish(true);
    CaptureIngest& in = *current_->ingest;
    std::printf("  %s: %llu packets, %llu observed counted, %llu commit(s)%s%s\n", info.path.c_str(),
                static_cast<unsigned long long>(in.packets_seen()),
                static_cast<unsigned long long>(in.observed_counted()),
                static_cast<unsigned long long>(in.commits()),
                in.packets_skipped() > 0
                    ? (", the first " + std::to_string(in.packets_skipped()) + " already stored").c_str()
                    : "",
                info.complete ? "" : " (read up to damage)");
    std::fflush(stdout);
    current_ = nullptr;
  }

 private:
  ObservationStore& store_;
  BinAggregator& aggregator_;
  int sensor_id_;
  CheckpointPolicy policy_;
  std::map<std::string, PendingCapture> pending_;
  PendingCapture* current_ = nullptr;
  EventRecorder* events_ = nullptr;
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
  // Finish rollups a killed run left undone before anything else.
  store->refresh_rollups();

  std::unique_ptr<Enricher> enricher;
  if (!o.no_enrich) {
    enricher = std::make_unique<Enricher>(o.enrich);
    for (const auto& w : enricher->warnings()) std::fprintf(stderr, "darkscope: warning: %s\n", w.c_str());
    p.enricher = enricher.get();
  }
  BinAggregator aggregator([e = enricher.get()](std::uint16_t org) {
    return e != nullptr ? std::string(e->org_name(org)) : std::string();
  });
  std::printf("ingest into %s: sensor %s, darknet %s\n", o.db.c_str(), o.sensor.c_str(),
              p.darknet.empty() ? "not given (every packet is an observation)"
                                : (sensor.prefixes + " (" +
                                   std::to_string(static_cast<long long>(sensor.ipv4_size)) +
                                   " IPv4 addresses)").c_str());

  std::unique_ptr<EventsStore> events_store;
  std::unique_ptr<EventRecorder> events;
  if (!o.events.disabled) {
    events_store = std::make_unique<EventsStore>(o.db, true);
    events = std::make_unique<EventRecorder>(*events_store, sensor_id, p.darknet.ipv4_size(),
                                             o.events.options());
  }

  int status = 0;
  PipelineResult result;
  if (!o.interface.empty()) {
    CheckpointPolicy live_policy;
    live_policy.boundary_s = kBin5m;  // every 5-minute bin is written as it closes
    IngestSink sink(*store, aggregator, sensor_id, live_policy);
    sink.set_events(events.get());
    const auto start = std::chrono::system_clock::now().time_since_epoch();
    const std::string id = "live:" + o.interface + ":" +
                           std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(start).count());
    sink.add(o.interface, store->begin_capture(sensor_id, {id, o.interface, 0}, false));
    const auto& stop = install_stop_signals();
    std::fprintf(stderr, "darkscope: ingesting from %s; SIGINT/SIGTERM flushes and stops\n",
                 o.interface.c_str());
    result = run_live(o.interface, p, sink, stop);
  } else {
    IngestSink sink(*store, aggregator, sensor_id, CheckpointPolicy{});
    sink.set_events(events.get());
    std::vector<std::string> to_read;
    std::set<std::string> hashes;
    for (const std::string& path : o.files) {
      std::string sha;
      struct stat st {};
      try {
        sha = sha256_file(path);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "darkscope: %s\n", e.what());
        status = 2;
        continue;
      }
      ::stat(path.c_str(), &st);
      if (!hashes.insert(sha).second) {
        std::printf("  %s: skipped: same content as an earlier file of this run\n", path.c_str());
        continue;
      }
      const CaptureState state =
          store->begin_capture(sensor_id, {sha, path, static_cast<std::uint64_t>(st.st_size)}, o.force);
      if (state.complete) {
        std::printf("  %s: skipped: already ingested (sha256 %.16s...); --force counts it again\n",
                    path.c_str(), sha.c_str());
        continue;
      }
      if (state.replaced) std::printf("  %s: --force: its earlier counts were removed\n", path.c_str());
      if (state.resumed) {
        std::printf("  %s: resuming an interrupted ingest after packet %llu\n", path.c_str(),
                    static_cast<unsigned long long>(state.packets_done));
      }
      sink.add(path, state);
      to_read.push_back(path);
    }
    std::fflush(stdout);
    if (!to_read.empty()) result = run_files(to_read, p, sink);
  }
  if (events) {
    events->finish();  // after the day counts are committed: the surge check reads them
    std::printf("events: %llu scan(s), %llu DoS attack(s), %llu port surge(s) found\n",
                static_cast<unsigned long long>(events->scans_written()),
                static_cast<unsigned long long>(events->dos_written()),
                static_cast<unsigned long long>(events->surges_found()));
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
      "A capture is known by the SHA-256 of its content: one already ingested is skipped, one "
      "interrupted (kill, crash, full disk) resumes where its last commit ended.\nExit status: 0 "
      "ok, 3 some input was damaged, 2 an input or the database could not be used.");
  cmd->callback([opts] {
    const int code = run_ingest(*opts);
    if (code != 0) throw ExitStatus{code};
  });
}

}  // namespace darkscope
