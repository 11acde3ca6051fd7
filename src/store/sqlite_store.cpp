#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <future>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/time.hpp"
#include "store/bin_reader.hpp"
#include "store/capture_ingest.hpp"
#include "store/codec.hpp"
#include "store/events_store.hpp"
#include "store/observation_store.hpp"
#include "store/schema.hpp"
#include "store/sqlite_db.hpp"

namespace darkscope {
namespace {

std::int64_t floor_day(std::int64_t s) { return floor_to(s, kBin1d); }
std::int64_t ceil_day(std::int64_t s) { return -floor_to(-s, kBin1d); }


struct SourceChunk {
  std::uint32_t bucket = 0;
  std::string blob;
};

/// The source records of each day of a flush in buckets by the hash of the address,
/// ascending within each (no database: any thread may run it).
std::vector<std::vector<SourceChunk>> encode_source_chunks(
    const BinFlush& f, const std::unordered_map<std::uint32_t, std::uint32_t>& org_ids) {
  std::vector<std::vector<SourceChunk>> out;
  for (const DayFlush& d : f.days) {
    std::vector<std::vector<std::uint32_t>> buckets(kSourceBuckets);
    for (std::uint32_t k = 0; k < d.sources.size(); ++k) buckets[source_bucket(d.sources[k].src)].push_back(k);
    std::vector<SourceChunk> chunks;
    SourceRecordWriter writer(d.day);
    for (std::uint32_t bucket = 0; bucket < kSourceBuckets; ++bucket) {
      if (buckets[bucket].empty()) continue;
      for (const std::uint32_t k : buckets[bucket]) {
        const SourceDay& s = d.sources[k];
        const auto id = s.scanner_org == 0 ? 0u : org_ids.at(s.scanner_org);
        writer.add(s, std::span<const PortCount>(d.ports.data() + s.ports_begin, s.ports_count), id);
      }
      chunks.push_back({bucket, writer.finish()});
    }
    out.push_back(std::move(chunks));
  }
  return out;
}

class SqliteStore final : public ObservationStore {
 public:
  SqliteStore(const std::string& path, bool writable)
      : db_(path, writable ? Database::Mode::kReadWrite : Database::Mode::kReadOnly) {
    if (writable) {
      lock_writer(path);
      try {
        // Most of what is stored are blobs of kilobytes: 8 KiB pages hold them in
        // fewer overflow pages than 4 KiB ones, for little unused space (takes
        // effect only when the file is created).
        db_.exec("PRAGMA page_size=8192");
        db_.exec("PRAGMA journal_mode=WAL");
      } catch (const StoreError& e) {
        throw StoreError(path + ": not a darkscope database (" + e.what() + ")", e.sqlite_code());
      }
      // NORMAL in WAL mode: a commit survives a killed process; after a power loss the
      // last commits may be lost, but progress and counts go together.
      db_.exec("PRAGMA synchronous=NORMAL");
      db_.exec("PRAGMA cache_size=-131072");
    }
    prepare_schema(db_, writable);
  }
  ~SqliteStore() override {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  int sensor_id(const SensorInfo& sensor) override {
    Transaction t(db_);
    auto q = db_.prepare("SELECT id FROM sensors WHERE name = ?");
    q.bind(1, sensor.name);
    int id = 0;
    if (q.step()) {
      id = static_cast<int>(q.column_int(0));
      q.reset();
      db_.prepare("UPDATE sensors SET prefixes = ?, ipv4_size = ? WHERE id = ?")
          .bind(1, sensor.prefixes)
          .bind(2, sensor.ipv4_size)
          .bind(3, std::int64_t{id})
          .run();
    } else {
      q.reset();
      db_.prepare("INSERT INTO sensors(name, prefixes, ipv4_size) VALUES (?, ?, ?)")
          .bind(1, sensor.name)
          .bind(2, sensor.prefixes)
          .bind(3, sensor.ipv4_size)
          .run();
      id = static_cast<int>(db_.query_int("SELECT last_insert_rowid()"));
    }
    t.commit();
    return id;
  }

  bool has_capture_of_size(int sensor, std::uint64_t size) override {
    auto q = db_.prepare("SELECT 1 FROM captures WHERE sensor_id = ? AND size = ? LIMIT 1");
    q.bind(1, std::int64_t{sensor}).bind(2, static_cast<std::int64_t>(size));
    return q.step();
  }

  DaySize newest_day_size(int sensor) override {
    DaySize out;
    auto newest = db_.prepare("SELECT max(start) FROM bins WHERE span = ? AND dim = ? AND sensor_id = ?");
    newest.bind(1, std::int64_t{kSpanDay})
        .bind(2, std::int64_t{static_cast<int>(BinDimension::kTotal)})
        .bind(3, std::int64_t{sensor});
    if (!newest.step() || newest.column_is_null(0)) return out;
    const std::int64_t day = newest.column_int(0);
    // A day's total row counts its sources; its port rows count each source once
    // per port, so their sum is the day's (source, port) pairs.
    auto rows = db_.prepare(
        "SELECT dim, cells FROM bins WHERE span = ? AND start = ? AND sensor_id = ? AND dim IN (?, ?)");
    rows.bind(1, std::int64_t{kSpanDay})
        .bind(2, day)
        .bind(3, std::int64_t{sensor})
        .bind(4, std::int64_t{static_cast<int>(BinDimension::kTotal)})
        .bind(5, std::int64_t{static_cast<int>(BinDimension::kPort)});
    std::vector<BinCell> cells;
    while (rows.step()) {
      // Only a size hint: a damaged row is left to the readers that need it.
      if (!decode_cells(rows.column_blob(1), cells)) continue;
      std::uint64_t sources = 0;
      for (const BinCell& c : cells) sources += c.sources;
      if (rows.column_int(0) == static_cast<int>(BinDimension::kTotal)) {
        out.sources = std::max(out.sources, sources);
      } else {
        out.pairs = std::max(out.pairs, sources);
      }
    }
    return out;
  }

  CaptureState begin_capture(int sensor, const CaptureFile& file, bool force) override {
    // A capture stored before schema version 4 is known by its bare SHA-256: when
    // one of this size is there, the file's SHA-256 is computed (outside the write
    // lock) and a match takes the new digest, so that nothing is counted twice.
    std::string legacy;
    {
      auto q = db_.prepare(
          "SELECT 1 FROM captures WHERE sensor_id = ? AND size = ? AND length(digest) = 64 AND "
          "digest NOT LIKE 'xxh3-128:%' LIMIT 1");
      q.bind(1, std::int64_t{sensor}).bind(2, static_cast<std::int64_t>(file.size));
      if (q.step()) legacy = sha256_file(file.path);
    }
    Transaction t(db_);
    CaptureState st;
    if (!legacy.empty()) {
      db_.prepare("UPDATE captures SET digest = ? WHERE sensor_id = ? AND digest = ?")
          .bind(1, file.digest)
          .bind(2, std::int64_t{sensor})
          .bind(3, legacy)
          .run();
    }
    auto q = db_.prepare(
        "SELECT id, packets_done, complete FROM captures WHERE sensor_id = ? AND digest = ?");
    q.bind(1, std::int64_t{sensor}).bind(2, file.digest);
    if (q.step()) {
      st.id = q.column_int(0);
      st.packets_done = static_cast<std::uint64_t>(q.column_int(1));
      st.complete = q.column_int(2) != 0;
      q.reset();
      if (force && (st.complete || st.packets_done > 0)) {
        remove_capture_rows(st.id, sensor);
        db_.prepare("UPDATE captures SET packets_done = 0, complete = 0, path = ?, started_at = ?, "
                    "finished_at = NULL WHERE id = ?")
            .bind(1, file.path)
            .bind(2, std::int64_t{std::time(nullptr)})
            .bind(3, st.id)
            .run();
        st.replaced = true;
        st.complete = false;
        st.packets_done = 0;
      } else if (!st.complete) {
        st.resumed = st.packets_done > 0;
      }
    } else {
      q.reset();
      st.id = insert_capture(sensor, file);
    }
    t.commit();
    return st;
  }

  void commit(CommitRequest& r) override {
    // The scans are encoded on a second thread while this one sorts the segment's
    // tables (the CPU-heavy part, done before the write lock); they need nothing else.
    auto scans = std::async(std::launch::async, [&r] { return encode_scan_chunks(r.events); });
    struct JoinScans {  // the helper thread reads `r`: never leave before it is done
      std::future<std::vector<ScanChunk>>& f;
      ~JoinScans() {
        if (f.valid()) f.wait();
      }
    } join_scans{scans};
    BinFlush flush = r.segment.finish();
    if (r.capture->file.digest.empty() && r.capture->id == 0) r.capture->file.digest = r.capture->digest.get();
    Transaction t(db_);
    if (r.capture->id == 0) {
      auto q = db_.prepare("SELECT id FROM captures WHERE sensor_id = ? AND digest = ?");
      q.bind(1, std::int64_t{r.sensor_id}).bind(2, r.capture->file.digest);
      if (q.step()) {
        throw StoreError(db_.path() + ": " + r.capture->file.path +
                         ": the same content was registered while it was counted");
      }
      r.capture->id = insert_capture(r.sensor_id, r.capture->file);
    }
    const std::int64_t capture = r.capture->id;
    const std::int64_t sensor = r.sensor_id;
    const auto segment = static_cast<std::int64_t>(r.packets_done);
    // The source records are encoded on a second thread while this one writes the
    // bins (organisation ids first: naming one may write a row).
    std::unordered_map<std::uint32_t, std::uint32_t> org_ids;
    for (const DayFlush& d : flush.days) {
      for (const SourceDay& s : d.sources) {
        if (s.scanner_org != 0 && org_ids.count(s.scanner_org) == 0) {
          org_ids[s.scanner_org] = scanner_key(flush, s.scanner_org);
        }
      }
    }
    auto encoded = std::async(std::launch::async, [&] { return encode_source_chunks(flush, org_ids); });
    struct Join {  // the helper thread reads `flush`: never leave before it is done
      std::future<std::vector<std::vector<SourceChunk>>>& f;
      ~Join() {
        if (f.valid()) f.wait();
      }
    } join{encoded};
    write_sub_bins(flush, sensor, capture);
    for (const DayFlush& d : flush.days) write_day_bins(d, flush, sensor, capture);
    const std::vector<std::vector<SourceChunk>> source_chunks = encoded.get();
    const std::vector<ScanChunk> scan_chunks = scans.get();
    std::set<std::pair<int, std::int64_t>> periods;
    for (std::size_t i = 0; i < flush.days.size(); ++i) {
      const DayFlush& d = flush.days[i];
      put_source_chunks(d.day, sensor, capture, segment, source_chunks[i]);
      periods.emplace(kSpanMonth, month_start(d.day));
      periods.emplace(kSpanYear, year_start(d.day));
      if (r.check_surges) {
        db_.prepare("INSERT OR IGNORE INTO surge_pending(sensor_id, day) VALUES (?, ?)")
            .bind(1, sensor)
            .bind(2, d.day)
            .run();
      }
    }
    for (const auto& [span, start] : periods) mark_rollup(span, start, sensor);
    write_events(db_, r.sensor_id, capture, segment, r.events, &scan_chunks);
    write_loss(r.loss, sensor, capture);
    auto progress = db_.prepare(
        "UPDATE captures SET packets_done = ?, complete = ?, finished_at = ? WHERE id = ?");
    progress.bind(1, segment).bind(2, std::int64_t{r.complete ? 1 : 0});
    if (r.complete) {
      progress.bind(3, std::int64_t{std::time(nullptr)});
    } else {
      progress.bind_null(3);
    }
    progress.bind(4, capture).run();
    t.commit();
  }

  void refresh_rollups() override;

  std::uint64_t apply_retention(const Retention& r) override {
    Transaction t(db_);
    const std::int64_t newest =
        db_.query_int("SELECT coalesce(max(start), 0) FROM bins WHERE span = 3 AND dim = 0");
    std::uint64_t deleted = 0;
    auto del = db_.prepare("DELETE FROM bins WHERE span = ? AND start < ?");
    const std::pair<std::int64_t, int> rules[] = {{kSpan5m, r.keep_5m_days}, {kSpan1h, r.keep_1h_days}};
    for (const auto& [width, days] : rules) {
      if (days <= 0) continue;
      // Keep `days` whole days counted back from the newest day stored.
      del.bind(1, width).bind(2, newest + kBin1d - std::int64_t{days} * kBin1d).run();
      deleted += static_cast<std::uint64_t>(db_.query_int("SELECT changes()"));
    }
    t.commit();
    return deleted;
  }

  std::size_t detect_pending_surges(const SurgeOptions& options) override {
    std::map<std::int64_t, std::vector<std::int64_t>> pending;
    {
      auto s = db_.prepare("SELECT sensor_id, day FROM surge_pending ORDER BY sensor_id, day");
      while (s.step()) pending[s.column_int(0)].push_back(s.column_int(1));
    }
    std::size_t found = 0;
    for (const auto& [sensor, days] : pending) {
      // Consecutive days are checked together.
      std::size_t i = 0;
      while (i < days.size()) {
        std::size_t j = i;
        while (j + 1 < days.size() && days[j + 1] == days[j] + kBin1d) ++j;
        Transaction t(db_);
        found += detect_surges(db_, static_cast<int>(sensor), days[i], days[j], options);
        db_.prepare("DELETE FROM surge_pending WHERE sensor_id = ? AND day >= ? AND day <= ?")
            .bind(1, sensor)
            .bind(2, days[i])
            .bind(3, days[j])
            .run();
        t.commit();
        i = j + 1;
      }
    }
    return found;
  }

  std::vector<TopRow> top(const TopQuery& q) override;
  std::vector<SeriesPoint> series(const SeriesQuery& q) override;

  std::vector<SensorInfo> sensors() override {
    std::vector<SensorInfo> out;
    auto s = db_.prepare("SELECT name, prefixes, ipv4_size FROM sensors ORDER BY name");
    while (s.step()) out.push_back({s.column_text(0), s.column_text(1), s.column_double(2)});
    return out;
  }

  CaptureLoss capture_loss(std::int64_t from, std::int64_t to,
                           const std::optional<std::string>& sensor) override {
    return read_capture_loss(db_, from, to, sensor ? query_sensors(db_, sensor).front() : 0);
  }

 private:
  void lock_writer(const std::string& path) {
    lock_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (lock_fd_ < 0) return;  // SQLite reports the real problem next
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      throw StoreError(path + ": another darkscope ingest is writing to this database; one "
                              "writer at a time");
    }
  }

