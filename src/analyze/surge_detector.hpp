// Port surges (SPEC.md "Events"): a daily check of every port against its own
// recent baseline. Pure functions over daily counts, so the store, a test or a
// report can run them on whatever days they hold.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace darkscope {

/// How a surge is decided (docs/EVENTS.md explains the choice and how to tune it).
struct SurgeOptions {
  int baseline_days = 28;      ///< the baseline looks at this many days before the day checked
  int min_history_days = 14;   ///< covered days needed in that window before any check
  double min_factor = 5.0;     ///< day value / baseline needed
  double mad_k = 5.0;          ///< and day value above median + k * 1.4826 * MAD
  std::uint64_t min_packets = 1000;  ///< packets a day needs before it can surge on packets
  std::uint64_t min_sources = 50;    ///< unique sources a day needs to surge on sources
};

/// One port's counts on one day; days missing from a series count as zero when
/// the sensor covered them (see find_surges).
struct SurgeDay {
  std::int64_t day = 0;  ///< days since 1970-01-01 (UTC)
  std::uint64_t packets = 0;
  std::uint64_t sources = 0;
};

/// A surge's first day (later consecutive surge days are not new events).
struct SurgeFinding {
  std::int64_t day = 0;
  std::uint64_t packets = 0;
  std::uint64_t sources = 0;
  std::string metric;     ///< "packets" or "sources": which one crossed (packets first)
  double baseline = 0;    ///< of that metric: max(28-day median, same-weekday median)
  double factor = 0;      ///< value / max(baseline, 1)
};

/// The robust statistics of one metric on one day.
struct SurgeBaseline {
  double median = 0;          ///< over the covered days of the window
  double weekday_median = 0;  ///< over the covered days 7, 14, 21, 28 days before
  double mad = 0;             ///< median absolute deviation from `median`
  int history = 0;            ///< covered days in the window
  [[nodiscard]] double baseline() const noexcept {
    return median > weekday_median ? median : weekday_median;
  }
};

/// Median of values (the mean of the two middle ones for an even count; 0 when empty).
[[nodiscard]] double median_of(std::vector<double> values);

/// Baseline of `day` from `values` (indexed like `covered_days`).
[[nodiscard]] SurgeBaseline surge_baseline(const std::vector<std::int64_t>& covered_days,
                                           const std::vector<double>& values, std::size_t index,
                                           const SurgeOptions& options);

/// Checks every covered day of one port. covered_days: ascending days on which the
/// sensor recorded anything at all (a port absent on such a day had zero packets);
/// series: the port's non-zero days, any order. Returns each surge's first day.
[[nodiscard]] std::vector<SurgeFinding> find_surges(const std::vector<std::int64_t>& covered_days,
                                                    const std::vector<SurgeDay>& series,
                                                    const SurgeOptions& options);

/// A surge as stored and shown: the finding plus the port and who made it.
struct SurgeEvent {
  std::uint8_t protocol = 0;  ///< 6, 17 or 1 (the ICMP row)
  std::uint16_t port = 0;
  SurgeFinding finding;
  std::vector<std::pair<std::string, std::uint64_t>> fingerprints;  ///< name, packets; most first
  std::vector<std::pair<std::string, std::uint64_t>> countries;     ///< ISO code, packets; most first
};

}  // namespace darkscope
