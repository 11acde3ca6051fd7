// Small SVG charts for reports: daily line charts (dashed moving averages), stacked daily
// bars and horizontal bars. Self-contained markup (no scripts, no external fonts), readable
// in print, colours from the Okabe-Ito palette that stays distinct for colour-blind readers.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace darkscope {

/// The palette, in the order series take it.
[[nodiscard]] std::string_view chart_colour(std::size_t index) noexcept;

/// Escapes &, <, >, " and ' for XML/HTML text and attributes.
[[nodiscard]] std::string escape_xml(std::string_view text);

/// One line or bar stack; a missing value (nullopt) leaves a gap in a line.
struct ChartSeries {
  std::string label;
  std::vector<std::optional<double>> values;  ///< one per day
  std::size_t colour = 0;                     ///< palette index
  bool dashed = false;                        ///< moving averages are dashed
};

/// A chart over consecutive days.
struct DailyChart {
  std::string id;      ///< the svg element's id
  std::string title;   ///< accessible name (<title>); the caption is the caller's
  std::string x_label;
  std::string y_label;
  std::int64_t first_day = 0;  ///< days since 1970-01-01 of values[0]
  std::vector<ChartSeries> series;
  /// Tick text of a day ("04-01", "4/1").
  std::function<std::string(std::int64_t day)> day_label;
};

/// Lines with axes, ticks, dates, labels and a legend.
[[nodiscard]] std::string line_chart_svg(const DailyChart& chart);
/// Stacked bars per day (series stacked in order), with axes and a legend.
[[nodiscard]] std::string stacked_bar_chart_svg(const DailyChart& chart);

/// Horizontal bars, one per label, largest first as given.
struct BarChart {
  std::string id;
  std::string title;
  std::string x_label;
  std::vector<std::string> labels;
  std::vector<double> values;
  std::vector<std::string> value_labels;  ///< text after each bar ("24.2%")
};
[[nodiscard]] std::string bar_chart_svg(const BarChart& chart);

/// Axis numbers: 950, 1.2k, 3.5M, 2G.
[[nodiscard]] std::string short_number(double v);
/// Tick values from 0 to at least max_value, in 1/2/5 x 10^k steps, at most ~6 intervals.
[[nodiscard]] std::vector<double> nice_ticks(double max_value);

}  // namespace darkscope