  std::int64_t insert_capture(int sensor, const CaptureFile& file) {
    db_.prepare("INSERT INTO captures(sensor_id, digest, path, size, started_at) VALUES (?, ?, ?, ?, ?)")
        .bind(1, std::int64_t{sensor})
        .bind(2, file.digest)
        .bind(3, file.path)
        .bind(4, static_cast<std::int64_t>(file.size))
        .bind(5, std::int64_t{std::time(nullptr)})
        .run();
    return db_.query_int("SELECT last_insert_rowid()");
  }

  /// Adds a commit's kernel counters to their bins (a bin read twice, e.g. across
  /// a checkpoint, sums).
  void write_loss(const std::vector<LossSample>& loss, std::int64_t sensor, std::int64_t capture) {
    if (loss.empty()) return;
    auto put = db_.prepare(
        "INSERT INTO capture_loss(capture_id, sensor_id, start, received, dropped) VALUES (?, ?, "
        "?, ?, ?) "
        "ON CONFLICT(capture_id, start) DO UPDATE SET received = received + excluded.received, "
        "dropped = dropped + excluded.dropped");
    for (const LossSample& l : loss) {
      put.bind(1, capture)
          .bind(2, sensor)
          .bind(3, l.start)
          .bind(4, static_cast<std::int64_t>(l.received))
          .bind(5, static_cast<std::int64_t>(l.dropped))
          .run();
    }
  }

