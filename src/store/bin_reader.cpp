#include "store/bin_reader.hpp"

#include <algorithm>
#include <set>

#include "core/time.hpp"
#include "store/schema.hpp"

namespace darkscope {

namespace {

/// The civil year and month of Unix seconds `s` (civil_from_days, H. Hinnant).
std::pair<std::int64_t, unsigned> civil_year_month(std::int64_t s) {
  const std::int64_t z = floor_to(s, kBin1d) / kBin1d + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const unsigned m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m};
}

}  // namespace

std::int64_t month_start(std::int64_t s) {
  const auto [y, m] = civil_year_month(s);
  return days_from_civil(static_cast<int>(y), m, 1) * kBin1d;
}

std::int64_t year_start(std::int64_t s) {
  const auto [y, m] = civil_year_month(s);
  (void)m;
  return days_from_civil(static_cast<int>(y), 1, 1) * kBin1d;
}

int span_of_width(std::int64_t bin_s) noexcept {
  switch (bin_s) {
    case kBin5m:
      return kSpan5m;
    case kBin1h:
      return kSpan1h;
    case kBin1d:
      return kSpanDay;
    default:
      return 0;
  }
}

std::int64_t period_end(int span, std::int64_t start) {
  switch (span) {
    case kSpan5m:
      return start + kBin5m;
    case kSpan1h:
      return start + kBin1h;
    case kSpanMonth:
      return month_start(start + 32 * kBin1d);
    case kSpanYear:
      return year_start(start + 367 * kBin1d);
    default:
      return start + kBin1d;
  }
}

std::vector<PeriodPiece> period_pieces(Database& db, std::int64_t sensor_id, std::int64_t from, std::int64_t to) {
  std::vector<PeriodPiece> out;
  if (from >= to) return out;
  std::set<std::pair<int, std::int64_t>> built;
  {
    auto s = db.prepare("SELECT span, start FROM rollups WHERE sensor_id = ? AND built = 1 AND start >= ? AND start < ?");
    s.bind(1, sensor_id).bind(2, from).bind(3, to);
    while (s.step()) built.emplace(static_cast<int>(s.column_int(0)), s.column_int(1));
  }
  std::int64_t d = from;
  while (d < to) {
    bool taken = false;
    for (const int span : {kSpanYear, kSpanMonth}) {
      const std::int64_t start = span == kSpanYear ? year_start(d) : month_start(d);
      if (start != d || built.count({span, d}) == 0) continue;
      const std::int64_t end = period_end(span, d);
      if (end > to) continue;
      out.push_back({span, d, end});
      d = end;
      taken = true;
      break;
    }
    if (taken) continue;
    const std::int64_t next = std::min(to, period_end(kSpanMonth, month_start(d)));
    if (!out.empty() && out.back().span == kSpanDay && out.back().end == d) {
      out.back().end = next;
    } else {
      out.push_back({kSpanDay, d, next});
    }
    d = next;
  }
  return out;
}

CaptureLoss read_capture_loss(Database& db, std::int64_t from, std::int64_t to,
                              std::int64_t sensor_id) {
  CaptureLoss out;
  if (!has_table(db, "capture_loss")) return out;
  auto s = db.prepare(
      "SELECT start - start % 86400, sum(received), sum(dropped) FROM capture_loss WHERE start >= "
      "? "
      "AND start < ? AND (?3 = 0 OR sensor_id = ?3) GROUP BY 1 ORDER BY 1");
  s.bind(1, from).bind(2, to).bind(3, sensor_id);
  while (s.step()) {
    const auto dropped = static_cast<std::uint64_t>(s.column_int(2));
    out.received += static_cast<std::uint64_t>(s.column_int(1));
    out.dropped += dropped;
    if (dropped > 0) out.days_with_drops.push_back(s.column_int(0));
  }
  return out;
}

std::vector<std::int64_t> query_sensors(Database& db, const std::optional<std::string>& name) {
  std::vector<std::int64_t> out;
  if (name) {
    auto s = db.prepare("SELECT id FROM sensors WHERE name = ?");
    s.bind(1, *name);
    if (!s.step()) throw StoreError(db.path() + ": no sensor named '" + *name + "'");
    out.push_back(s.column_int(0));
    return out;
  }
  auto s = db.prepare("SELECT id FROM sensors ORDER BY id");
  while (s.step()) out.push_back(s.column_int(0));
  return out;
}

