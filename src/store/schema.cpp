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
