#include "report/svg_chart.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

namespace darkscope {
namespace {

// Okabe & Ito (2008); yellow is left out, it vanishes on white paper.
constexpr std::array<std::string_view, 7> kPalette = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                                      "#D55E00", "#56B4E9", "#000000"};

constexpr double kWidth = 900;
constexpr double kPlotLeft = 80;
constexpr double kPlotRight = 880;
constexpr double kPlotTop = 20;
constexpr double kPlotBottom = 280;
constexpr double kLegendTop = 348;
constexpr double kLegendRowHeight = 20;
constexpr double kLegendColumnWidth = 270;
constexpr int kLegendColumns = 3;
constexpr std::string_view kFont =
    "font-family=\"'Noto Sans CJK JP','Noto Sans JP','Noto Sans',Arial,sans-serif\"";

std::string num(double v) { return fmt::format("{:.1f}", v); }

double max_value(const std::vector<ChartSeries>& series, bool stacked) {
  double m = 0;
  if (stacked) {
    std::size_t n = 0;
    for (const auto& s : series) n = std::max(n, s.values.size());
    for (std::size_t i = 0; i < n; ++i) {
      double sum = 0;
      for (const auto& s : series) {
        if (i < s.values.size() && s.values[i]) sum += *s.values[i];
      }
      m = std::max(m, sum);
    }
  } else {
    for (const auto& s : series) {
      for (const auto& v : s.values) {
        if (v) m = std::max(m, *v);
      }
    }
  }
  return m;
}

std::size_t day_count(const DailyChart& c) {
  std::size_t n = 0;
  for (const auto& s : c.series) n = std::max(n, s.values.size());
  return n;
}

struct Frame {
  std::size_t days = 0;
  double y_max = 1;
  bool bars = false;
  [[nodiscard]] double x(std::size_t day) const {
    const double slots = bars ? static_cast<double>(days) : static_cast<double>(std::max<std::size_t>(days - 1, 1));
    const double offset = bars ? 0.5 : (days == 1 ? 0.5 : 0.0);
    return kPlotLeft + (static_cast<double>(day) + offset) * (kPlotRight - kPlotLeft) /
                           (days == 1 && !bars ? 1.0 : slots);
  }
  [[nodiscard]] double y(double v) const {
    return kPlotBottom - v / y_max * (kPlotBottom - kPlotTop);
  }
};

std::size_t legend_rows(std::size_t entries) {
  return (entries + kLegendColumns - 1) / kLegendColumns;
}

std::string open_svg(const std::string& id, const std::string& title, double height) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{0}\" class=\"chart\" role=\"img\" "
      "aria-labelledby=\"{0}-title\" viewBox=\"0 0 {1} {2}\" width=\"{1}\" height=\"{2}\" {3} "
      "font-size=\"12\">\n<title id=\"{0}-title\">{4}</title>\n"
      "<rect x=\"0\" y=\"0\" width=\"{1}\" height=\"{2}\" fill=\"#ffffff\"/>\n",
      escape_xml(id), kWidth, height, kFont, escape_xml(title));
}