const BinCell* find_cell(const std::vector<BinCell>& cells, std::uint32_t key) noexcept {
  const auto it = std::lower_bound(cells.begin(), cells.end(), key,
                                   [](const BinCell& c, std::uint32_t k) { return c.key < k; });
  return it != cells.end() && it->key == key ? &*it : nullptr;
}

void for_each_bin(Database& db, BinDimension dim, std::int64_t from, std::int64_t to,
                  const std::vector<std::int64_t>& sensors,
                  const std::function<void(const BinRow&, const std::vector<BinCell>&)>& f, bool days_only) {
  auto days = db.prepare(
      "SELECT start, capture_id, cells FROM bins WHERE span = 3 AND dim = ? AND start >= ? AND start < ? "
      "AND sensor_id = ?");
  auto rollup = db.prepare(
      "SELECT start, capture_id, cells FROM bins WHERE span = ? AND dim = ? AND start = ? AND sensor_id = ? "
      "AND capture_id = 0");
  const auto d = std::int64_t{static_cast<int>(dim)};
  std::vector<BinCell> cells;
  for (const std::int64_t sensor : sensors) {
    const std::vector<PeriodPiece> pieces =
        days_only ? std::vector<PeriodPiece>{{kSpanDay, from, to}} : period_pieces(db, sensor, from, to);
    for (const PeriodPiece& p : pieces) {
      Statement& s = p.span == kSpanDay ? days : rollup;
      if (p.span == kSpanDay) {
        s.bind(1, d).bind(2, p.start).bind(3, p.end).bind(4, sensor);
      } else {
        s.bind(1, std::int64_t{p.span}).bind(2, d).bind(3, p.start).bind(4, sensor);
      }
      while (s.step()) {
        if (!decode_cells(s.column_blob(2), cells)) throw StoreError(db.path() + ": stored bin cells are damaged");
        f(BinRow{p.span, s.column_int(0), sensor, s.column_int(1)}, cells);
      }
      s.reset();
    }
  }
}

SourceSet row_set(Database& db, BinDimension dim, std::uint32_t key, const BinRow& row) {
  auto s = db.prepare(
      "SELECT sets FROM bin_sets WHERE span = ? AND dim = ? AND start = ? AND sensor_id = ? AND capture_id = ? "
      "AND first_key <= ? ORDER BY first_key DESC LIMIT 1");
  s.bind(1, std::int64_t{row.span})
      .bind(2, std::int64_t{static_cast<int>(dim)})
      .bind(3, row.start)
      .bind(4, row.sensor)
      .bind(5, row.capture)
      .bind(6, std::int64_t{key});
  SourceSet set;
  if (s.step()) (void)find_set(s.column_blob(0), key, set);
  return set;
}

std::map<std::uint32_t, KeyTotals> key_totals(Database& db, BinDimension dim, std::int64_t from, std::int64_t to,
                                              const std::vector<std::int64_t>& sensors,
                                              const std::vector<std::uint32_t>* exact_sources) {
  std::map<std::uint32_t, KeyTotals> out;
  // Rows per key, for the keys whose sources are a union of several rows.
  std::map<std::uint32_t, std::vector<BinRow>> rows;
  std::set<std::uint32_t> wanted;
  if (exact_sources != nullptr) wanted.insert(exact_sources->begin(), exact_sources->end());
  for_each_bin(db, dim, from, to, sensors, [&](const BinRow& row, const std::vector<BinCell>& cells) {
    auto add = [&](const BinCell& c) {
      KeyTotals& t = out[c.key];
      t.packets += c.packets;
      t.bytes += c.bytes;
      t.sources += c.sources;
      rows[c.key].push_back(row);
    };
    if (exact_sources == nullptr) {
      for (const BinCell& c : cells) add(c);
      return;
    }
    for (const BinCell& c : cells) {
      KeyTotals& t = out[c.key];
      t.packets += c.packets;
      t.bytes += c.bytes;
      if (wanted.count(c.key) != 0) {
        t.sources += c.sources;
        rows[c.key].push_back(row);
      }
    }
  });
  for (auto& [key, r] : rows) {
    if (r.size() < 2) continue;
    std::vector<SourceSet> sets;
    for (const BinRow& row : r) sets.push_back(row_set(db, dim, key, row));
    out[key].sources = union_size(sets);
  }
  return out;
}

