// HOW TO ADD A TABLE (any stage that stores something): append one row to
// kMigrations below with the next version number and the CREATE statements.
// Never edit or reorder a row that has been committed: databases in the field
// have already applied it; change a table with a new row (ALTER TABLE ...).
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
-- Additive counters per bin; one row per capture so that a capture's contribution
-- can be removed exactly (ingest --force).
CREATE TABLE bins(
  bin_s INTEGER NOT NULL,          -- 300, 3600, 86400
  dim INTEGER NOT NULL,            -- BinDimension
  start INTEGER NOT NULL,          -- Unix seconds
  key TEXT NOT NULL,
  sensor_id INTEGER NOT NULL,
  capture_id INTEGER NOT NULL,
  packets INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  sources INTEGER NOT NULL,        -- sub-day bins only (see docs/ARCHITECTURE.md)
  PRIMARY KEY(bin_s, dim, start, key, sensor_id, capture_id)
) WITHOUT ROWID;
CREATE TABLE source_days(
  day INTEGER NOT NULL,
  sensor_id INTEGER NOT NULL,
  src BLOB NOT NULL,               -- 4 bytes IPv4, 16 bytes IPv6
  capture_id INTEGER NOT NULL,
  packets INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  classes INTEGER NOT NULL,        -- bit i: TrafficClass i seen
  fingerprints INTEGER NOT NULL,   -- Fingerprint bits seen
  country TEXT NOT NULL,           -- ISO code or "unknown"
  asn INTEGER NOT NULL,
  org TEXT NOT NULL,               -- research-scanner organisation or ""
  first_ns INTEGER NOT NULL,
  last_ns INTEGER NOT NULL,
  PRIMARY KEY(day, sensor_id, src, capture_id)
) WITHOUT ROWID;
CREATE TABLE source_day_ports(
  day INTEGER NOT NULL,
  sensor_id INTEGER NOT NULL,
  port INTEGER NOT NULL,           -- PortKey::packed()
  src BLOB NOT NULL,
  capture_id INTEGER NOT NULL,
  packets INTEGER NOT NULL,
  PRIMARY KEY(day, sensor_id, port, src, capture_id)
) WITHOUT ROWID;
)sql"},
    Migration{2, "monthly rollups", R"sql(
-- Daily bins summed per calendar month over all captures: `top` over long periods
-- reads these. Rebuilt for every month an ingest touched (dirty_months).
CREATE TABLE month_bins(
  dim INTEGER NOT NULL,
  start INTEGER NOT NULL,          -- Unix seconds of the 1st, 00:00 UTC
  key TEXT NOT NULL,
  sensor_id INTEGER NOT NULL,
  packets INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY(dim, start, key, sensor_id)
) WITHOUT ROWID;
CREATE TABLE dirty_months(start INTEGER PRIMARY KEY);
)sql"},
    Migration{3, "events", R"sql(
-- Scan, DoS and surge events (docs/EVENTS.md). Re-ingesting a capture replaces
-- its events by key and start.
CREATE TABLE scan_events(
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
  internet_wide INTEGER NOT NULL,
  fingerprints INTEGER NOT NULL,
  PRIMARY KEY(sensor_id, source, proto, port, class, start_ns)
) WITHOUT ROWID;
CREATE INDEX scan_events_time ON scan_events(start_ns);
CREATE INDEX scan_events_source ON scan_events(source);
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
CREATE INDEX source_days_src ON source_days(src);
CREATE INDEX source_day_ports_src ON source_day_ports(src);
)sql"},
    Migration{4, "honeypot events", R"sql(
-- The telnet honeypot's Cowrie-style events (src/store/honeypot_events.hpp).
CREATE TABLE honeypot_events(
  id INTEGER PRIMARY KEY,
  ts_ns INTEGER NOT NULL,
  eventid TEXT NOT NULL,           -- cowrie.login.success, cowrie.command.input, ...
  session TEXT NOT NULL,
  sensor TEXT NOT NULL,
  src BLOB NOT NULL,               -- 4 bytes IPv4, 16 bytes IPv6 (joins source_days.src)
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

}  // namespace darkscope
