#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/time.hpp"
#include "store/observation_store.hpp"
#include "store/schema.hpp"
#include "store/sqlite_db.hpp"

namespace darkscope {
namespace {

std::int64_t floor_day(std::int64_t s) { return floor_to(s, kBin1d); }
std::int64_t ceil_day(std::int64_t s) { return -floor_to(-s, kBin1d); }

/// 00:00 UTC of the first day of the month holding `s`.
std::int64_t month_start(std::int64_t s) {
  // civil_from_days (H. Hinnant), enough to find year and month.
  std::int64_t z = floor_day(s) / kBin1d + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const unsigned m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return days_from_civil(static_cast<int>(y), m, 1) * kBin1d;
}
std::int64_t next_month(std::int64_t month) { return month_start(month + 32 * kBin1d); }

std::string address_blob(const IpAddress& a) {
  if (a.is_v4()) return std::string(reinterpret_cast<const char*>(a.bytes.data() + 12), 4);
  return std::string(reinterpret_cast<const char*>(a.bytes.data()), 16);
}
std::string blob_address_text(const std::string& blob) {
  IpAddress a;
  if (blob.size() == 4) {
    a = IpAddress::v4(0);
    std::memcpy(a.bytes.data() + 12, blob.data(), 4);
  } else if (blob.size() == 16) {
    std::memcpy(a.bytes.data(), blob.data(), 16);
  }
  return a.to_string();
}

class SqliteStore final : public ObservationStore {
 public:
  SqliteStore(const std::string& path, bool writable)
      : db_(path, writable ? Database::Mode::kReadWrite : Database::Mode::kReadOnly) {
    if (writable) {
      lock_writer(path);
      try {
        db_.exec("PRAGMA journal_mode=WAL");
      } catch (const StoreError& e) {
        throw StoreError(path + ": not a darkscope database (" + e.what() + ")", e.sqlite_code());
      }
      // FULL: a committed checkpoint survives power loss too, and commits are rare.
      db_.exec("PRAGMA synchronous=NORMAL");
      // The bins and source tables are B-trees keyed like the flush: a large page cache
      // keeps their hot pages in memory between commits instead of re-reading them.
      db_.exec("PRAGMA cache_size=-262144");
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

  CaptureState begin_capture(int sensor, const CaptureFile& file, bool force) override {
    Transaction t(db_);
    CaptureState st;
    auto q = db_.prepare(
        "SELECT id, packets_done, complete FROM captures WHERE sensor_id = ? AND sha256 = ?");
    q.bind(1, std::int64_t{sensor}).bind(2, file.sha256);
    if (q.step()) {
      st.id = q.column_int(0);
      st.packets_done = static_cast<std::uint64_t>(q.column_int(1));
      st.complete = q.column_int(2) != 0;
      q.reset();
      if (force && (st.complete || st.packets_done > 0)) {
        remove_capture_rows(st.id);
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
      db_.prepare("INSERT INTO captures(sensor_id, sha256, path, size, started_at) "
                  "VALUES (?, ?, ?, ?, ?)")
          .bind(1, std::int64_t{sensor})
          .bind(2, file.sha256)
          .bind(3, file.path)
          .bind(4, static_cast<std::int64_t>(file.size))
          .bind(5, std::int64_t{std::time(nullptr)})
          .run();
      st.id = db_.query_int("SELECT last_insert_rowid()");
    }
    t.commit();
    return st;
  }

  void commit(std::int64_t capture_id, int sensor, const BinFlush& flush,
              std::uint64_t packets_done, bool complete) override {
    Transaction t(db_);
    if (!insert_bin_) {
      insert_bin_.emplace(db_.prepare(
          "INSERT INTO bins(bin_s, dim, start, key, sensor_id, capture_id, packets, bytes, sources) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
          "packets = packets + excluded.packets, bytes = bytes + excluded.bytes, "
          "sources = sources + excluded.sources"));
      insert_day_.emplace(db_.prepare(
          "INSERT INTO source_days(day, sensor_id, src, capture_id, packets, bytes, classes, "
          "fingerprints, country, asn, org, first_ns, last_ns) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
          "packets = packets + excluded.packets, bytes = bytes + excluded.bytes, "
          "classes = classes | excluded.classes, fingerprints = fingerprints | excluded.fingerprints, "
          "country = CASE WHEN country = 'unknown' THEN excluded.country ELSE country END, "
          "asn = CASE WHEN asn = 0 THEN excluded.asn ELSE asn END, "
          "org = CASE WHEN org = '' THEN excluded.org ELSE org END, "
          "first_ns = min(first_ns, excluded.first_ns), last_ns = max(last_ns, excluded.last_ns)"));
      insert_port_.emplace(db_.prepare(
          "INSERT INTO source_day_ports(day, sensor_id, port, src, capture_id, packets) "
          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET packets = packets + excluded.packets"));
      dirty_.emplace(db_.prepare("INSERT OR IGNORE INTO dirty_months(start) VALUES (?)"));
      progress_.emplace(db_.prepare(
          "UPDATE captures SET packets_done = ?, complete = ?, finished_at = ? WHERE id = ?"));
    }
    // Inserting in primary-key order touches each B-tree page once per commit.
    std::vector<const BinCell*> cells;
    cells.reserve(flush.cells.size());
    for (const BinCell& c : flush.cells) cells.push_back(&c);
    std::sort(cells.begin(), cells.end(), [](const BinCell* a, const BinCell* b) {
      return std::tie(a->bin_s, a->dim, a->start, a->key) < std::tie(b->bin_s, b->dim, b->start, b->key);
    });
    std::vector<const SourceDay*> days;
    days.reserve(flush.sources.size());
    for (const SourceDay& d : flush.sources) days.push_back(&d);
    std::sort(days.begin(), days.end(), [](const SourceDay* a, const SourceDay* b) {
      return std::tie(a->day, a->src) < std::tie(b->day, b->src);
    });
    std::vector<const SourceDayPort*> ports;
    ports.reserve(flush.source_ports.size());
    for (const SourceDayPort& p : flush.source_ports) ports.push_back(&p);
    std::sort(ports.begin(), ports.end(), [](const SourceDayPort* a, const SourceDayPort* b) {
      return std::tie(a->day, a->port, a->src) < std::tie(b->day, b->port, b->src);
    });
    std::set<std::int64_t> months;
    for (const BinCell* cp : cells) {
      const BinCell& c = *cp;
      insert_bin_->bind(1, c.bin_s)
          .bind(2, std::int64_t{static_cast<int>(c.dim)})
          .bind(3, c.start)
          .bind(4, c.key)
          .bind(5, std::int64_t{sensor})
          .bind(6, capture_id)
          .bind(7, static_cast<std::int64_t>(c.packets))
          .bind(8, static_cast<std::int64_t>(c.bytes))
          .bind(9, static_cast<std::int64_t>(c.sources))
          .run();
      if (c.bin_s == kBin1d) months.insert(month_start(c.start));
    }
    for (const SourceDay* dp : days) {
      const SourceDay& d = *dp;
      const std::string src = address_blob(d.src);
      insert_day_->bind(1, d.day)
          .bind(2, std::int64_t{sensor})
          .bind_blob(3, src.data(), static_cast<int>(src.size()))
          .bind(4, capture_id)
          .bind(5, static_cast<std::int64_t>(d.packets))
          .bind(6, static_cast<std::int64_t>(d.bytes))
          .bind(7, std::int64_t{d.classes})
          .bind(8, std::int64_t{d.fingerprints})
          .bind(9, country_key(d.country))
          .bind(10, std::int64_t{d.asn})
          .bind(11, d.org)
          .bind(12, d.first_ns)
          .bind(13, d.last_ns)
          .run();
    }
    for (const SourceDayPort* pp : ports) {
      const SourceDayPort& p = *pp;
      const std::string src = address_blob(p.src);
      insert_port_->bind(1, p.day)
          .bind(2, std::int64_t{sensor})
          .bind(3, std::int64_t{p.port})
          .bind_blob(4, src.data(), static_cast<int>(src.size()))
          .bind(5, capture_id)
          .bind(6, static_cast<std::int64_t>(p.packets))
          .run();
    }
    for (const std::int64_t m : months) dirty_->bind(1, m).run();
    progress_->bind(1, static_cast<std::int64_t>(packets_done))
        .bind(2, std::int64_t{complete ? 1 : 0});
    if (complete) {
      progress_->bind(3, std::int64_t{std::time(nullptr)});
    } else {
      progress_->bind_null(3);
    }
    progress_->bind(4, capture_id).run();
    t.commit();
  }

  void refresh_rollups() override {
    Transaction t(db_);
    std::vector<std::int64_t> months;
    {
      auto q = db_.prepare("SELECT start FROM dirty_months ORDER BY start");
      while (q.step()) months.push_back(q.column_int(0));
    }
    auto del = db_.prepare("DELETE FROM month_bins WHERE start = ?");
    auto ins = db_.prepare(
        "INSERT INTO month_bins(dim, start, key, sensor_id, packets, bytes) "
        "SELECT dim, ?1, key, sensor_id, sum(packets), sum(bytes) FROM bins "
        "WHERE bin_s = 86400 AND start >= ?1 AND start < ?2 GROUP BY dim, key, sensor_id");
    auto clean = db_.prepare("DELETE FROM dirty_months WHERE start = ?");
    for (const std::int64_t m : months) {
      del.bind(1, m).run();
      ins.bind(1, m).bind(2, next_month(m)).run();
      clean.bind(1, m).run();
    }
    t.commit();
  }

  std::uint64_t apply_retention(const Retention& r) override {
    Transaction t(db_);
    const std::int64_t newest = db_.query_int("SELECT coalesce(max(start), 0) FROM bins WHERE bin_s = 86400");
    std::uint64_t deleted = 0;
    auto del = db_.prepare("DELETE FROM bins WHERE bin_s = ? AND start < ?");
    const std::pair<std::int64_t, int> rules[] = {{kBin5m, r.keep_5m_days}, {kBin1h, r.keep_1h_days}};
    for (const auto& [width, days] : rules) {
      if (days <= 0) continue;
      // Keep `days` whole days counted back from the newest day stored.
      del.bind(1, width).bind(2, newest + kBin1d - std::int64_t{days} * kBin1d).run();
      deleted += static_cast<std::uint64_t>(db_.query_int("SELECT changes()"));
    }
    t.commit();
    return deleted;
  }

  std::vector<TopRow> top(const TopQuery& q) override;
  std::vector<SeriesPoint> series(const SeriesQuery& q) override;

  std::vector<SensorInfo> sensors() override {
    std::vector<SensorInfo> out;
    auto s = db_.prepare("SELECT name, prefixes, ipv4_size FROM sensors ORDER BY name");
    while (s.step()) out.push_back({s.column_text(0), s.column_text(1), s.column_double(2)});
    return out;
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

  void remove_capture_rows(std::int64_t capture_id) {
    db_.prepare("INSERT OR IGNORE INTO dirty_months(start) SELECT DISTINCT "
                "CAST(strftime('%s', start, 'unixepoch', 'start of month') AS INTEGER) "
                "FROM bins WHERE bin_s = 86400 AND capture_id = ?")
        .bind(1, capture_id)
        .run();
    for (const char* table : {"bins", "source_days", "source_day_ports"}) {
      db_.prepare(std::string("DELETE FROM ") + table + " WHERE capture_id = ?").bind(1, capture_id).run();
    }
  }

  std::optional<std::int64_t> find_sensor(const std::optional<std::string>& name) {
    if (!name) return std::nullopt;
    auto s = db_.prepare("SELECT id FROM sensors WHERE name = ?");
    s.bind(1, *name);
    if (!s.step()) throw StoreError(db_.path() + ": no sensor named '" + *name + "'");
    return s.column_int(0);
  }

  void add_bin_packets(std::unordered_map<std::string, std::uint64_t>& acc, const char* table,
                       std::int64_t bin_s, BinDimension dim, std::int64_t from, std::int64_t to,
                       std::optional<std::int64_t> sensor);
  std::unordered_map<std::string, std::uint64_t> source_counts(const std::string& by,
                                                               std::int64_t day_from,
                                                               std::int64_t day_to,
                                                               std::optional<std::int64_t> sensor,
                                                               const std::vector<std::string>& keys);

  Database db_;
  int lock_fd_ = -1;
  std::optional<Statement> insert_bin_, insert_day_, insert_port_, dirty_, progress_;
};

void SqliteStore::add_bin_packets(std::unordered_map<std::string, std::uint64_t>& acc,
                                  const char* table, std::int64_t bin_s, BinDimension dim,
                                  std::int64_t from, std::int64_t to,
                                  std::optional<std::int64_t> sensor) {
  if (from >= to) return;
  std::string sql = std::string("SELECT key, sum(packets) FROM ") + table + " WHERE ";
  if (std::string_view(table) == "bins") sql += "bin_s = " + std::to_string(bin_s) + " AND ";
  sql += "dim = ? AND start >= ? AND start < ?";
  if (sensor) sql += " AND sensor_id = ?";
  sql += " GROUP BY key";
  auto s = db_.prepare(sql);
  s.bind(1, std::int64_t{static_cast<int>(dim)}).bind(2, from).bind(3, to);
  if (sensor) s.bind(4, *sensor);
  while (s.step()) acc[s.column_text(0)] += static_cast<std::uint64_t>(s.column_int(1));
}

std::unordered_map<std::string, std::uint64_t> SqliteStore::source_counts(
    const std::string& by, std::int64_t day_from, std::int64_t day_to,
    std::optional<std::int64_t> sensor, const std::vector<std::string>& keys) {
  std::unordered_map<std::string, std::uint64_t> out;
  const std::string sensor_sql = sensor ? " AND sensor_id = " + std::to_string(*sensor) : "";
  if (by == "port") {
    // One indexed range per key: the primary key is (day, sensor, port, src).
    auto s = db_.prepare("SELECT count(DISTINCT src) FROM source_day_ports WHERE day >= ? AND "
                         "day < ? AND port = ?" + sensor_sql);
    for (const std::string& k : keys) {
      const auto pk = PortKey::parse(k);
      if (!pk) continue;
      s.bind(1, day_from).bind(2, day_to).bind(3, std::int64_t{pk->packed()});
      if (s.step()) out[k] = static_cast<std::uint64_t>(s.column_int(0));
      s.reset();
    }
    return out;
  }
  if (by == "class" || by == "fingerprint") {
    const bool cls = by == "class";
    const int n = cls ? kTrafficClassCount : kFingerprintCount;
    std::string sql = "SELECT ";
    for (int i = 0; i < n; ++i) {
      sql += std::string(i ? ", " : "") + "count(DISTINCT CASE WHEN " +
             (cls ? "classes" : "fingerprints") + " & " + std::to_string(1 << i) +
             " THEN src END)";
    }
    sql += " FROM source_days WHERE day >= ? AND day < ?" + sensor_sql;
    auto s = db_.prepare(sql);
    s.bind(1, day_from).bind(2, day_to);
    if (s.step()) {
      for (int i = 0; i < n; ++i) {
        out[std::string(cls ? kTrafficClassNames[i] : kFingerprintNames[i])] =
            static_cast<std::uint64_t>(s.column_int(i));
      }
    }
    return out;
  }
  const char* column = by == "country" ? "country" : by == "asn" ? "asn" : "org";
  auto s = db_.prepare(std::string("SELECT ") + column +
                       ", count(DISTINCT src) FROM source_days WHERE day >= ? AND day < ?" +
                       sensor_sql + " GROUP BY 1");
  s.bind(1, day_from).bind(2, day_to);
  while (s.step()) out[s.column_text(0)] = static_cast<std::uint64_t>(s.column_int(1));
  return out;
}

std::vector<TopRow> SqliteStore::top(const TopQuery& q) {
  const auto sensor = find_sensor(q.sensor);
  std::vector<TopRow> rows;
  if (q.from >= q.to) return rows;
  const std::string sensor_sql = sensor ? " AND sensor_id = " + std::to_string(*sensor) : "";
  if (q.by == "source") {
    auto s = db_.prepare("SELECT src, sum(packets) AS p FROM source_days WHERE day >= ? AND day < ?" +
                         sensor_sql + " GROUP BY src ORDER BY p DESC, src" +
                         (q.limit ? " LIMIT " + std::to_string(q.limit) : ""));
    s.bind(1, floor_day(q.from)).bind(2, ceil_day(q.to));
    while (s.step()) {
      rows.push_back({blob_address_text(s.column_blob(0)), static_cast<std::uint64_t>(s.column_int(1)), 1});
    }
    return rows;
  }
  BinDimension dim{};
  if (q.by == "total" || !parse_bin_dimension(q.by, dim)) {
    throw StoreError("top --by: unknown dimension '" + q.by +
                     "' (port, country, asn, class, fingerprint, scanner or source)");
  }
  std::unordered_map<std::string, std::uint64_t> packets;
  if (q.from % kBin1d == 0 && q.to % kBin1d == 0) {
    // Whole days: clean whole months from the rollup, the rest from daily bins.
    std::set<std::int64_t> dirty;
    {
      auto d = db_.prepare("SELECT start FROM dirty_months");
      while (d.step()) dirty.insert(d.column_int(0));
    }
    std::int64_t day_from = q.from;
    std::int64_t m = month_start(q.from);
    if (m < q.from) m = next_month(m);
    for (; next_month(m) <= q.to; m = next_month(m)) {
      if (dirty.count(m) != 0) continue;
      add_bin_packets(packets, "bins", kBin1d, dim, day_from, m, sensor);
      add_bin_packets(packets, "month_bins", 0, dim, m, next_month(m), sensor);
      day_from = next_month(m);
    }
    add_bin_packets(packets, "bins", kBin1d, dim, day_from, q.to, sensor);
  } else {
    const std::int64_t width = (q.from % kBin1h == 0 && q.to % kBin1h == 0) ? kBin1h : kBin5m;
    add_bin_packets(packets, "bins", width, dim, floor_to(q.from, width), q.to, sensor);
  }
  for (auto& [k, p] : packets) {
    if (p > 0) rows.push_back({k, p, 0});
  }
  std::sort(rows.begin(), rows.end(), [](const TopRow& a, const TopRow& b) {
    return a.packets != b.packets ? a.packets > b.packets : a.key < b.key;
  });
  if (q.limit && rows.size() > q.limit) rows.resize(q.limit);
  std::vector<std::string> keys;
  for (const TopRow& r : rows) keys.push_back(r.key);
  const auto sources = source_counts(q.by, floor_day(q.from), ceil_day(q.to), sensor, keys);
  for (TopRow& r : rows) {
    if (auto it = sources.find(r.key); it != sources.end()) r.sources = it->second;
  }
  return rows;
}

std::vector<SeriesPoint> SqliteStore::series(const SeriesQuery& q) {
  const auto sensor = find_sensor(q.sensor);
  std::vector<SeriesPoint> out;
  if (q.bin_s != kBin5m && q.bin_s != kBin1h && q.bin_s != kBin1d) {
    throw StoreError("series --bin: 5m, 1h or 1d");
  }
  const std::int64_t first = floor_to(q.from, q.bin_s);
  for (std::int64_t t = first; t < q.to; t += q.bin_s) out.push_back({t, 0, 0, 0});
  if (out.empty()) return out;
  const std::string sensor_sql = sensor ? " AND sensor_id = " + std::to_string(*sensor) : "";
  auto s = db_.prepare("SELECT start, sum(packets), sum(bytes), sum(sources) FROM bins WHERE "
                       "bin_s = ? AND dim = ? AND start >= ? AND start < ? AND key = ?" +
                       sensor_sql + " GROUP BY start");
  s.bind(1, q.bin_s).bind(2, std::int64_t{static_cast<int>(q.dim)}).bind(3, first).bind(4, q.to);
  s.bind(5, q.key);
  while (s.step()) {
    const std::int64_t i = (s.column_int(0) - first) / q.bin_s;
    out[i].packets = static_cast<std::uint64_t>(s.column_int(1));
    out[i].bytes = static_cast<std::uint64_t>(s.column_int(2));
    out[i].sources = static_cast<std::uint64_t>(s.column_int(3));
  }
  if (q.bin_s != kBin1d) return out;
  // Daily sources are exact: distinct sources of the source-day rows.
  std::string sql;
  std::optional<std::int64_t> int_arg;
  std::optional<std::string> text_arg;
  switch (q.dim) {
    case BinDimension::kTotal:
      sql = "SELECT day, count(DISTINCT src) FROM source_days WHERE day >= ? AND day < ?";
      break;
    case BinDimension::kPort: {
      const auto pk = PortKey::parse(q.key);
      if (!pk) return out;
      sql = "SELECT day, count(DISTINCT src) FROM source_day_ports WHERE day >= ? AND day < ? AND port = ?";
      int_arg = pk->packed();
      break;
    }
    case BinDimension::kClass:
    case BinDimension::kFingerprint: {
      const bool cls = q.dim == BinDimension::kClass;
      int bit = -1;
      for (int i = 0; i < (cls ? kTrafficClassCount : kFingerprintCount); ++i) {
        if ((cls ? kTrafficClassNames[i] : kFingerprintNames[i]) == q.key) bit = i;
      }
      if (bit < 0) return out;
      sql = std::string("SELECT day, count(DISTINCT src) FROM source_days WHERE day >= ? AND day < ? AND ") +
            (cls ? "classes" : "fingerprints") + " & " + std::to_string(1 << bit) + " != 0";
      break;
    }
    case BinDimension::kCountry:
      sql = "SELECT day, count(DISTINCT src) FROM source_days WHERE day >= ? AND day < ? AND country = ?";
      text_arg = q.key;
      break;
    case BinDimension::kAsn:
      sql = "SELECT day, count(DISTINCT src) FROM source_days WHERE day >= ? AND day < ? AND asn = ?";
      int_arg = std::stoll(q.key.empty() ? "0" : q.key);
      break;
    case BinDimension::kScanner:
      sql = "SELECT day, count(DISTINCT src) FROM source_days WHERE day >= ? AND day < ? AND org = ?";
      text_arg = q.key;
      break;
  }
  auto d = db_.prepare(sql + sensor_sql + " GROUP BY day");
  d.bind(1, first).bind(2, q.to);
  if (int_arg) d.bind(3, *int_arg);
  if (text_arg) d.bind(3, *text_arg);
  while (d.step()) out[(d.column_int(0) - first) / kBin1d].sources = static_cast<std::uint64_t>(d.column_int(1));
  return out;
}

}  // namespace

std::unique_ptr<ObservationStore> open_sqlite_store(const std::string& path, bool writable) {
  return std::make_unique<SqliteStore>(path, writable);
}

}  // namespace darkscope
