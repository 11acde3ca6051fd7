// CSV: one file per table, RFC 4180 quoting, a header row of the JSON key names.
#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

#include "core/time.hpp"
#include "report/render.hpp"
#include "report/report_text.hpp"

namespace darkscope {
namespace {

std::string cell(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

class Csv {
 public:
  explicit Csv(const std::vector<std::string>& header) { row(header); }
  void row(const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) text_ += ',';
      text_ += cell(cells[i]);
    }
    text_ += "\r\n";
  }
  [[nodiscard]] std::string text() const { return text_; }

 private:
  std::string text_;
};

std::string real(double v) { return fmt::format("{:.6g}", v); }
std::string opt_real(const std::optional<double>& v) { return v ? real(*v) : std::string(); }
std::string opt_int(const std::optional<int>& v) { return v ? std::to_string(*v) : std::string(); }

std::string ranking(ReportLanguage lang, const std::vector<RankedRow>& rows, bool ports) {
  std::vector<std::string> header = {"rank", "key", "name", "packets", "share", "previous_rank"};
  if (ports) header.insert(header.end(), {"proto", "port", "service"});
  Csv csv(header);
  for (const RankedRow& r : rows) {
    std::vector<std::string> cells = {std::to_string(r.rank), r.key, row_label(lang, r),
                                      std::to_string(r.packets), real(r.share), opt_int(r.previous_rank)};
    if (ports) cells.insert(cells.end(), {r.proto, std::to_string(r.port), r.service});
    csv.row(cells);
  }
  return csv.text();
}

// A daily table: one row per day, one column per series (and its 7-day average).
std::string daily(ReportLanguage lang, const DayRange& period, const std::vector<DailySeries>& series,
                  bool country_names) {
  std::vector<std::string> header = {"date"};
  for (const auto& s : series) {
    const std::string name = country_names ? s.key + " " + country_name(lang, s.key) : s.key;
    header.push_back(name);
    header.push_back(name + " moving_average_7d");
  }
  Csv csv(header);
  for (std::int64_t d = 0; d < period.days(); ++d) {
    std::vector<std::string> cells = {day_text(period.first_day + d)};
    const auto i = static_cast<std::size_t>(d);
    for (const auto& s : series) {
      cells.push_back(i < s.daily.size() ? std::to_string(s.daily[i]) : "0");
      cells.push_back(i < s.moving_average_7d.size() ? opt_real(s.moving_average_7d[i]) : "");
    }
    csv.row(cells);
  }
  return csv.text();
}

}  // namespace

std::vector<CsvTable> report_csv_tables(const ReportModel& m, ReportLanguage lang) {
  std::vector<CsvTable> out;
  const ReportTotals& t = m.totals;
  {
    Csv csv({"period_from", "period_to", "previous_from", "previous_to", "packets", "sources",
             "darknet_addresses", "packets_per_address", "seconds_between_packets_per_address",
             "research_packets", "research_share", "previous_packets", "change_vs_previous",
             "capture_received", "capture_dropped"});
    csv.row(
        {day_text(m.period.first_day), day_text(m.period.last_day), day_text(m.previous.first_day),
         day_text(m.previous.last_day), std::to_string(t.packets), std::to_string(t.sources),
         std::to_string(t.darknet_addresses), real(t.packets_per_address),
         opt_real(t.seconds_between_packets_per_address), std::to_string(t.research_packets),
         real(t.research_share), std::to_string(t.previous_packets), opt_real(t.change_vs_previous),
         std::to_string(m.capture_loss.received), std::to_string(m.capture_loss.dropped)});
    out.push_back({"totals", csv.text()});
  }
  out.push_back({"top_ports", ranking(lang, m.top_ports, true)});
  out.push_back({"top_countries", ranking(lang, m.top_countries, false)});
  out.push_back({"port_daily", daily(lang, m.period, m.port_series, false)});
  out.push_back({"country_daily", daily(lang, m.period, m.country_series, true)});
  out.push_back({"mirai_daily", daily(lang, m.period, {m.mirai.daily}, false)});
  out.push_back({"mirai_top_countries", ranking(lang, m.mirai.top_countries, false)});
  out.push_back({"mirai_country_daily", daily(lang, m.period, m.mirai.country_series, true)});
  out.push_back({"mirai_focus_country_daily",
                 daily(lang, m.period, {m.mirai.focus_country.series}, true)});
  {
    Csv csv({"key", "name", "packets", "share"});
    for (const auto& d : m.port_distribution_excluding_research) {
      csv.row({d.key, port_label(lang, d.key, d.service), std::to_string(d.packets), real(d.share)});
    }
    out.push_back({"port_distribution_excluding_research", csv.text()});
  }
  {
    Csv csv({"date", "key", "packets", "baseline", "factor", "sources", "fingerprint"});
    for (const auto& r : m.surges.largest) {
      csv.row({day_text(r.day), r.port_key, std::to_string(r.packets), real(r.baseline),
               real(r.factor), std::to_string(r.sources), r.fingerprint});
    }
    out.push_back({"surges", csv.text()});
  }
  {
    Csv csv({"victim", "protocol", "start", "end", "packets", "bytes", "ports",
             "darknet_addresses", "peak_pps", "estimated_pps"});
    for (const auto& r : m.dos_attacks.largest) {
      csv.row({r.victim, r.protocol, format_iso8601(r.start_ns), format_iso8601(r.end_ns),
               std::to_string(r.packets), std::to_string(r.bytes), std::to_string(r.ports),
               std::to_string(r.darknet_addresses), real(r.peak_pps), real(r.estimated_pps)});
    }
    out.push_back({"dos_attacks", csv.text()});
  }
  {
    Csv csv({"source", "country", "key", "class", "first", "last", "packets", "destinations",
             "estimated_pps"});
    for (const auto& r : m.scans.largest) {
      csv.row({r.source, r.country, r.port_key, r.traffic_class, format_iso8601(r.first_ns),
               format_iso8601(r.last_ns), std::to_string(r.packets),
               std::to_string(r.destinations), real(r.estimated_pps)});
    }
    out.push_back({"scans", csv.text()});
  }
  return out;
}

std::vector<std::filesystem::path> write_csv_tables(const ReportModel& m, ReportLanguage lang,
                                                    const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::vector<std::filesystem::path> written;
  for (const CsvTable& t : report_csv_tables(m, lang)) {
    const auto path = dir / (t.name + ".csv");
    std::ofstream f(path, std::ios::binary);
    f << t.text;
    if (!f) throw std::runtime_error("cannot write " + path.string());
    written.push_back(path);
  }
  return written;
}

}  // namespace darkscope