// Axes, grid, ticks and labels of a daily chart.
std::string axes(const DailyChart& c, const Frame& f, const std::vector<double>& ticks) {
  std::string out = "<g class=\"grid\" stroke=\"#d9d9d9\" stroke-width=\"1\">\n";
  for (double t : ticks) {
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n", num(kPlotLeft),
                       num(f.y(t)), num(kPlotRight), num(f.y(t)));
  }
  out += "</g>\n<g class=\"axis y-axis\" fill=\"#222222\">\n";
  out += fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#222222\" stroke-width=\"1.5\"/>\n",
      num(kPlotLeft), num(kPlotTop), num(kPlotBottom));
  for (double t : ticks) {
    out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#222222\"/>"
        "<text x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{5}</text>\n",
        num(kPlotLeft - 5), num(f.y(t)), num(kPlotLeft), num(kPlotLeft - 8), num(f.y(t) + 4),
        short_number(t));
  }
  out += fmt::format(
      "<text class=\"axis-label\" transform=\"translate(18,{}) rotate(-90)\" "
      "text-anchor=\"middle\">{}</text>\n</g>\n",
      num((kPlotTop + kPlotBottom) / 2), escape_xml(c.y_label));
  out += "<g class=\"axis x-axis\" fill=\"#222222\">\n";
  out += fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#222222\" stroke-width=\"1.5\"/>\n",
      num(kPlotLeft), num(kPlotBottom), num(kPlotRight));
  // About ten date labels at most, on steps a reader counts in (days, weeks, months).
  constexpr std::array<std::size_t, 8> kSteps = {1, 2, 7, 14, 28, 56, 91, 182};
  std::size_t step = kSteps.back();
  for (std::size_t s : kSteps) {
    if (f.days / s <= 10) {
      step = s;
      break;
    }
  }
  for (std::size_t d = 0; d < f.days; d += step) {
    const std::string label =
        c.day_label ? c.day_label(c.first_day + static_cast<std::int64_t>(d)) : std::to_string(d);
    out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#222222\"/>"
        "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
        num(f.x(d)), num(kPlotBottom), num(kPlotBottom + 5), num(kPlotBottom + 19),
        escape_xml(label));
  }
  out += fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n</g>\n",
                     num((kPlotLeft + kPlotRight) / 2), num(kPlotBottom + 40), escape_xml(c.x_label));
  return out;
}

std::string legend(const std::vector<ChartSeries>& series, bool swatches) {
  std::string out = "<g class=\"legend\" fill=\"#222222\">\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double x = kPlotLeft + static_cast<double>(i % kLegendColumns) * kLegendColumnWidth;
    const double y = kLegendTop + static_cast<double>(i / kLegendColumns) * kLegendRowHeight;
    const auto colour = chart_colour(series[i].colour);
    if (swatches) {
      out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"10\" fill=\"{}\"/>", num(x),
                         num(y - 9), colour);
    } else {
      out += fmt::format(
          "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2.5\"{}/>",
          num(x), num(y - 4), num(x + 22), num(y - 4), colour,
          series[i].dashed ? " stroke-dasharray=\"6 4\"" : "");
    }
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(x + 28), num(y),
                       escape_xml(series[i].label));
  }
  out += "</g>\n";
  return out;
}

double chart_height(std::size_t legend_entries) {
  return kLegendTop + static_cast<double>(legend_rows(legend_entries)) * kLegendRowHeight + 10;
}

}  // namespace

std::string_view chart_colour(std::size_t index) noexcept {
  return kPalette[index % kPalette.size()];
}

std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string short_number(double v) {
  const double a = std::fabs(v);
  auto trim = [](std::string s) {
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s;
  };
  if (a >= 1e9) return trim(fmt::format("{:.2f}", v / 1e9)) + "G";
  if (a >= 1e6) return trim(fmt::format("{:.2f}", v / 1e6)) + "M";
  if (a >= 1e3) return trim(fmt::format("{:.2f}", v / 1e3)) + "k";
  return trim(fmt::format("{:.2f}", v));
}

std::vector<double> nice_ticks(double max_value) {
  if (!(max_value > 0)) return {0, 1};
  const double raw = max_value / 6;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  }
  std::vector<double> ticks;
  for (double t = 0; ticks.empty() || ticks.back() < max_value; t += step) ticks.push_back(t);
  return ticks;
}

std::string line_chart_svg(const DailyChart& c) {
  Frame f;
  f.days = day_count(c);
  const auto ticks = nice_ticks(max_value(c.series, false));
  f.y_max = ticks.back();
  std::string out = open_svg(c.id, c.title, chart_height(c.series.size()));
  out += axes(c, f, ticks);
  out += "<g class=\"series\" fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\">\n";
  for (const auto& s : c.series) {
    const auto colour = chart_colour(s.colour);
    std::string path;
    bool pen_down = false;
    std::size_t points = 0;
    for (std::size_t i = 0; i < s.values.size(); ++i) {
      if (!s.values[i]) {
        pen_down = false;
        continue;
      }
      path += fmt::format("{}{},{} ", pen_down ? "L" : "M", num(f.x(i)), num(f.y(*s.values[i])));
      pen_down = true;
      ++points;
    }
    if (points == 0) continue;
    out += fmt::format("<path d=\"{}\" stroke=\"{}\"{}><title>{}</title></path>\n", path, colour,
                       s.dashed ? " stroke-dasharray=\"6 4\"" : "", escape_xml(s.label));
    // Markers keep short or sparse series visible, where a path alone may be a dot.
    if (!s.dashed && f.days <= 31) {
      for (std::size_t i = 0; i < s.values.size(); ++i) {
        if (s.values[i]) {
          out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" fill=\"{}\"/>", num(f.x(i)),
                             num(f.y(*s.values[i])), colour);
        }
      }
      out += "\n";
    }
  }
  out += "</g>\n";
  out += legend(c.series, false);
  out += "</svg>\n";
  return out;
}

