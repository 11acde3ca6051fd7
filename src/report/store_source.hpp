// The report's read side over the SQLite store: daily bins, per-source-per-day rows
// and the events tables, on a read-only connection (works while an ingest runs).
#pragma once

#include <memory>
#include <string>

#include "report/report_source.hpp"

namespace darkscope {

/// Opens `db_path` read-only. sensor: a sensor name, or "" for every sensor.
/// Throws std::runtime_error when the file is not a darkscope store or has no such sensor.
[[nodiscard]] std::unique_ptr<ReportSource> open_store_report_source(const std::string& db_path,
                                                                     const std::string& sensor);

}  // namespace darkscope