  void mark_rollup(int span, std::int64_t start, std::int64_t sensor) {
    db_.prepare("INSERT INTO rollups(span, start, sensor_id, built) VALUES (?, ?, ?, 0) "
                "ON CONFLICT DO UPDATE SET built = 0")
        .bind(1, std::int64_t{span})
        .bind(2, start)
        .bind(3, sensor)
        .run();
  }

  /// The store's id of an organisation's name, created when new.
  std::uint32_t scanner_key(const std::string& name) {
    if (const auto it = scanner_ids_.find(name); it != scanner_ids_.end()) return it->second;
    db_.prepare("INSERT OR IGNORE INTO scanner_names(name) VALUES (?)").bind(1, name).run();
    const auto id = scanner_id(db_, name);
    if (!id) throw StoreError(db_.path() + ": cannot record the scanner organisation '" + name + "'");
    scanner_ids_[name] = *id;
    return *id;
  }
  std::uint32_t scanner_key(const BinFlush& f, std::uint32_t org) {
    if (org == 0) return 0;
    // Slots name the same organisation for the whole run (one enricher).
    if (const auto it = slot_ids_.find(org); it != slot_ids_.end()) return it->second;
    const std::uint32_t id =
        scanner_key(f.org_name ? f.org_name(static_cast<std::uint16_t>(org)) : "org-" + std::to_string(org));
    slot_ids_[org] = id;
    return id;
  }

