// Read-side helpers over the store's count tables (bins, bin_sets, rollups,
// source_chunks), shared by `top`, `series`, events, profiles, feeds and reports.
// Every function works on any connection (read-only or the writer's).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analyze/bins.hpp"
#include "store/codec.hpp"
#include "store/observation_store.hpp"
#include "store/sqlite_db.hpp"

namespace darkscope {

/// Spans of the bins table.
inline constexpr int kSpan5m = 1;
inline constexpr int kSpan1h = 2;
inline constexpr int kSpanDay = 3;
inline constexpr int kSpanMonth = 4;
inline constexpr int kSpanYear = 5;
/// The span of a bin width (kBin5m, kBin1h, kBin1d); 0 for none.
[[nodiscard]] int span_of_width(std::int64_t bin_s) noexcept;

/// 00:00 UTC of the first day of the month / year holding `s` (Unix seconds).
[[nodiscard]] std::int64_t month_start(std::int64_t s);
[[nodiscard]] std::int64_t year_start(std::int64_t s);
/// The start of the next period of a span.
[[nodiscard]] std::int64_t period_end(int span, std::int64_t start);

/// A piece of a period: a built rollup (kSpanMonth or kSpanYear, one period) or a
/// run of days [start, end) read from the daily rows.
struct PeriodPiece {
  int span = kSpanDay;
  std::int64_t start = 0;
  std::int64_t end = 0;
};
/// [from, to) (whole days, Unix seconds) for one sensor: the largest built rollups
/// that fit, days for the rest.
[[nodiscard]] std::vector<PeriodPiece> period_pieces(Database& db, std::int64_t sensor_id,
                                                     std::int64_t from, std::int64_t to);

/// What live captures received and dropped in the 5-minute bins of [from, to) (Unix
/// seconds) of one sensor (0: every sensor); zeros on a schema 4 file, which has no
/// capture_loss table yet.
[[nodiscard]] CaptureLoss read_capture_loss(Database& db, std::int64_t from, std::int64_t to,
                                            std::int64_t sensor_id);

/// The sensor ids a query covers: the one named, or every sensor.
[[nodiscard]] std::vector<std::int64_t> query_sensors(Database& db, const std::optional<std::string>& name);

/// One row of the bins table.
struct BinRow {
  int span = kSpanDay;
  std::int64_t start = 0;
  std::int64_t sensor = 0;
  std::int64_t capture = 0;
};
/// The rows of `dim` that cover the whole days [from, to) for the sensors, with their
/// cells (decoded): built rollups where they fit, unless days_only.
void for_each_bin(Database& db, BinDimension dim, std::int64_t from, std::int64_t to,
                  const std::vector<std::int64_t>& sensors,
                  const std::function<void(const BinRow&, const std::vector<BinCell>&)>& f,
                  bool days_only = false);

/// A key's totals over a period: packets and bytes summed; sources exact (a union of
/// the rows' sets when more than one row has the key).
struct KeyTotals {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t sources = 0;
};
/// Every key of `dim` over the whole days [from, to). Sources are filled in only
/// for `exact_sources` keys (all keys when null): a union costs a set read per row.
[[nodiscard]] std::map<std::uint32_t, KeyTotals> key_totals(Database& db, BinDimension dim, std::int64_t from,
                                                            std::int64_t to, const std::vector<std::int64_t>& sensors,
                                                            const std::vector<std::uint32_t>* exact_sources);
/// The sources of one key over the days [from, to): the set, or its size.
[[nodiscard]] SourceSet source_set(Database& db, BinDimension dim, std::uint32_t key, std::int64_t from,
                                   std::int64_t to, const std::vector<std::int64_t>& sensors);
[[nodiscard]] std::uint64_t count_sources(Database& db, BinDimension dim, std::uint32_t key, std::int64_t from,
                                          std::int64_t to, const std::vector<std::int64_t>& sensors);
/// The set of `key` in one row (empty when it has none).
[[nodiscard]] SourceSet row_set(Database& db, BinDimension dim, std::uint32_t key, const BinRow& row);

/// Days (Unix seconds) in [from, to) on which the sensors stored anything.
[[nodiscard]] std::vector<std::int64_t> stored_days(Database& db, std::int64_t from, std::int64_t to,
                                                    const std::vector<std::int64_t>& sensors);

/// Calls f(sensor_id, record) for the source records of `day` (only those of
/// `only`, when given: one bucket is read).
void for_each_source_record(Database& db, std::int64_t day, const std::vector<std::int64_t>& sensors,
                            const std::optional<IpAddress>& only,
                            const std::function<void(std::int64_t, const SourceRecord&)>& f);

/// Scanner organisation names <-> the keys of the scanner dimension.
[[nodiscard]] std::map<std::uint32_t, std::string> scanner_names(Database& db);
[[nodiscard]] std::optional<std::uint32_t> scanner_id(Database& db, const std::string& name);

/// The text of a stored key ("tcp/23", "JP", the organisation's name, ...).
[[nodiscard]] std::string stored_key_text(BinDimension dim, std::uint32_t key,
                                          const std::map<std::uint32_t, std::string>& scanners);
/// The stored key of a text; nullopt when there is none.
[[nodiscard]] std::optional<std::uint32_t> stored_key(Database& db, BinDimension dim, const std::string& text);

/// The cell of `key` in cells ascending by key, or null.
[[nodiscard]] const BinCell* find_cell(const std::vector<BinCell>& cells, std::uint32_t key) noexcept;

}  // namespace darkscope
