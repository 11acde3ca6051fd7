// The HTML report: one self-contained file that prints well (A4, figures kept whole).
#include <fmt/format.h>

#include "core/time.hpp"
#include "report/render.hpp"
#include "report/report_text.hpp"
#include "report/svg_chart.hpp"

namespace darkscope {
namespace {

constexpr std::string_view kStyle = R"(
body { font-family: 'Noto Sans CJK JP', 'Noto Sans JP', 'Noto Sans', Arial, sans-serif;
       color: #222; max-width: 960px; margin: 24px auto; padding: 0 16px; line-height: 1.6; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 2px solid #0072B2; padding-bottom: 2px; margin-top: 1.8em; }
h3 { font-size: 1.05em; margin-top: 1.2em; }
.meta { color: #444; margin: 0; }
table { border-collapse: collapse; margin: 0.4em 0 0.8em; font-size: 0.92em; }
th, td { border: 1px solid #999; padding: 3px 10px; }
th { background: #e8eef5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: bold; margin: 0.3em 0; }
svg.chart { max-width: 100%; height: auto; display: block; }
p.note { font-size: 0.85em; color: #444; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
)";

std::string esc(std::string_view s) { return escape_xml(s); }

struct Counter {
  int figures = 0;
  int tables = 0;
};

std::string paragraph(ReportLanguage lang, const std::vector<std::string>& sentences) {
  if (sentences.empty()) return {};
  return "<p class=\"finding\">" + esc(join_sentences(lang, sentences)) + "</p>\n";
}

// A table whose cells are already text; columns listed in `numeric` are right-aligned.
std::string table(const std::vector<std::string>& headers,
                  const std::vector<std::vector<std::string>>& rows,
                  const std::vector<bool>& numeric, const std::string& css_class) {
  std::string out = "<table class=\"" + css_class + "\">\n<thead><tr>";
  for (const auto& h : headers) out += "<th>" + esc(h) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool num = i < numeric.size() && numeric[i];
      out += num ? "<td class=\"num\">" : "<td>";
      out += esc(row[i]) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  return out;
}

std::string table_figure(Counter& n, const ReportStrings& s, const std::string& caption,
                         const std::string& body) {
  ++n.tables;
  return "<figure class=\"table\"><figcaption>" +
         esc(fmt::format(fmt::runtime(s.label_table), n.tables)) + " " + esc(caption) +
         "</figcaption>\n" + body + "</figure>\n";
}

std::string chart_figure(Counter& n, const ReportStrings& s, const std::string& caption,
                         const std::string& svg) {
  ++n.figures;
  return "<figure class=\"figure\">\n" + svg + "<figcaption>" +
         esc(fmt::format(fmt::runtime(s.label_figure), n.figures)) + " " + esc(caption) +
         "</figcaption>\n</figure>\n";
}

std::vector<std::optional<double>> as_values(const std::vector<std::uint64_t>& v) {
  std::vector<std::optional<double>> out;
  out.reserve(v.size());
  for (auto x : v) out.emplace_back(static_cast<double>(x));
  return out;
}

DailyChart daily_chart(ReportLanguage lang, const ReportModel& m, std::string id,
                       std::string title) {
  const ReportStrings& s = report_strings(lang);
  DailyChart c;
  c.id = std::move(id);
  c.title = std::move(title);
  c.x_label = std::string(s.axis_date);
  c.y_label = std::string(s.axis_packets);
  c.first_day = m.period.first_day;
  c.day_label = [lang](std::int64_t day) {
    const std::string d = day_text(day);  // YYYY-MM-DD
    const int month = std::stoi(d.substr(5, 2));
    const int dom = std::stoi(d.substr(8, 2));
    return fmt::format(fmt::runtime(report_strings(lang).date_short), month, dom);
  };
  return c;
}

// Each series as a solid line and, when asked, its 7-day average dashed in the same colour.
void add_lines(DailyChart& c, ReportLanguage lang, const std::vector<DailySeries>& series,
               const std::vector<std::string>& labels, bool with_average) {
  const ReportStrings& s = report_strings(lang);
  for (std::size_t i = 0; i < series.size(); ++i) {
    c.series.push_back({labels[i], as_values(series[i].daily), i, false});
    if (with_average) {
      c.series.push_back({fmt::format(fmt::runtime(s.moving_average), labels[i]),
                          series[i].moving_average_7d, i, true});
    }
  }
}

std::string ranking_table(ReportLanguage lang, const std::vector<RankedRow>& rows, bool ports) {
  const ReportStrings& s = report_strings(lang);
  std::vector<std::vector<std::string>> cells;
  for (const RankedRow& r : rows) {
    cells.push_back({std::to_string(r.rank), row_label(lang, r), group_digits(r.packets),
                     percent(r.share) + "%", previous_rank_text(lang, r.previous_rank)});
  }
  return table({std::string(s.col_rank), std::string(ports ? s.col_port : s.col_country),
                std::string(s.col_packets), std::string(s.col_share),
                std::string(s.col_previous_rank)},
               cells, {true, false, true, true, true}, ports ? "ranking ports" : "ranking countries");
}

std::string time_text(std::int64_t ns) { return format_iso8601(floor_to(ns, kNsPerSecond)); }

}  // namespace

std::string render_html(const ReportModel& m, ReportLanguage lang) {
  const ReportStrings& s = report_strings(lang);
  const Findings f = report_findings(m, lang);
  Counter n;
  std::string out;
  out += fmt::format("<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n",
                     s.lang);
  out += "<title>" + esc(s.title) + " " + day_text(m.period.first_day) + " - " +
         day_text(m.period.last_day) + "</title>\n<style>" + std::string(kStyle) +
         "</style>\n</head>\n<body>\n<header>\n";
  out += "<h1>" + esc(s.title) + "</h1>\n";
  out += "<p class=\"meta\">" +
         esc(fmt::format(fmt::runtime(s.subtitle_period), day_text(m.period.first_day),
                         day_text(m.period.last_day))) +
         "</p>\n";
  out += "<p class=\"meta\">" +
         esc(fmt::format(fmt::runtime(s.subtitle_previous), day_text(m.previous.first_day),
                         day_text(m.previous.last_day))) +
         "</p>\n";
  out += "<p class=\"meta\">" +
         esc(m.sensor.empty() ? std::string(s.sensor_all)
                              : fmt::format(fmt::runtime(s.sensor), m.sensor)) +
         "</p>\n</header>\n";

  // 1. Overview: every finding in words.
  out += "<section id=\"overview\">\n<h2>" + esc(s.h_overview) + "</h2>\n";
  out += paragraph(lang, f.overview) + paragraph(lang, f.ports) + paragraph(lang, f.countries) +
         paragraph(lang, f.mirai) + paragraph(lang, f.distribution) + paragraph(lang, f.events);
  out += "</section>\n";

  // 2. Totals.
  const ReportTotals& t = m.totals;
  const auto opt_number = [&](const std::optional<double>& v, int decimals) {
    return v ? fmt::format("{:.{}f}", *v, decimals) : std::string(s.none);
  };
  std::string change = std::string(s.none);
  if (t.change_vs_previous) {
    change = (*t.change_vs_previous >= 0 ? "+" : "") + percent(*t.change_vs_previous) + "%";
  }
  out += "<section id=\"totals\">\n<h2>" + esc(s.h_totals) + "</h2>\n";
  out += table_figure(
      n, s, std::string(s.h_totals).substr(3),
      table({std::string(s.col_item), std::string(s.col_value)},
            {{std::string(s.t_packets), group_digits(t.packets)},
             {std::string(s.t_sources), group_digits(t.sources)},
             {std::string(s.t_addresses), group_digits(t.darknet_addresses)},
             {std::string(s.t_packets_per_address), fmt::format("{:.1f}", t.packets_per_address)},
             {std::string(s.t_seconds_between), opt_number(t.seconds_between_packets_per_address, 1)},
             {std::string(s.t_research_packets), group_digits(t.research_packets)},
             {std::string(s.t_research_share), percent(t.research_share) + "%"},
             {std::string(s.t_previous_packets), group_digits(t.previous_packets)},
             {std::string(s.t_change), change}},
            {false, true}, "totals"));
  out += "</section>\n";

  // 3. Destination ports.
  std::vector<std::string> port_labels;
  for (const auto& series : m.port_series) {
    for (const auto& r : m.top_ports) {
      if (r.key == series.key) port_labels.push_back(row_label(lang, r));
    }
  }
  out += "<section id=\"ports\">\n<h2>" + esc(s.h_ports) + "</h2>\n" + paragraph(lang, f.ports);
  out += table_figure(n, s, fmt::format(fmt::runtime(s.table_ports), m.top_n),
                      ranking_table(lang, m.top_ports, true) + "<p class=\"note\">" +
                          esc(s.service_note) + "</p>\n");
  {
    DailyChart c = daily_chart(lang, m, "fig-ports", std::string(s.fig_ports));
    add_lines(c, lang, m.port_series, port_labels, true);
    out += chart_figure(n, s, std::string(s.fig_ports) + " (" + std::string(s.dashed_note) + ")",
                        line_chart_svg(c));
  }
  out += "</section>\n";

  // 4. Source regions.
  std::vector<std::string> country_labels;
  for (const auto& series : m.country_series) country_labels.push_back(country_name(lang, series.key));
  out += "<section id=\"countries\">\n<h2>" + esc(s.h_countries) + "</h2>\n" +
         paragraph(lang, f.countries);
  out += table_figure(n, s, fmt::format(fmt::runtime(s.table_countries), m.top_n),
                      ranking_table(lang, m.top_countries, false));
  {
    DailyChart c = daily_chart(lang, m, "fig-countries", std::string(s.fig_countries));
    add_lines(c, lang, m.country_series, country_labels, false);
    out += chart_figure(n, s, std::string(s.fig_countries), line_chart_svg(c));
  }
  out += "</section>\n";

  // 5. Mirai-type packets.
  const MiraiSection& mi = m.mirai;
  out += "<section id=\"mirai\">\n<h2>" + esc(s.h_mirai) + "</h2>\n" + paragraph(lang, f.mirai);
  out += table_figure(n, s, std::string(s.h_mirai).substr(3),
                      table({std::string(s.col_item), std::string(s.col_value)},
                            {{std::string(s.t_mirai_packets), group_digits(mi.packets)},
                             {std::string(s.t_mirai_sources), group_digits(mi.sources)}},
                            {false, true}, "mirai-totals"));
  {
    DailyChart c = daily_chart(lang, m, "fig-mirai", std::string(s.fig_mirai));
    add_lines(c, lang, {mi.daily}, {std::string(s.t_mirai_packets)}, true);
    out += chart_figure(n, s, std::string(s.fig_mirai) + " (" + std::string(s.dashed_note) + ")",
                        line_chart_svg(c));
  }
  out += table_figure(n, s, fmt::format(fmt::runtime(s.table_mirai_countries), m.top_n),
                      ranking_table(lang, mi.top_countries, false));
  {
    DailyChart c = daily_chart(lang, m, "fig-mirai-countries", std::string(s.fig_mirai_countries));
    for (std::size_t i = 0; i < mi.country_series.size(); ++i) {
      c.series.push_back({country_name(lang, mi.country_series[i].key),
                          as_values(mi.country_series[i].daily), i, false});
    }
    out += chart_figure(n, s, std::string(s.fig_mirai_countries), stacked_bar_chart_svg(c));
  }
  {
    const std::string focus = country_name(lang, mi.focus_country.country);
    const std::string title = fmt::format(fmt::runtime(s.fig_focus), focus);
    DailyChart c = daily_chart(lang, m, "fig-focus", title);
    add_lines(c, lang, {mi.focus_country.series}, {focus}, true);
    out += chart_figure(n, s, title + " (" + std::string(s.dashed_note) + ")", line_chart_svg(c));
  }
  out += "</section>\n";

  // 6. Ports without research scanning.
  out += "<section id=\"distribution\">\n<h2>" + esc(s.h_distribution) + "</h2>\n" +
         paragraph(lang, f.distribution);
  {
    BarChart b;
    b.id = "fig-distribution";
    b.title = std::string(s.fig_distribution);
    b.x_label = std::string(s.col_packets);
    std::vector<std::vector<std::string>> cells;
    for (const auto& d : m.port_distribution_excluding_research) {
      const std::string label = port_label(lang, d.key, d.service);
      b.labels.push_back(label);
      b.values.push_back(static_cast<double>(d.packets));
      b.value_labels.push_back(percent(d.share) + "%");
      cells.push_back({label, group_digits(d.packets), percent(d.share) + "%"});
    }
    out += chart_figure(n, s, std::string(s.fig_distribution), bar_chart_svg(b));
    out += table_figure(n, s, std::string(s.table_distribution),
                        table({std::string(s.col_port), std::string(s.col_packets),
                               std::string(s.col_share)},
                              cells, {false, true, true}, "distribution"));
  }
  out += "</section>\n";

  // 7. Events.
  out += "<section id=\"events\">\n<h2>" + esc(s.h_events) + "</h2>\n" + paragraph(lang, f.events);
  const auto count_line = [&](std::uint64_t count, std::size_t shown) {
    if (count == 0) return "<p>" + esc(s.no_events) + "</p>\n";
    return "<p>" + esc(fmt::format(fmt::runtime(s.events_count), group_digits(count), shown)) +
           "</p>\n";
  };
  out += "<h3>" + esc(s.h_surges) + "</h3>\n" + count_line(m.surges.count, m.surges.largest.size());
  if (!m.surges.largest.empty()) {
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : m.surges.largest) {
      cells.push_back({day_text(r.day), port_label(lang, r.port_key, ""), group_digits(r.packets),
                       fmt::format("{:.1f}", r.baseline), fmt::format("{:.1f}", r.factor),
                       group_digits(r.sources), r.fingerprint.empty() ? std::string(s.none) : r.fingerprint});
    }
    out += table_figure(n, s, std::string(s.h_surges),
                        table({std::string(s.col_day), std::string(s.col_port),
                               std::string(s.col_packets), std::string(s.col_baseline),
                               std::string(s.col_factor), std::string(s.col_sources),
                               std::string(s.col_fingerprint)},
                              cells, {false, false, true, true, true, true, false}, "surges"));
  }
  out += "<h3>" + esc(s.h_dos) + "</h3>\n" + count_line(m.dos_attacks.count, m.dos_attacks.largest.size());
  if (!m.dos_attacks.largest.empty()) {
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : m.dos_attacks.largest) {
      cells.push_back({r.victim, r.protocol, time_text(r.start_ns), time_text(r.end_ns),
                       group_digits(r.packets), group_digits(r.bytes), group_digits(r.ports),
                       group_digits(r.darknet_addresses), fmt::format("{:.1f}", r.peak_pps),
                       short_number(r.estimated_pps)});
    }
    out += table_figure(
        n, s, std::string(s.h_dos),
        table({std::string(s.col_victim), std::string(s.col_protocol), std::string(s.col_start),
               std::string(s.col_end), std::string(s.col_packets), std::string(s.col_bytes),
               std::string(s.col_ports), std::string(s.col_addresses), std::string(s.col_peak),
               std::string(s.col_estimated)},
              cells, {false, false, false, false, true, true, true, true, true, true}, "dos"));
  }
  out += "<h3>" + esc(s.h_scans) + "</h3>\n" + count_line(m.scans.count, m.scans.largest.size());
  if (!m.scans.largest.empty()) {
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : m.scans.largest) {
      cells.push_back({r.source, country_name(lang, r.country), port_label(lang, r.port_key, ""),
                       r.traffic_class, time_text(r.first_ns), time_text(r.last_ns),
                       group_digits(r.packets), group_digits(r.destinations),
                       short_number(r.estimated_pps)});
    }
    out += table_figure(
        n, s, std::string(s.h_scans),
        table({std::string(s.col_source), std::string(s.col_country), std::string(s.col_port),
               std::string(s.col_class), std::string(s.col_start), std::string(s.col_end),
               std::string(s.col_packets), std::string(s.col_destinations),
               std::string(s.col_scan_rate)},
              cells, {false, false, false, false, false, false, true, true, true}, "scans"));
  }
  out += "</section>\n<footer><p class=\"note\">" + esc(s.generated_by) + "</p></footer>\n";
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace darkscope
