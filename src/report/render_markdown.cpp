// Markdown: the same sections, tables and findings as the HTML; figures become daily tables.
#include <fmt/format.h>

#include "core/time.hpp"
#include "report/render.hpp"
#include "report/report_text.hpp"

namespace darkscope {
namespace {

std::string md_cell(std::string v) {
  std::string out;
  for (char ch : v) {
    if (ch == '|') out += '\\';
    out += ch;
  }
  return out;
}

std::string md_table(const std::vector<std::string>& header,
                     const std::vector<std::vector<std::string>>& rows,
                     const std::vector<bool>& numeric) {
  std::string out = "|";
  for (const auto& h : header) out += " " + md_cell(h) + " |";
  out += "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) {
    out += (i < numeric.size() && numeric[i]) ? "---:|" : "---|";
  }
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (const auto& c : r) out += " " + md_cell(c) + " |";
    out += "\n";
  }
  return out + "\n";
}

std::string ranking(ReportLanguage lang, const std::vector<RankedRow>& rows, bool ports) {
  const ReportStrings& s = report_strings(lang);
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    cells.push_back({std::to_string(r.rank), row_label(lang, r), group_digits(r.packets),
                     percent(r.share) + "%", previous_rank_text(lang, r.previous_rank)});
  }
  return md_table({std::string(s.col_rank), std::string(ports ? s.col_port : s.col_country),
                   std::string(s.col_packets), std::string(s.col_share),
                   std::string(s.col_previous_rank)},
                  cells, {true, false, true, true, true});
}

std::string daily_table(ReportLanguage lang, const ReportModel& m,
                        const std::vector<DailySeries>& series,
                        const std::vector<std::string>& labels, bool averages) {
  const ReportStrings& s = report_strings(lang);
  std::vector<std::string> header = {std::string(s.col_day)};
  std::vector<bool> numeric = {false};
  for (std::size_t i = 0; i < series.size(); ++i) {
    header.push_back(labels[i]);
    numeric.push_back(true);
    if (averages) {
      header.push_back(fmt::format(fmt::runtime(s.moving_average), labels[i]));
      numeric.push_back(true);
    }
  }
  std::vector<std::vector<std::string>> rows;
  for (std::int64_t d = 0; d < m.period.days(); ++d) {
    const auto i = static_cast<std::size_t>(d);
    std::vector<std::string> r = {day_text(m.period.first_day + d)};
    for (const auto& ser : series) {
      r.push_back(group_digits(i < ser.daily.size() ? ser.daily[i] : 0));
      if (averages) {
        const auto& ma = i < ser.moving_average_7d.size() ? ser.moving_average_7d[i] : std::nullopt;
        r.push_back(ma ? fmt::format("{:.1f}", *ma) : std::string(s.none));
      }
    }
    rows.push_back(std::move(r));
  }
  return "<details><summary>" + std::string(s.axis_packets) + "</summary>\n\n" +
         md_table(header, rows, numeric) + "</details>\n\n";
}

struct Numbering {
  int figures = 0;
  int tables = 0;
  std::string table(const ReportStrings& s, const std::string& caption) {
    return "**" + fmt::format(fmt::runtime(s.label_table), ++tables) + " " + caption + "**\n\n";
  }
  std::string figure(const ReportStrings& s, const std::string& caption) {
    return "**" + fmt::format(fmt::runtime(s.label_figure), ++figures) + " " + caption + "**\n\n";
  }
};

std::string para(ReportLanguage lang, const std::vector<std::string>& s) {
  return s.empty() ? std::string() : join_sentences(lang, s) + "\n\n";
}

std::string time_text(std::int64_t ns) { return format_iso8601(floor_to(ns, kNsPerSecond)); }

}  // namespace

