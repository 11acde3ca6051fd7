// The JSON form of a report; its keys are fixed by the report issue and read by tools.
#include "core/time.hpp"
#include "report/render.hpp"
#include "report/report_text.hpp"

namespace darkscope {
namespace {

using nlohmann::json;

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json optional_rank(const std::optional<int>& v) { return v ? json(*v) : json(nullptr); }

json rows_json(const std::vector<RankedRow>& rows) {
  json out = json::array();
  for (const RankedRow& r : rows) {
    json row = {{"rank", r.rank},
                {"key", r.key},
                {"packets", r.packets},
                {"share", r.share},
                {"previous_rank", optional_rank(r.previous_rank)},
                {"previous_packets", r.previous_packets}};
    if (!r.proto.empty()) {
      row["proto"] = r.proto;
      row["port"] = r.port;
      row["service"] = r.service;
    }
    out.push_back(std::move(row));
  }
  return out;
}

json daily_json(const DayRange& period, const DailySeries& s) {
  json out = json::array();
  for (std::size_t i = 0; i < s.daily.size(); ++i) {
    out.push_back({{"date", day_text(period.first_day + static_cast<std::int64_t>(i))},
                   {"packets", s.daily[i]},
                   {"moving_average_7d", i < s.moving_average_7d.size()
                                             ? optional_number(s.moving_average_7d[i])
                                             : json(nullptr)}});
  }
  return out;
}

json series_json(const DayRange& period, const std::vector<DailySeries>& series) {
  json out = json::array();
  for (const DailySeries& s : series) out.push_back({{"key", s.key}, {"daily", daily_json(period, s)}});
  return out;
}

json range_json(const DayRange& r) {
  return {{"from", day_text(r.first_day)}, {"to", day_text(r.last_day)}, {"days", r.days()}};
}

template <class Row, class F>
json events_json(const EventSection<Row>& e, F row_json) {
  json rows = json::array();
  for (const Row& r : e.largest) rows.push_back(row_json(r));
  return {{"count", e.count}, {"largest", std::move(rows)}};
}

}  // namespace

json report_json(const ReportModel& m) {
  const ReportTotals& t = m.totals;
  json j;
  j["period"] = range_json(m.period);
  j["previous"] = range_json(m.previous);
  j["previous"]["has_data"] = m.previous_has_data;
  j["sensor"] = m.sensor.empty() ? json(nullptr) : json(m.sensor);
  j["top_n"] = m.top_n;
  j["totals"] = {{"packets", t.packets},
                 {"sources", t.sources},
                 {"darknet_addresses", t.darknet_addresses},
                 {"packets_per_address", t.packets_per_address},
                 {"seconds_between_packets_per_address",
                  optional_number(t.seconds_between_packets_per_address)},
                 {"research_packets", t.research_packets},
                 {"research_share", t.research_share},
                 {"previous_packets", t.previous_packets},
                 {"change_vs_previous", optional_number(t.change_vs_previous)}};
  {
    const CaptureLossNote& l = m.capture_loss;
    json days = json::array();
    for (const std::int64_t d : l.days) days.push_back(day_text(d));
    j["capture_loss"] = {{"received", l.received},
                         {"dropped", l.dropped},
                         {"share", l.share()},
                         {"days", std::move(days)}};
  }
  j["top_ports"] = rows_json(m.top_ports);
  j["top_countries"] = rows_json(m.top_countries);
  j["port_daily"] = series_json(m.period, m.port_series);
  j["country_daily"] = series_json(m.period, m.country_series);

  const MiraiSection& mi = m.mirai;
  const CountryTrend& f = mi.focus_country;
  json mirai_daily = json::array();
  for (const auto& d : daily_json(m.period, mi.daily)) mirai_daily.push_back(d);
  j["mirai"] = {{"packets", mi.packets},
                {"sources", mi.sources},
                {"share_of_all", mi.share_of_all},
                {"daily", std::move(mirai_daily)},
                {"top_countries", rows_json(mi.top_countries)},
                {"country_daily", series_json(m.period, mi.country_series)},
                {"focus_country",
                 {{"country", f.country},
                  {"packets", f.packets},
                  {"sources", f.sources},
                  {"share", f.share},
                  {"rank", optional_rank(f.rank)},
                  {"previous_rank", optional_rank(f.previous_rank)},
                  {"previous_packets", f.previous_packets},
                  {"daily", daily_json(m.period, f.series)}}}};

  json dist = json::array();
  for (const auto& d : m.port_distribution_excluding_research) {
    dist.push_back({{"key", d.key}, {"service", d.service}, {"packets", d.packets}, {"share", d.share}});
  }
  j["port_distribution_excluding_research"] = std::move(dist);

  j["surges"] = events_json(m.surges, [](const SurgeRow& r) {
    return json{{"date", day_text(r.day)},     {"key", r.port_key},   {"packets", r.packets},
                {"baseline", r.baseline},      {"factor", r.factor},  {"sources", r.sources},
                {"fingerprint", r.fingerprint}};
  });
  j["dos_attacks"] = events_json(m.dos_attacks, [](const DosRow& r) {
    return json{{"victim", r.victim},
                {"protocol", r.protocol},
                {"start", format_iso8601(r.start_ns)},
                {"end", format_iso8601(r.end_ns)},
                {"packets", r.packets},
                {"bytes", r.bytes},
                {"ports", r.ports},
                {"darknet_addresses", r.darknet_addresses},
                {"peak_pps", r.peak_pps},
                {"estimated_pps", r.estimated_pps}};
  });
  j["scans"] = events_json(m.scans, [](const ScanRow& r) {
    return json{{"source", r.source},
                {"country", r.country},
                {"key", r.port_key},
                {"class", r.traffic_class},
                {"first", format_iso8601(r.first_ns)},
                {"last", format_iso8601(r.last_ns)},
                {"packets", r.packets},
                {"destinations", r.destinations},
                {"estimated_pps", r.estimated_pps}};
  });
  return j;
}

}  // namespace darkscope