SourceSet source_set(Database& db, BinDimension dim, std::uint32_t key, std::int64_t from, std::int64_t to,
                     const std::vector<std::int64_t>& sensors) {
  std::vector<SourceSet> sets;
  for_each_bin(db, dim, from, to, sensors, [&](const BinRow& row, const std::vector<BinCell>& cells) {
    if (find_cell(cells, key) != nullptr) sets.push_back(row_set(db, dim, key, row));
  });
  return unite_all(sets);
}

std::uint64_t count_sources(Database& db, BinDimension dim, std::uint32_t key, std::int64_t from, std::int64_t to,
                            const std::vector<std::int64_t>& sensors) {
  const std::vector<std::uint32_t> keys = {key};
  const auto totals = key_totals(db, dim, from, to, sensors, &keys);
  const auto it = totals.find(key);
  return it != totals.end() ? it->second.sources : 0;
}

std::vector<std::int64_t> stored_days(Database& db, std::int64_t from, std::int64_t to,
                                      const std::vector<std::int64_t>& sensors) {
  std::set<std::int64_t> days;
  auto s = db.prepare("SELECT start FROM bins WHERE span = 3 AND dim = 0 AND start >= ? AND start < ? AND sensor_id = ?");
  for (const std::int64_t sensor : sensors) {
    s.bind(1, from).bind(2, to).bind(3, sensor);
    while (s.step()) days.insert(s.column_int(0));
    s.reset();
  }
  return {days.begin(), days.end()};
}

void for_each_source_record(Database& db, std::int64_t day, const std::vector<std::int64_t>& sensors,
                            const std::optional<IpAddress>& only,
                            const std::function<void(std::int64_t, const SourceRecord&)>& f) {
  auto all = db.prepare("SELECT records FROM source_chunks WHERE day = ? AND sensor_id = ?");
  auto one = db.prepare("SELECT records FROM source_chunks WHERE day = ? AND sensor_id = ? AND bucket = ?");
  std::vector<SourceRecord> records;
  for (const std::int64_t sensor : sensors) {
    Statement& s = only ? one : all;
    s.bind(1, day).bind(2, sensor);
    if (only) s.bind(3, std::int64_t{source_bucket(*only)});
    while (s.step()) {
      if (!decode_source_records(s.column_blob(0), day, records)) {
        throw StoreError(db.path() + ": source records are damaged");
      }
      for (const SourceRecord& r : records) {
        if (!only || r.src == *only) f(sensor, r);
      }
    }
    s.reset();
  }
}

std::map<std::uint32_t, std::string> scanner_names(Database& db) {
  std::map<std::uint32_t, std::string> out;
  auto s = db.prepare("SELECT id, name FROM scanner_names");
  while (s.step()) out[static_cast<std::uint32_t>(s.column_int(0))] = s.column_text(1);
  return out;
}

std::optional<std::uint32_t> scanner_id(Database& db, const std::string& name) {
  auto s = db.prepare("SELECT id FROM scanner_names WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return static_cast<std::uint32_t>(s.column_int(0));
}

std::string stored_key_text(BinDimension dim, std::uint32_t key, const std::map<std::uint32_t, std::string>& scanners) {
  if (dim == BinDimension::kScanner) {
    const auto it = scanners.find(key);
    return it != scanners.end() ? it->second : "org-" + std::to_string(key);
  }
  return bin_key_text(dim, key);
}

std::optional<std::uint32_t> stored_key(Database& db, BinDimension dim, const std::string& text) {
  if (dim == BinDimension::kScanner) return scanner_id(db, text);
  std::uint32_t key = 0;
  if (!parse_bin_key(dim, text, key)) return std::nullopt;
  return key;
}

}  // namespace darkscope
