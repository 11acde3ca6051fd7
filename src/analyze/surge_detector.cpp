#include "analyze/surge_detector.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace darkscope {

double median_of(std::vector<double> values) {
  if (values.empty()) return 0;
  const std::size_t n = values.size();
  std::sort(values.begin(), values.end());
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

SurgeBaseline surge_baseline(const std::vector<std::int64_t>& covered_days,
                             const std::vector<double>& values, std::size_t index,
                             const SurgeOptions& options) {
  SurgeBaseline b;
  const std::int64_t day = covered_days[index];
  std::vector<double> window;
  std::vector<double> weekday;
  for (std::size_t j = index; j-- > 0;) {
    const std::int64_t age = day - covered_days[j];
    if (age > options.baseline_days) break;
    window.push_back(values[j]);
    if (age % 7 == 0) weekday.push_back(values[j]);
  }
  b.history = static_cast<int>(window.size());
  b.median = median_of(window);
  b.weekday_median = median_of(weekday);
  for (double& v : window) v = std::fabs(v - b.median);
  b.mad = median_of(std::move(window));
  return b;
}

std::vector<SurgeFinding> find_surges(const std::vector<std::int64_t>& covered_days,
                                      const std::vector<SurgeDay>& series,
                                      const SurgeOptions& options) {
  std::unordered_map<std::int64_t, const SurgeDay*> by_day;
  for (const auto& d : series) by_day[d.day] = &d;
  std::vector<double> packets(covered_days.size(), 0.0);
  std::vector<double> sources(covered_days.size(), 0.0);
  for (std::size_t i = 0; i < covered_days.size(); ++i) {
    const auto it = by_day.find(covered_days[i]);
    if (it == by_day.end()) continue;
    packets[i] = static_cast<double>(it->second->packets);
    sources[i] = static_cast<double>(it->second->sources);
  }

  struct Check {
    bool surging = false;
    double baseline = 0;
    double factor = 0;
  };
  const auto check = [&](const std::vector<double>& values, std::size_t i,
                         std::uint64_t min_volume) {
    Check c;
    const SurgeBaseline b = surge_baseline(covered_days, values, i, options);
    if (b.history < options.min_history_days) return c;
    const double v = values[i];
    c.baseline = b.baseline();
    c.factor = v / std::max(c.baseline, 1.0);
    c.surging = v >= static_cast<double>(min_volume) && c.factor >= options.min_factor &&
                v - b.median > options.mad_k * 1.4826 * b.mad;
    return c;
  };

  std::vector<SurgeFinding> out;
  bool surging_yesterday = false;
  std::int64_t yesterday = 0;
  for (std::size_t i = 0; i < covered_days.size(); ++i) {
    const std::int64_t day = covered_days[i];
    const Check p = check(packets, i, options.min_packets);
    const Check s = check(sources, i, options.min_sources);
    const bool surging = p.surging || s.surging;
    // Only the first day of a run of consecutive surge days is an event.
    if (surging && !(surging_yesterday && yesterday == day - 1)) {
      SurgeFinding f;
      f.day = day;
      f.packets = static_cast<std::uint64_t>(packets[i]);
      f.sources = static_cast<std::uint64_t>(sources[i]);
      f.metric = p.surging ? "packets" : "sources";
      f.baseline = p.surging ? p.baseline : s.baseline;
      f.factor = p.surging ? p.factor : s.factor;
      out.push_back(std::move(f));
    }
    surging_yesterday = surging;
    yesterday = day;
  }
  return out;
}

}  // namespace darkscope
