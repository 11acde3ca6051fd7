// What a report reads. The SQLite store implements it (store_source.hpp); so does an
// in-memory tally of packet records (record_source.hpp), used for captures and tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/report_model.hpp"

namespace darkscope {

/// Which packets a daily query counts, and by which key (SPEC.md, "Rankings").
enum class Measure {
  kAll,                      ///< every observed packet; one key "all"
  kResearch,                 ///< packets from research scanners; one key "research"
  kPorts,                    ///< port-charged packets by "tcp/N", "udp/N", "icmp"
  kPortsExcludingResearch,   ///< the same, research scanners left out
  kCountries,                ///< packets with a complete IP header by country ("" unknown)
  kMirai,                    ///< Mirai-type packets; one key "mirai"
  kMiraiCountries,           ///< Mirai-type packets by country
};

/// Daily packets of one key over a DayRange (index 0 = first day).
struct KeyDaily {
  std::string key;
  std::vector<std::uint64_t> daily;
};

/// The read side of the store, as a report needs it. Every query covers whole UTC days.
class ReportSource {
 public:
  virtual ~ReportSource() = default;
  /// Packets per key and day; keys without packets in the range may be left out.
  [[nodiscard]] virtual std::vector<KeyDaily> daily(Measure m, DayRange days) const = 0;
  /// Distinct source addresses; only Mirai-type senders when mirai_only; only those of
  /// `country` when it is not empty.
  [[nodiscard]] virtual std::uint64_t unique_sources(DayRange days, bool mirai_only,
                                                     const std::string& country) const = 0;
  /// The number of monitored darknet addresses (the configured prefixes, or, with none
  /// configured, the distinct destinations seen).
  [[nodiscard]] virtual std::uint64_t darknet_addresses(DayRange days) const = 0;
  /// The first day with any data, nullopt when there is none.
  [[nodiscard]] virtual std::optional<std::int64_t> first_day() const = 0;
  /// Events that started in the range: counts and the `limit` largest (by packets).
  [[nodiscard]] virtual EventSection<SurgeRow> surges(DayRange days, std::size_t limit) const = 0;
  [[nodiscard]] virtual EventSection<DosRow> dos_attacks(DayRange days, std::size_t limit) const = 0;
  [[nodiscard]] virtual EventSection<ScanRow> scans(DayRange days, std::size_t limit) const = 0;
  /// What live captures received and dropped in the range (none for captures read
  /// from files, whose every packet is counted).
  [[nodiscard]] virtual CaptureLossNote capture_loss(DayRange /*days*/) const { return {}; }
};

/// Builds the report of request.period from a source.
[[nodiscard]] ReportModel build_report(const ReportSource& source, const ReportRequest& request);

/// Builds the report from a darkscope SQLite store, opened read-only.
/// Throws std::runtime_error when the file cannot be opened or is not a store.
[[nodiscard]] ReportModel build_report(const std::string& db_path, const ReportRequest& request);

}  // namespace darkscope