std::string stacked_bar_chart_svg(const DailyChart& c) {
  Frame f;
  f.days = day_count(c);
  f.bars = true;
  const auto ticks = nice_ticks(max_value(c.series, true));
  f.y_max = ticks.back();
  std::string out = open_svg(c.id, c.title, chart_height(c.series.size()));
  out += axes(c, f, ticks);
  const double slot = (kPlotRight - kPlotLeft) / static_cast<double>(std::max<std::size_t>(f.days, 1));
  const double bar = std::max(1.0, slot * 0.8);
  out += "<g class=\"series\">\n";
  std::vector<double> base(f.days, 0);
  for (const auto& s : c.series) {
    const auto colour = chart_colour(s.colour);
    out += fmt::format("<g fill=\"{}\"><title>{}</title>", colour, escape_xml(s.label));
    for (std::size_t i = 0; i < s.values.size() && i < f.days; ++i) {
      const double v = s.values[i].value_or(0);
      if (v <= 0) continue;
      const double top = f.y(base[i] + v);
      const double bottom = f.y(base[i]);
      out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                         num(f.x(i) - bar / 2), num(top), num(bar), num(bottom - top));
      base[i] += v;
    }
    out += "</g>\n";
  }
  out += "</g>\n";
  out += legend(c.series, true);
  out += "</svg>\n";
  return out;
}

std::string bar_chart_svg(const BarChart& c) {
  constexpr double kRow = 26;
  constexpr double kLabelWidth = 190;
  constexpr double kTop = 10;
  const double plot_left = kLabelWidth;
  const double plot_right = kWidth - 90;
  const double height = kTop + static_cast<double>(c.labels.size()) * kRow + 50;
  double m = 0;
  for (double v : c.values) m = std::max(m, v);
  const auto ticks = nice_ticks(m);
  const double x_max = ticks.back();
  auto x = [&](double v) { return plot_left + v / x_max * (plot_right - plot_left); };
  const double plot_bottom = kTop + static_cast<double>(c.labels.size()) * kRow;

  std::string out = open_svg(c.id, c.title, height);
  out += "<g class=\"grid\" stroke=\"#d9d9d9\">\n";
  for (double t : ticks) {
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n", num(x(t)),
                       num(kTop), num(plot_bottom));
  }
  out += "</g>\n<g class=\"series\">\n";
  for (std::size_t i = 0; i < c.labels.size(); ++i) {
    const double y = kTop + static_cast<double>(i) * kRow;
    const double v = i < c.values.size() ? c.values[i] : 0;
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#222222\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\" fill=\"#222222\">{}</text>\n",
        num(plot_left - 8), num(y + 17), escape_xml(c.labels[i]), num(plot_left), num(y + 4),
        num(std::max(0.0, x(v) - plot_left)), num(kRow - 8), chart_colour(0),
        num(x(v) + 6), num(y + 17),
        escape_xml(i < c.value_labels.size() ? c.value_labels[i] : short_number(v)));
  }
  out += "</g>\n<g class=\"axis x-axis\" fill=\"#222222\">\n";
  out += fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#222222\" stroke-width=\"1.5\"/>\n",
      num(plot_left), num(plot_bottom), num(plot_right));
  for (double t : ticks) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num(x(t)),
                       num(plot_bottom + 16), short_number(t));
  }
  out += fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                     num((plot_left + plot_right) / 2), num(plot_bottom + 38), escape_xml(c.x_label));
  out += "</g>\n</svg>\n";
  return out;
}

}  // namespace darkscope