  /// Organisation slots of scanner cells become the store's ids (and their order).
  std::vector<BinCell> stored_cells(const BinFlush& f, BinDimension dim, std::vector<BinCell> cells) {
    if (dim != BinDimension::kScanner) return cells;
    for (BinCell& c : cells) c.key = scanner_key(f, c.key);
    std::sort(cells.begin(), cells.end(), [](const BinCell& x, const BinCell& y) { return x.key < y.key; });
    return cells;
  }

  /// Writes a bin's cells; a bin with cells from an earlier commit of this capture
  /// gets them added (true then).
  bool put_cells(int span, BinDimension dim, std::int64_t start, std::int64_t sensor, std::int64_t capture,
                 const std::vector<BinCell>& cells) {
    return put_cells(span, dim, start, sensor, capture, encode_cells(cells));
  }
  bool put_cells(int span, BinDimension dim, std::int64_t start, std::int64_t sensor, std::int64_t capture,
                 const std::string& blob) {
    if (!put_cells_) {
      put_cells_.emplace(db_.prepare(
          "INSERT INTO bins(span, dim, start, sensor_id, capture_id, cells) VALUES (?, ?, ?, ?, ?, ?) "
          "ON CONFLICT DO NOTHING"));
    }
    const auto d = std::int64_t{static_cast<int>(dim)};
    put_cells_->bind(1, std::int64_t{span}).bind(2, d).bind(3, start).bind(4, sensor).bind(5, capture);
    put_cells_->bind_blob(6, blob.data(), static_cast<int>(blob.size()));
    put_cells_->run();
    if (db_.query_int("SELECT changes()") != 0) return false;
    const std::vector<BinCell> old = read_bin_cells(span, dim, start, sensor, capture);
    std::vector<BinCell> cells;
    if (!decode_cells(blob, cells)) throw StoreError(db_.path() + ": bin cells to store are damaged");
    write_bin_cells(span, dim, start, sensor, capture, merge_cells(old, cells));
    return true;
  }

  /// The cells of one stored bin row (it must exist).
  std::vector<BinCell> read_bin_cells(int span, BinDimension dim, std::int64_t start, std::int64_t sensor,
                                      std::int64_t capture) {
    auto sel = db_.prepare(
        "SELECT cells FROM bins WHERE span = ? AND dim = ? AND start = ? AND sensor_id = ? AND capture_id = ?");
    sel.bind(1, std::int64_t{span}).bind(2, std::int64_t{static_cast<int>(dim)}).bind(3, start).bind(4, sensor).bind(5, capture);
    std::vector<BinCell> cells;
    if (!sel.step() || !decode_cells(sel.column_blob(0), cells)) {
      throw StoreError(db_.path() + ": stored bin cells are damaged");
    }
    return cells;
  }

  /// Replaces the cells of one stored bin row.
  void write_bin_cells(int span, BinDimension dim, std::int64_t start, std::int64_t sensor, std::int64_t capture,
                   const std::vector<BinCell>& cells) {
    const std::string blob = encode_cells(cells);
    db_.prepare("UPDATE bins SET cells = ? WHERE span = ? AND dim = ? AND start = ? AND sensor_id = ? AND capture_id = ?")
        .bind_blob(1, blob.data(), static_cast<int>(blob.size()))
        .bind(2, std::int64_t{span})
        .bind(3, std::int64_t{static_cast<int>(dim)})
        .bind(4, start)
        .bind(5, sensor)
        .bind(6, capture)
        .run();
  }

