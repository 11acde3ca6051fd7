// HOW TO ADD A TABLE (any stage that stores something): append one row to
// kMigrations below with the next version number and the CREATE statements.
// Once a release has shipped, never edit or reorder a row: databases in the field
// have applied it; change a table with a new row (ALTER TABLE ...). Readers do not
// migrate: a reader of a new table checks has_table() (docs/EXTENDING.md). (Before the
// first release the rows were rewritten for the compact store: no database in the
// field holds the earlier ones.)
#include "store/schema.hpp"

#include <array>
#include <string>

namespace darkscope {
namespace {

constexpr std::array kMigrations = {
    Migration{1, "observations", R"sql(
CREATE TABLE sensors(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  prefixes TEXT NOT NULL,          -- "10.0.0.0/8,192.0.2.0/24" ("" = every destination)
  ipv4_size REAL NOT NULL          -- IPv4 addresses covered (per-address figures)
);
CREATE TABLE captures(
  id INTEGER PRIMARY KEY,
  sensor_id INTEGER NOT NULL REFERENCES sensors(id),
  sha256 TEXT NOT NULL,            -- content hash of the file as stored on disk
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  packets_done INTEGER NOT NULL DEFAULT 0,  -- IP packets whose counts are committed
  complete INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  UNIQUE(sensor_id, sha256)
);
CREATE INDEX captures_size ON captures(sensor_id, size);
-- Stable keys of the scanner dimension (research-scanner organisation names).
CREATE TABLE scanner_names(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
-- Bins of every width: 5 minutes (span 1), an hour (2), a UTC day (3), and the
-- rollups of complete months (4) and years (5, capture_id 0). One row per (span,
-- dimension, start, sensor, capture): cells = encode_cells() of (key, packets,
-- bytes, sources), ascending by key (keys: bin_key_text(); scanner_names.id for the
-- scanner dimension).
-- Tables of blobs are rowid tables with a unique index: a rowid table keeps a row
-- of up to a page in the page (a WITHOUT ROWID one only about a quarter of it, and
-- blobs of a few kilobytes would waste most of an overflow page each).
CREATE TABLE bins(
  id INTEGER PRIMARY KEY,
  span INTEGER NOT NULL,
  dim INTEGER NOT NULL,            -- BinDimension
  start INTEGER NOT NULL,          -- Unix seconds
  sensor_id INTEGER NOT NULL,
  capture_id INTEGER NOT NULL,
  cells BLOB NOT NULL
);
CREATE UNIQUE INDEX bins_key ON bins(span, dim, start, sensor_id, capture_id);
-- The exact sources behind the cells of days, months and years, so that unique
-- sources over any set of days is a union: the sets of consecutive keys in blocks
-- that fit in a page (SetBlockWriter).
CREATE TABLE bin_sets(
  id INTEGER PRIMARY KEY,
  span INTEGER NOT NULL,
  dim INTEGER NOT NULL,
  start INTEGER NOT NULL,
  sensor_id INTEGER NOT NULL,
  capture_id INTEGER NOT NULL,
  first_key INTEGER NOT NULL,
  last_key INTEGER NOT NULL,
  sets BLOB NOT NULL
);
CREATE UNIQUE INDEX bin_sets_key ON bin_sets(span, dim, start, sensor_id, capture_id, first_key);
-- Month and year rollups: built = 1 when bins holds them; 0 when they are to be
-- (re)built because an ingest touched the period.
CREATE TABLE rollups(
  span INTEGER NOT NULL,
  start INTEGER NOT NULL,
  sensor_id INTEGER NOT NULL,
  built INTEGER NOT NULL,
  PRIMARY KEY(span, start, sensor_id)
) WITHOUT ROWID;
-- One record per source and UTC day (SourceRecordWriter), in 1024 buckets by a
-- hash of the address; a segment is the packet position of the commit that wrote it.
CREATE TABLE source_chunks(
  id INTEGER PRIMARY KEY,
  day INTEGER NOT NULL,
  sensor_id INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  capture_id INTEGER NOT NULL,
  segment INTEGER NOT NULL,
  records BLOB NOT NULL
);
CREATE UNIQUE INDEX source_chunks_key ON source_chunks(day, sensor_id, bucket, capture_id, segment);
)sql"},
    Migration{2, "events", R"sql(
-- Scan, DoS and surge events (docs/EVENTS.md). Scans are kept in chunks by the day
-- they started and the bucket of their source (encode_scans()); Internet-wide ones
-- also as rows, for reports. Events carry the capture that ended them, so that
-- ingest --force replaces them.
CREATE TABLE scan_chunks(
  id INTEGER PRIMARY KEY,
  day INTEGER NOT NULL,
  sensor_id INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  capture_id INTEGER NOT NULL,
  segment INTEGER NOT NULL,
  scans BLOB NOT NULL
);
CREATE UNIQUE INDEX scan_chunks_key ON scan_chunks(day, sensor_id, bucket, capture_id, segment);
CREATE TABLE wide_scans(
  sensor_id INTEGER NOT NULL,
  source BLOB NOT NULL,            -- 4 bytes IPv4, 16 bytes IPv6
  proto INTEGER NOT NULL,          -- 6, 17, or 1 for ICMP requests
  port INTEGER NOT NULL,           -- 0 for ICMP
  class INTEGER NOT NULL,          -- TrafficClass
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  packets INTEGER NOT NULL,
  destinations INTEGER NOT NULL,
  destinations_exact INTEGER NOT NULL,
  estimated_pps REAL NOT NULL,
  fingerprints INTEGER NOT NULL,
  capture_id INTEGER NOT NULL,
  PRIMARY KEY(sensor_id, start_ns, source, proto, port, class)
) WITHOUT ROWID;
-- The longest scan stored per sensor: how far back a time query must look.
CREATE TABLE scan_spans(sensor_id INTEGER PRIMARY KEY, max_ns INTEGER NOT NULL);
CREATE TABLE dos_events(
  sensor_id INTEGER NOT NULL,
  victim BLOB NOT NULL,
  protocol INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  packets INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  darknet_addresses INTEGER NOT NULL,
  ports INTEGER NOT NULL,
  peak_window_packets INTEGER NOT NULL,
  peak_pps REAL NOT NULL,
  estimated_pps REAL NOT NULL,
  capture_id INTEGER NOT NULL,
  PRIMARY KEY(sensor_id, victim, protocol, start_ns)
) WITHOUT ROWID;
CREATE INDEX dos_events_time ON dos_events(start_ns);
CREATE TABLE surge_events(
  sensor_id INTEGER NOT NULL,
  proto INTEGER NOT NULL,
  port INTEGER NOT NULL,
  day INTEGER NOT NULL,            -- Unix seconds of 00:00 UTC
  packets INTEGER NOT NULL,
  sources INTEGER NOT NULL,
  metric TEXT NOT NULL,            -- "packets" or "sources"
  baseline REAL NOT NULL,
  factor REAL NOT NULL,
  fingerprints TEXT NOT NULL,      -- "mirai:120,zmap:3", most packets first
  countries TEXT NOT NULL,         -- "BR:100,CN:20", most packets first
  PRIMARY KEY(sensor_id, proto, port, day)
) WITHOUT ROWID;
-- Days whose surge check is still to run (written with their counts).
CREATE TABLE surge_pending(
  sensor_id INTEGER NOT NULL,
  day INTEGER NOT NULL,
  PRIMARY KEY(sensor_id, day)
) WITHOUT ROWID;
)sql"},
    Migration{3, "honeypot events", R"sql(
-- The telnet honeypot's Cowrie-style events (src/store/honeypot_events.hpp).
CREATE TABLE honeypot_events(
  id INTEGER PRIMARY KEY,
  ts_ns INTEGER NOT NULL,
  eventid TEXT NOT NULL,           -- cowrie.login.success, cowrie.command.input, ...
  session TEXT NOT NULL,
  sensor TEXT NOT NULL,
  src BLOB NOT NULL,               -- 4 bytes IPv4, 16 bytes IPv6
  src_port INTEGER NOT NULL,
  dst BLOB NOT NULL,
  dst_port INTEGER NOT NULL,
  username TEXT,
  password TEXT,
  input TEXT,
  url TEXT,
  shasum TEXT,
  outfile TEXT,
  duration REAL,
  json TEXT NOT NULL               -- the event as logged
);
CREATE INDEX honeypot_events_time ON honeypot_events(ts_ns);
CREATE INDEX honeypot_events_src ON honeypot_events(src);
)sql"},
    // Captures are known by "xxh3-128:<hex>" (content_digest_file()); rows written
    // before keep their bare SHA-256 hex, which ingest still recognises (and then
    // replaces by the new digest).
    Migration{4, "capture digests", R"sql(
ALTER TABLE captures RENAME COLUMN sha256 TO digest;
)sql"},
    // Live captures: what the kernel counted, per 5-minute bin of the wall clock at
    // which its counters were read (every 10 s, so at most 10 s late): packets its
    // filter passed and packets it dropped (buffer full, or at the interface). Counts
    // of a bin with drops are lower bounds; reports say so.
    Migration{5, "capture loss", R"sql(
CREATE TABLE capture_loss(
  capture_id INTEGER NOT NULL,
  sensor_id INTEGER NOT NULL,
  start INTEGER NOT NULL,          -- Unix seconds, a multiple of 300
  received INTEGER NOT NULL,
  dropped INTEGER NOT NULL,
  PRIMARY KEY(capture_id, start)
) WITHOUT ROWID;
CREATE INDEX capture_loss_time ON capture_loss(sensor_id, start);
)sql"},
};

}  // namespace

std::span<const Migration> migrations() noexcept { return kMigrations; }
int latest_schema_version() noexcept { return kMigrations.back().version; }

void prepare_schema(Database& db, bool migrate) {
  std::int64_t app_id = 0;
  std::int64_t version = 0;
  std::int64_t objects = 0;
  try {
    app_id = db.query_int("PRAGMA application_id");
    version = db.query_int("PRAGMA user_version");
    objects = db.query_int("SELECT count(*) FROM sqlite_master");
  } catch (const StoreError& e) {
    throw StoreError(db.path() + ": not a darkscope database (" + e.what() + ")", e.sqlite_code());
  }
  if (app_id != kApplicationId && !(app_id == 0 && version == 0 && objects == 0)) {
    throw StoreError(db.path() + ": not a darkscope database (SQLite application_id " +
                     std::to_string(app_id) + "); refusing to touch it");
  }
  if (version > latest_schema_version()) {
    throw StoreError(db.path() + ": written by a newer darkscope (schema version " +
                     std::to_string(version) + ", this build knows up to " +
                     std::to_string(latest_schema_version()) + "); upgrade darkscope");
  }
  if (version == latest_schema_version()) return;
  if (!migrate && version >= kOldestReadableSchema) return;
  if (!migrate) {
    throw StoreError(db.path() + (objects == 0 ? ": empty, no observations stored yet"
                                               : ": schema version " + std::to_string(version) +
                                                     " is older than this build's; run "
                                                     "`darkscope ingest` once to migrate it"));
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= version) continue;
    Transaction t(db);
    // Re-read inside the write lock: another writer may have migrated meanwhile.
    if (db.query_int("PRAGMA user_version") >= m.version) continue;
    db.exec(m.sql);
    db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
    db.exec("PRAGMA user_version = " + std::to_string(m.version));
    t.commit();
  }
}

bool has_table(Database& db, const char* name) {
  auto q = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  q.bind(1, std::string_view(name));
  return q.step();
}

}  // namespace darkscope
