// The period report as TSUBAME and NICTER publish it (SPEC.md, "Reports"): plain
// data, filled by build_report() and drawn by the renderers in render.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace darkscope {

/// Whole UTC days, both ends included, as days since 1970-01-01.
struct DayRange {
  std::int64_t first_day = 0;
  std::int64_t last_day = -1;

  [[nodiscard]] constexpr std::int64_t days() const noexcept {
    return last_day >= first_day ? last_day - first_day + 1 : 0;
  }
  [[nodiscard]] constexpr bool contains(std::int64_t day) const noexcept {
    return day >= first_day && day <= last_day;
  }
  /// The range of the same length that ends the day before this one starts.
  [[nodiscard]] constexpr DayRange preceding() const noexcept {
    return {first_day - days(), first_day - 1};
  }
  constexpr bool operator==(const DayRange&) const noexcept = default;
};

/// What to report on.
struct ReportRequest {
  DayRange period;
  std::optional<DayRange> previous;  ///< nullopt: period.preceding()
  std::string sensor;                ///< "" = every sensor
  std::size_t top_n = 10;
  std::string focus_country = "JP";  ///< ISO 3166 alpha-2 whose Mirai trend is shown
  std::size_t events_limit = 10;     ///< largest events listed per kind
};

/// One row of a ranking table (ports or countries).
struct RankedRow {
  int rank = 0;                      ///< 1-based, by the rule in ranking.hpp
  std::string key;                   ///< "tcp/23", "udp/53", "icmp"; or "US"
  std::uint64_t packets = 0;
  double share = 0;                  ///< packets / all packets of the ranking (0..1)
  std::optional<int> previous_rank;  ///< rank among every key of the previous period
  std::uint64_t previous_packets = 0;
  // Port rows only.
  std::string proto;                 ///< "tcp", "udp", "icmp"
  std::uint16_t port = 0;
  std::string service;               ///< "telnet"; "" when none
};

/// A daily series over the report period, index 0 = period.first_day.
struct DailySeries {
  std::string key;                   ///< ranking key, or a fixed name ("all", "mirai")
  std::vector<std::uint64_t> daily;
  /// Trailing 7-day mean per day; nullopt while fewer than 7 days of data exist.
  std::vector<std::optional<double>> moving_average_7d;
};

/// Headline numbers (NICTER's yearly figures).
struct ReportTotals {
  std::uint64_t packets = 0;            ///< every observed packet, malformed included
  std::uint64_t sources = 0;            ///< distinct source addresses
  std::uint64_t darknet_addresses = 0;  ///< monitored addresses
  double packets_per_address = 0;
  /// Period seconds / (packets / darknet addresses); nullopt when nothing arrived.
  std::optional<double> seconds_between_packets_per_address;
  std::uint64_t research_packets = 0;   ///< from known research scanner organisations
  double research_share = 0;
  std::uint64_t previous_packets = 0;
  /// (packets - previous) / previous; nullopt when the previous period saw nothing.
  std::optional<double> change_vs_previous;
};

/// Packets from one country (the focus country of the Mirai section).
struct CountryTrend {
  std::string country;
  std::uint64_t packets = 0;
  std::uint64_t sources = 0;
  double share = 0;                  ///< of all Mirai-type packets
  std::optional<int> rank;           ///< among Mirai source countries this period
  std::optional<int> previous_rank;
  std::uint64_t previous_packets = 0;
  DailySeries series;
};

/// Mirai-type packets (SPEC.md fingerprint `mirai`).
struct MiraiSection {
  std::uint64_t packets = 0;
  std::uint64_t sources = 0;
  double share_of_all = 0;
  DailySeries daily;                      ///< key "mirai"
  std::vector<RankedRow> top_countries;
  std::vector<DailySeries> country_series;  ///< daily of the top countries (figure)
  CountryTrend focus_country;
};

/// One slice of the destination-port distribution; key "other" is the rest.
struct DistributionSlice {
  std::string key;
  std::string service;
  std::uint64_t packets = 0;
  double share = 0;
};

/// A destination port whose daily packets jumped far above its baseline.
struct SurgeRow {
  std::int64_t day = 0;
  std::string port_key;
  std::uint64_t packets = 0;
  double baseline = 0;
  double factor = 0;
  std::uint64_t sources = 0;
  std::string fingerprint;  ///< dominant fingerprint, "" when none
};

/// A DoS attack seen through its backscatter.
struct DosRow {
  std::string victim;
  std::string protocol;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t ports = 0;
  std::uint64_t darknet_addresses = 0;
  double peak_pps = 0;
  double estimated_pps = 0;  ///< scaled by 2^32 / darknet size
};

/// An Internet-wide scan (>= 100 destinations, >= 10 pps estimated).
struct ScanRow {
  std::string source;
  std::string port_key;
  std::string traffic_class;
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::uint64_t packets = 0;
  std::uint64_t destinations = 0;
  double estimated_pps = 0;
  std::string country;
};

/// An event kind: how many there were, and the largest.
template <class Row>
struct EventSection {
  std::uint64_t count = 0;
  std::vector<Row> largest;
};

/// What live captures dropped in the period: packets no count holds.
struct CaptureLossNote {
  std::uint64_t received = 0;      ///< packets the kernels' capture filters passed
  std::uint64_t dropped = 0;       ///< of those, dropped before darkscope read them
  std::vector<std::int64_t> days;  ///< the days with drops (days since 1970-01-01)
  [[nodiscard]] double share() const noexcept {
    return received > 0 ? static_cast<double>(dropped) / static_cast<double>(received) : 0.0;
  }
};

/// Everything a period report shows.
struct ReportModel {
  DayRange period;
  DayRange previous;
  std::string sensor;
  std::size_t top_n = 10;
  bool previous_has_data = false;
  ReportTotals totals;
  std::vector<RankedRow> top_ports;
  std::vector<RankedRow> top_countries;
  std::vector<DailySeries> port_series;     ///< top ports, figure order
  std::vector<DailySeries> country_series;  ///< top countries, figure order
  MiraiSection mirai;
  std::vector<DistributionSlice> port_distribution_excluding_research;
  EventSection<SurgeRow> surges;
  EventSection<DosRow> dos_attacks;
  EventSection<ScanRow> scans;
  CaptureLossNote capture_loss;  ///< dropped == 0: nothing is missing
};

}  // namespace darkscope