std::string render_markdown(const ReportModel& m, ReportLanguage lang) {
  const ReportStrings& s = report_strings(lang);
  const Findings f = report_findings(m, lang);
  Numbering n;
  std::string out = "# " + std::string(s.title) + "\n\n";
  out += fmt::format(fmt::runtime(s.subtitle_period), day_text(m.period.first_day),
                     day_text(m.period.last_day)) +
         "  \n";
  out += fmt::format(fmt::runtime(s.subtitle_previous), day_text(m.previous.first_day),
                     day_text(m.previous.last_day)) +
         "  \n";
  out += (m.sensor.empty() ? std::string(s.sensor_all) : fmt::format(fmt::runtime(s.sensor), m.sensor)) +
         "\n\n";

  out += "## " + std::string(s.h_overview) + "\n\n" + para(lang, f.overview) + para(lang, f.ports) +
         para(lang, f.countries) + para(lang, f.mirai) + para(lang, f.distribution) +
         para(lang, f.events);

  const ReportTotals& t = m.totals;
  std::string change(s.none);
  if (t.change_vs_previous) {
    change = (*t.change_vs_previous >= 0 ? "+" : "") + percent(*t.change_vs_previous) + "%";
  }
  out += "## " + std::string(s.h_totals) + "\n\n" + n.table(s, std::string(s.h_totals).substr(3));
  out += md_table(
      {std::string(s.col_item), std::string(s.col_value)},
      {{std::string(s.t_packets), group_digits(t.packets)},
       {std::string(s.t_sources), group_digits(t.sources)},
       {std::string(s.t_addresses), group_digits(t.darknet_addresses)},
       {std::string(s.t_packets_per_address), fmt::format("{:.1f}", t.packets_per_address)},
       {std::string(s.t_seconds_between),
        t.seconds_between_packets_per_address
            ? fmt::format("{:.1f}", *t.seconds_between_packets_per_address)
            : std::string(s.none)},
       {std::string(s.t_research_packets), group_digits(t.research_packets)},
       {std::string(s.t_research_share), percent(t.research_share) + "%"},
       {std::string(s.t_previous_packets), group_digits(t.previous_packets)},
       {std::string(s.t_change), change}},
      {false, true});

  out += "## " + std::string(s.h_ports) + "\n\n" + para(lang, f.ports);
  out += n.table(s, fmt::format(fmt::runtime(s.table_ports), m.top_n)) +
         ranking(lang, m.top_ports, true) + std::string(s.service_note) + "\n\n";
  std::vector<std::string> labels;
  for (const auto& ser : m.port_series) {
    for (const auto& r : m.top_ports) {
      if (r.key == ser.key) labels.push_back(row_label(lang, r));
    }
  }
  out += n.figure(s, std::string(s.fig_ports)) + daily_table(lang, m, m.port_series, labels, true);

  out += "## " + std::string(s.h_countries) + "\n\n" + para(lang, f.countries);
  out += n.table(s, fmt::format(fmt::runtime(s.table_countries), m.top_n)) +
         ranking(lang, m.top_countries, false);
  labels.clear();
  for (const auto& ser : m.country_series) labels.push_back(country_name(lang, ser.key));
  out += n.figure(s, std::string(s.fig_countries)) +
         daily_table(lang, m, m.country_series, labels, false);

  const MiraiSection& mi = m.mirai;
  out += "## " + std::string(s.h_mirai) + "\n\n" + para(lang, f.mirai);
  out += n.table(s, std::string(s.h_mirai).substr(3)) +
         md_table({std::string(s.col_item), std::string(s.col_value)},
                  {{std::string(s.t_mirai_packets), group_digits(mi.packets)},
                   {std::string(s.t_mirai_sources), group_digits(mi.sources)}},
                  {false, true});
  out += n.figure(s, std::string(s.fig_mirai)) +
         daily_table(lang, m, {mi.daily}, {std::string(s.t_mirai_packets)}, true);
  out += n.table(s, fmt::format(fmt::runtime(s.table_mirai_countries), m.top_n)) +
         ranking(lang, mi.top_countries, false);
  labels.clear();
  for (const auto& ser : mi.country_series) labels.push_back(country_name(lang, ser.key));
  out += n.figure(s, std::string(s.fig_mirai_countries)) +
         daily_table(lang, m, mi.country_series, labels, false);
  const std::string focus = country_name(lang, mi.focus_country.country);
  out += n.figure(s, fmt::format(fmt::runtime(s.fig_focus), focus)) +
         daily_table(lang, m, {mi.focus_country.series}, {focus}, true);

  out += "## " + std::string(s.h_distribution) + "\n\n" + para(lang, f.distribution);
  std::vector<std::vector<std::string>> cells;
  for (const auto& d : m.port_distribution_excluding_research) {
    cells.push_back({port_label(lang, d.key, d.service), group_digits(d.packets), percent(d.share) + "%"});
  }
  out += n.table(s, std::string(s.table_distribution)) +
         md_table({std::string(s.col_port), std::string(s.col_packets), std::string(s.col_share)},
                  cells, {false, true, true});

  out += "## " + std::string(s.h_events) + "\n\n" + para(lang, f.events);
  const auto count_line = [&](std::uint64_t count, std::size_t shown) {
    if (count == 0) return std::string(s.no_events) + "\n\n";
    return fmt::format(fmt::runtime(s.events_count), group_digits(count), shown) + "\n\n";
  };
  out += "### " + std::string(s.h_surges) + "\n\n" + count_line(m.surges.count, m.surges.largest.size());
  if (!m.surges.largest.empty()) {
    cells.clear();
    for (const auto& r : m.surges.largest) {
      cells.push_back({day_text(r.day), port_label(lang, r.port_key, ""), group_digits(r.packets),
                       fmt::format("{:.1f}", r.baseline), fmt::format("{:.1f}", r.factor),
                       group_digits(r.sources), r.fingerprint.empty() ? std::string(s.none) : r.fingerprint});
    }
    out += md_table({std::string(s.col_day), std::string(s.col_port), std::string(s.col_packets),
                     std::string(s.col_baseline), std::string(s.col_factor),
                     std::string(s.col_sources), std::string(s.col_fingerprint)},
                    cells, {false, false, true, true, true, true, false});
  }
  out += "### " + std::string(s.h_dos) + "\n\n" + count_line(m.dos_attacks.count, m.dos_attacks.largest.size());
  if (!m.dos_attacks.largest.empty()) {
    cells.clear();
    for (const auto& r : m.dos_attacks.largest) {
      cells.push_back({r.victim, r.protocol, time_text(r.start_ns), time_text(r.end_ns),
                       group_digits(r.packets), group_digits(r.bytes), group_digits(r.ports),
                       group_digits(r.darknet_addresses), fmt::format("{:.1f}", r.peak_pps),
                       fmt::format("{:.0f}", r.estimated_pps)});
    }
    out += md_table({std::string(s.col_victim), std::string(s.col_protocol), std::string(s.col_start),
                     std::string(s.col_end), std::string(s.col_packets), std::string(s.col_bytes),
                     std::string(s.col_ports), std::string(s.col_addresses), std::string(s.col_peak),
                     std::string(s.col_estimated)},
                    cells, {false, false, false, false, true, true, true, true, true, true});
  }
  out += "### " + std::string(s.h_scans) + "\n\n" + count_line(m.scans.count, m.scans.largest.size());
  if (!m.scans.largest.empty()) {
    cells.clear();
    for (const auto& r : m.scans.largest) {
      cells.push_back({r.source, country_name(lang, r.country), port_label(lang, r.port_key, ""),
                       r.traffic_class, time_text(r.first_ns), time_text(r.last_ns),
                       group_digits(r.packets), group_digits(r.destinations),
                       fmt::format("{:.0f}", r.estimated_pps)});
    }
    out += md_table({std::string(s.col_source), std::string(s.col_country), std::string(s.col_port),
                     std::string(s.col_class), std::string(s.col_start), std::string(s.col_end),
                     std::string(s.col_packets), std::string(s.col_destinations),
                     std::string(s.col_scan_rate)},
                    cells, {false, false, false, false, false, false, true, true, true});
  }
  return out;
}

}  // namespace darkscope