  /// Writes the sets of one bin in blocks of consecutive keys.
  void put_sets(int span, BinDimension dim, std::int64_t start, std::int64_t sensor, std::int64_t capture,
                const std::vector<std::pair<std::uint32_t, std::string>>& sets) {
    if (!put_block_) {
      put_block_.emplace(db_.prepare(
          "INSERT OR REPLACE INTO bin_sets(span, dim, start, sensor_id, capture_id, first_key, last_key, sets) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    }
    SetBlockWriter block;
    auto flush = [&] {
      if (block.empty()) return;
      const std::uint32_t first = block.first_key();
      const std::uint32_t last = block.last_key();
      const std::string blob = block.finish();
      put_block_->bind(1, std::int64_t{span})
          .bind(2, std::int64_t{static_cast<int>(dim)})
          .bind(3, start)
          .bind(4, sensor)
          .bind(5, capture)
          .bind(6, std::int64_t{first})
          .bind(7, std::int64_t{last})
          .bind_blob(8, blob.data(), static_cast<int>(blob.size()));
      put_block_->run();
    };
    for (const auto& [key, set] : sets) {
      if (!block.empty() && block.bytes() + set.size() + 16 > kSetBlockBytes) flush();
      block.add(key, set);
    }
    flush();
  }

  /// Every set of one bin (all its blocks).
  std::map<std::uint32_t, SourceSet> read_sets(int span, BinDimension dim, std::int64_t start, std::int64_t sensor,
                                               std::int64_t capture) {
    std::map<std::uint32_t, SourceSet> out;
    auto s = db_.prepare("SELECT sets FROM bin_sets WHERE span = ? AND dim = ? AND start = ? AND sensor_id = ? AND capture_id = ?");
    s.bind(1, std::int64_t{span}).bind(2, std::int64_t{static_cast<int>(dim)}).bind(3, start).bind(4, sensor).bind(5, capture);
    while (s.step()) {
      bool ok = true;
      if (!for_each_set(s.column_blob(0), [&](std::uint32_t key, std::string_view set) {
            ok = decode_source_set(set, out[key]) && ok;
          }) || !ok) {
        throw StoreError(db_.path() + ": a source set is damaged");
      }
    }
    return out;
  }
  void delete_sets(int span, BinDimension dim, std::int64_t start, std::int64_t sensor, std::int64_t capture) {
    db_.prepare("DELETE FROM bin_sets WHERE span = ? AND dim = ? AND start = ? AND sensor_id = ? AND capture_id = ?")
        .bind(1, std::int64_t{span})
        .bind(2, std::int64_t{static_cast<int>(dim)})
        .bind(3, start)
        .bind(4, sensor)
        .bind(5, capture)
        .run();
  }

  void write_sub_bins(const BinFlush& f, std::int64_t sensor, std::int64_t capture) {
    std::vector<BinCell> cells;
    for (const SubBin& b : f.sub_bins) {
      if (b.dim != BinDimension::kScanner) {
        (void)put_cells(span_of_width(b.bin_s), b.dim, b.start, sensor, capture, b.cells);
        continue;
      }
      if (!decode_cells(b.cells, cells)) throw StoreError("internal error: bad sub-bin cells");
      (void)put_cells(span_of_width(b.bin_s), b.dim, b.start, sensor, capture, stored_cells(f, b.dim, cells));
    }
  }

  void write_day_bins(const DayFlush& d, const BinFlush& f, std::int64_t sensor, std::int64_t capture) {
    // Dimension by dimension: the cells in one row, the sets in blocks.
    std::size_t i = 0;
    while (i < d.bins.size()) {
      const BinDimension dim = d.bins[i].dim;
      std::vector<std::tuple<std::uint32_t, const DayBin*>> keyed;
      for (; i < d.bins.size() && d.bins[i].dim == dim; ++i) {
        const DayBin& b = d.bins[i];
        keyed.emplace_back(dim == BinDimension::kScanner ? scanner_key(f, b.key) : b.key, &b);
      }
      std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
      std::vector<BinCell> cells;
      cells.reserve(keyed.size());
      std::vector<std::pair<std::uint32_t, std::string>> sets;
      const bool with_sets = dim != BinDimension::kPortExcludingResearch;
      for (const auto& [key, b] : keyed) {
        cells.push_back({key, b->packets, b->bytes, b->sources()});
        if (with_sets && b->sources() > 0) {
          sets.emplace_back(key, encode_source_set({d.v4_members.data() + b->v4_begin, b->v4_count},
                                                   {d.v6_members.data() + b->v6_begin, b->v6_count}));
        }
      }
      if (!put_cells(kSpanDay, dim, d.day, sensor, capture, cells)) {
        put_sets(kSpanDay, dim, d.day, sensor, capture, sets);
        continue;
      }
      // The day had rows of this capture already (out-of-order packets after the
      // day's commit, or a segment cut by the memory bound): unite the sets, and
      // rewrite the cells' sources as the sizes of the unions.
      std::map<std::uint32_t, SourceSet> all = read_sets(kSpanDay, dim, d.day, sensor, capture);
      for (const auto& [key, blob] : sets) {
        SourceSet set;
        if (!decode_source_set(blob, set)) throw StoreError("internal error: bad source set");
        unite(all[key], set);
      }
      delete_sets(kSpanDay, dim, d.day, sensor, capture);
      std::vector<std::pair<std::uint32_t, std::string>> merged;
      for (const auto& [key, set] : all) merged.emplace_back(key, encode_source_set(set.v4, set.v6));
      put_sets(kSpanDay, dim, d.day, sensor, capture, merged);
      if (with_sets) fix_sources(kSpanDay, dim, d.day, sensor, capture, all);
    }

  }

  void put_source_chunks(std::int64_t day, std::int64_t sensor, std::int64_t capture, std::int64_t segment,
                         const std::vector<SourceChunk>& chunks) {
    auto ins = db_.prepare(
        "INSERT OR REPLACE INTO source_chunks(day, sensor_id, bucket, capture_id, segment, records) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    for (const SourceChunk& c : chunks) {
      ins.bind(1, day)
          .bind(2, sensor)
          .bind(3, std::int64_t{c.bucket})
          .bind(4, capture)
          .bind(5, segment)
          .bind_blob(6, c.blob.data(), static_cast<int>(c.blob.size()));
      ins.run();
    }
  }

  /// Sets a bin's `sources` to the sizes of its sets.
  void fix_sources(int span, BinDimension dim, std::int64_t start, std::int64_t sensor, std::int64_t capture,
                   const std::map<std::uint32_t, SourceSet>& sets) {
    std::vector<BinCell> cells = read_bin_cells(span, dim, start, sensor, capture);
    for (BinCell& c : cells) {
      const auto it = sets.find(c.key);
      c.sources = it != sets.end() ? it->second.size() : 0;
    }
    write_bin_cells(span, dim, start, sensor, capture, cells);
  }

  void remove_capture_rows(std::int64_t capture_id, int sensor) {
    db_.prepare("DELETE FROM capture_loss WHERE capture_id = ?").bind(1, capture_id).run();
    // The days the capture has rows on, from its daily totals.
    std::vector<std::int64_t> days;
    {
      auto s = db_.prepare("SELECT start FROM bins WHERE span = 3 AND dim = 0 AND sensor_id = ? AND capture_id = ?");
      s.bind(1, std::int64_t{sensor}).bind(2, capture_id);
      while (s.step()) days.push_back(s.column_int(0));
    }
    if (days.empty()) return;
    const std::int64_t first = *std::min_element(days.begin(), days.end());
    const std::int64_t last = *std::max_element(days.begin(), days.end());
    for (const int span : {kSpan5m, kSpan1h, kSpanDay}) {
      for (int dim = 0; dim < kBinDimensionCount; ++dim) {
        for (const char* table : {"bins", "bin_sets"}) {
          db_.prepare(std::string("DELETE FROM ") + table +
                      " WHERE span = ? AND dim = ? AND start >= ? AND start < ? AND capture_id = ?")
              .bind(1, std::int64_t{span})
              .bind(2, std::int64_t{dim})
              .bind(3, first)
              .bind(4, last + kBin1d)
              .bind(5, capture_id)
              .run();
        }
      }
    }
    db_.prepare("DELETE FROM source_chunks WHERE day >= ? AND day <= ? AND capture_id = ?")
        .bind(1, first)
        .bind(2, last)
        .bind(3, capture_id)
        .run();
    remove_capture_events(db_, capture_id, first, last);
    for (const std::int64_t day : days) {
      mark_rollup(kSpanMonth, month_start(day), sensor);
      mark_rollup(kSpanYear, year_start(day), sensor);
    }
  }

  void build_rollup(int span, std::int64_t start, std::int64_t sensor);

  Database db_;
  int lock_fd_ = -1;
  std::map<std::string, std::uint32_t> scanner_ids_;
  std::unordered_map<std::uint32_t, std::uint32_t> slot_ids_;
  std::optional<Statement> put_cells_, put_block_;
};

void SqliteStore::refresh_rollups() {
  std::vector<std::tuple<int, std::int64_t, std::int64_t>> todo;
  {
    auto s = db_.prepare("SELECT span, start, sensor_id FROM rollups WHERE built = 0 ORDER BY span, start");
    while (s.step()) todo.emplace_back(static_cast<int>(s.column_int(0)), s.column_int(1), s.column_int(2));
  }
  for (const auto& [span, start, sensor] : todo) {
    // A period is rolled up once the sensor has data on or after its last day;
    // until then readers use its days.
    auto newest = db_.prepare("SELECT max(start) FROM bins WHERE span = 3 AND dim = 0 AND sensor_id = ?");
    newest.bind(1, sensor);
    if (!newest.step() || newest.column_is_null(0) || newest.column_int(0) < period_end(span, start) - kBin1d) {
      continue;
    }
    newest.reset();
    Transaction t(db_);
    build_rollup(span, start, sensor);
    db_.prepare("UPDATE rollups SET built = 1 WHERE span = ? AND start = ? AND sensor_id = ?")
        .bind(1, std::int64_t{span})
        .bind(2, start)
        .bind(3, sensor)
        .run();
    t.commit();
  }
}

void SqliteStore::build_rollup(int span, std::int64_t start, std::int64_t sensor) {
  const std::int64_t end = period_end(span, start);
  // A year from its built months' rollups and the days of the others; a month from
  // its days. for_each_bin() picks the pieces (months are built before years).
  {
    auto clear = db_.prepare("UPDATE rollups SET built = 0 WHERE span = ? AND start = ? AND sensor_id = ?");
    clear.bind(1, std::int64_t{span}).bind(2, start).bind(3, sensor).run();
  }
  const std::vector<std::int64_t> sensors = {sensor};
  for (int dim = 0; dim < kBinDimensionCount; ++dim) {
    const auto bdim = static_cast<BinDimension>(dim);
    for (const char* table : {"bins", "bin_sets"}) {
      db_.prepare(std::string("DELETE FROM ") + table + " WHERE span = ? AND dim = ? AND start = ? AND sensor_id = ?")
          .bind(1, std::int64_t{span})
          .bind(2, std::int64_t{dim})
          .bind(3, start)
          .bind(4, sensor)
          .run();
    }
    // Counts of every key, and which rows hold each (for its sets).
    std::map<std::uint32_t, KeyTotals> totals;
    std::vector<BinRow> rows;
    for_each_bin(db_, bdim, start, end, sensors, [&](const BinRow& row, const std::vector<BinCell>& cells) {
      rows.push_back(row);
      for (const BinCell& c : cells) {
        KeyTotals& t = totals[c.key];
        t.packets += c.packets;
        t.bytes += c.bytes;
        t.sources += c.sources;  // an upper bound of the union, for batching
      }
    });
    if (totals.empty()) continue;
    std::vector<BinCell> cells;
    cells.reserve(totals.size());
    std::vector<std::pair<std::uint32_t, std::string>> sets;
    const bool with_sets = bdim != BinDimension::kPortExcludingResearch;
    // Sets are united in batches of keys, so that memory stays bounded.
    auto it = totals.begin();
    auto blocks = db_.prepare(
        "SELECT sets FROM bin_sets WHERE span = ? AND dim = ? AND start = ? AND sensor_id = ? AND capture_id = ? "
        "AND first_key <= ? AND last_key >= ?");
    while (it != totals.end()) {
      const std::uint32_t lo = it->first;
      std::uint32_t hi = lo;
      std::uint64_t members = 0;
      auto batch_end = it;
      for (; batch_end != totals.end() && (members == 0 || members + batch_end->second.sources <= (std::uint64_t{8} << 20));
           ++batch_end) {
        members += batch_end->second.sources;
        hi = batch_end->first;
      }
      std::map<std::uint32_t, std::vector<SourceSet>> parts;
      if (with_sets) {
        SourceSet set;
        for (const BinRow& row : rows) {
          blocks.bind(1, std::int64_t{row.span})
              .bind(2, std::int64_t{dim})
              .bind(3, row.start)
              .bind(4, row.sensor)
              .bind(5, row.capture)
              .bind(6, std::int64_t{hi})
              .bind(7, std::int64_t{lo});
          while (blocks.step()) {
            bool ok = true;
            if (!for_each_set(blocks.column_blob(0), [&](std::uint32_t key, std::string_view blob) {
                  if (key < lo || key > hi) return;
                  ok = decode_source_set(blob, set) && ok;
                  parts[key].push_back(std::move(set));
                }) || !ok) {
              throw StoreError(db_.path() + ": a source set is damaged");
            }
          }
          blocks.reset();
        }
      }
      for (; it != batch_end; ++it) {
        const auto u = parts.find(it->first);
        const SourceSet all = u != parts.end() ? unite_all(u->second) : SourceSet{};
        cells.push_back({it->first, it->second.packets, it->second.bytes, all.size()});
        if (!all.empty()) sets.emplace_back(it->first, encode_source_set(all.v4, all.v6));
      }
    }
    (void)put_cells(span, bdim, start, sensor, 0, cells);
    put_sets(span, bdim, start, sensor, 0, sets);
  }
}

std::vector<TopRow> SqliteStore::top(const TopQuery& q) {
  const auto sensors = query_sensors(db_, q.sensor);
  std::vector<TopRow> rows;
  if (q.from >= q.to) return rows;
  const std::int64_t day_from = floor_day(q.from);
  const std::int64_t day_to = ceil_day(q.to);
  if (q.by == "source") {
    std::map<IpAddress, std::uint64_t> packets;
    for (const std::int64_t day : stored_days(db_, day_from, day_to, sensors)) {
      for_each_source_record(db_, day, sensors, std::nullopt,
                             [&](std::int64_t, const SourceRecord& r) { packets[r.src] += r.packets; });
    }
    std::vector<std::pair<IpAddress, std::uint64_t>> v(packets.begin(), packets.end());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (q.limit && v.size() > q.limit) v.resize(q.limit);
    for (const auto& [ip, n] : v) rows.push_back({ip.to_string(), n, 1});
    return rows;
  }
  BinDimension dim{};
  if (q.by == "total" || !parse_bin_dimension(q.by, dim) || !has_sub_day_bins(dim)) {
    throw StoreError("top --by: unknown dimension '" + q.by +
                     "' (port, country, asn, class, fingerprint, scanner or source)");
  }
  struct Tally {
    std::uint32_t key = 0;
    std::uint64_t packets = 0;
    std::uint64_t sources = 0;  // exact when one row has the key
    std::uint32_t rows = 0;
  };
  // Ascending by key: each row's cells (ascending too) are merged in linear time.
  std::vector<Tally> tally;
  std::vector<Tally> merged;
  auto merge = [&](const std::vector<BinCell>& cells, bool count_packets, bool count_rows) {
    merged.clear();
    merged.reserve(tally.size() + cells.size());
    std::size_t i = 0;
    for (const BinCell& c : cells) {
      while (i < tally.size() && tally[i].key < c.key) merged.push_back(tally[i++]);
      Tally t = i < tally.size() && tally[i].key == c.key ? tally[i++] : Tally{c.key, 0, 0, 0};
      if (count_packets) t.packets += c.packets;
      if (count_rows) {
        t.sources += c.sources;
        ++t.rows;
      }
      merged.push_back(t);
    }
    while (i < tally.size()) merged.push_back(tally[i++]);
    tally.swap(merged);
  };
  // The rows whose sets a key's sources are united from: the days the period
  // touches (or its rollups).
  std::vector<BinRow> day_rows;
  const bool whole_days = q.from % kBin1d == 0 && q.to % kBin1d == 0;
  for_each_bin(db_, dim, day_from, day_to, sensors, [&](const BinRow& row, const std::vector<BinCell>& cells) {
    day_rows.push_back(row);
    merge(cells, whole_days, true);
  });
  if (!whole_days) {
    // Sub-day periods: hourly bins when the period is hour-aligned, else 5-minute ones.
    const std::int64_t width = (q.from % kBin1h == 0 && q.to % kBin1h == 0) ? kBin1h : kBin5m;
    auto s = db_.prepare("SELECT sensor_id, cells FROM bins WHERE span = ? AND dim = ? AND start >= ? AND start < ?");
    s.bind(1, std::int64_t{span_of_width(width)})
        .bind(2, std::int64_t{static_cast<int>(dim)})
        .bind(3, floor_to(q.from, width))
        .bind(4, q.to);
    std::vector<BinCell> cells;
    while (s.step()) {
      if (std::find(sensors.begin(), sensors.end(), s.column_int(0)) == sensors.end()) continue;
      if (!decode_cells(s.column_blob(1), cells)) throw StoreError(db_.path() + ": stored bin cells are damaged");
      merge(cells, true, false);
    }
  }
  std::vector<std::pair<std::uint32_t, std::uint64_t>> ranked;
  const auto scanners = dim == BinDimension::kScanner ? scanner_names(db_) : std::map<std::uint32_t, std::string>{};
  for (const Tally& t : tally) {
    if (t.packets > 0) ranked.emplace_back(t.key, t.packets);
  }
  // Ties by the key ascending (docs/ARCHITECTURE.md): ports TCP before UDP before
  // ICMP, then by number; AS numbers, classes and fingerprints by value; the rest
  // by their text.
  auto port_order = [](std::uint32_t packed) {
    const PortKey k = PortKey::from_packed(packed);
    return std::make_pair(k.protocol == kProtoTcp ? 0 : k.protocol == kProtoUdp ? 1 : 2, k.port);
  };
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second > b.second;
    if (dim == BinDimension::kPort) return port_order(a.first) < port_order(b.first);
    if (dim == BinDimension::kAsn || dim == BinDimension::kClass || dim == BinDimension::kFingerprint) {
      return a.first < b.first;
    }
    return stored_key_text(dim, a.first, scanners) < stored_key_text(dim, b.first, scanners);
  });
  if (q.limit && ranked.size() > q.limit) ranked.resize(q.limit);
  for (const auto& [key, p] : ranked) {
    const Tally& t = *std::lower_bound(tally.begin(), tally.end(), key,
                                       [](const Tally& x, std::uint32_t k) { return x.key < k; });
    std::uint64_t sources = q.sources ? t.sources : 0;
    if (q.sources && t.rows > 1) {
      std::vector<SourceSet> sets;
      for (const BinRow& row : day_rows) {
        SourceSet set = row_set(db_, dim, key, row);
        if (!set.empty()) sets.push_back(std::move(set));
      }
      sources = union_size(sets);
    }
    rows.push_back({stored_key_text(dim, key, scanners), p, sources});
  }
  return rows;
}

std::vector<SeriesPoint> SqliteStore::series(const SeriesQuery& q) {
  const auto sensors = query_sensors(db_, q.sensor);
  std::vector<SeriesPoint> out;
  if (q.bin_s != kBin5m && q.bin_s != kBin1h && q.bin_s != kBin1d) {
    throw StoreError("series --bin: 5m, 1h or 1d");
  }
  const std::int64_t first = floor_to(q.from, q.bin_s);
  for (std::int64_t t = first; t < q.to; t += q.bin_s) out.push_back({t, 0, 0, 0});
  if (out.empty()) return out;
  const auto key = stored_key(db_, q.dim, q.key);
  if (!key) return out;
  auto s = db_.prepare(
      "SELECT start, sensor_id, capture_id, cells FROM bins WHERE span = ? AND dim = ? AND start >= ? AND start < ?");
  s.bind(1, std::int64_t{span_of_width(q.bin_s)})
      .bind(2, std::int64_t{static_cast<int>(q.dim)})
      .bind(3, first)
      .bind(4, q.to);
  std::vector<BinCell> cells;
  std::map<std::int64_t, std::vector<BinRow>> days;  // daily rows with the key, for unions
  while (s.step()) {
    if (std::find(sensors.begin(), sensors.end(), s.column_int(1)) == sensors.end()) continue;
    if (!decode_cells(s.column_blob(3), cells)) throw StoreError(db_.path() + ": stored bin cells are damaged");
    const BinCell* c = find_cell(cells, *key);
    if (c == nullptr) continue;
    SeriesPoint& p = out[static_cast<std::size_t>((s.column_int(0) - first) / q.bin_s)];
    p.packets += c->packets;
    p.bytes += c->bytes;
    p.sources += c->sources;
    if (q.bin_s == kBin1d) days[s.column_int(0)].push_back({kSpanDay, s.column_int(0), s.column_int(1), s.column_int(2)});
  }
  // Daily sources are exact: the union when several captures have the day.
  for (const auto& [day, rows] : days) {
    if (rows.size() < 2) continue;
    SourceSet all;
    for (const BinRow& row : rows) unite(all, row_set(db_, q.dim, *key, row));
    out[static_cast<std::size_t>((day - first) / q.bin_s)].sources = all.size();
  }
  return out;
}

}  // namespace

std::unique_ptr<ObservationStore> open_sqlite_store(const std::string& path, bool writable) {
  return std::make_unique<SqliteStore>(path, writable);
}

}  // namespace darkscope
