// Turns the store's daily counters into the report model (SPEC.md, "Reports").
#include <algorithm>
#include <numeric>

#include "core/services.hpp"
#include "report/ranking.hpp"
#include "report/report_source.hpp"

namespace darkscope {
namespace {

// The figures draw at most this many series: more lines are not readable in print.
constexpr std::size_t kFigureSeries = 5;
// NICTER's distribution figure shows the ten largest ports and the rest.
constexpr std::size_t kDistributionSlices = 10;

std::uint64_t sum(const std::vector<std::uint64_t>& v, std::size_t from = 0) {
  return std::accumulate(v.begin() + static_cast<std::ptrdiff_t>(std::min(from, v.size())), v.end(),
                         std::uint64_t{0});
}

// A query over the period plus the days before it that a 7-day average needs.
struct Extended {
  DayRange range;
  std::size_t lead = 0;  // days before the period
};

Extended extend_for_average(const DayRange& period, std::optional<std::int64_t> first_data_day) {
  std::int64_t first = period.first_day - 6;
  if (first_data_day) first = std::clamp(*first_data_day, first, period.first_day);
  else first = period.first_day;
  return {{first, period.last_day}, static_cast<std::size_t>(period.first_day - first)};
}

std::vector<KeyCount> period_counts(const std::vector<KeyDaily>& rows, std::size_t from) {
  std::vector<KeyCount> out;
  out.reserve(rows.size());
  for (const KeyDaily& r : rows) out.push_back({r.key, sum(r.daily, from)});
  return out;
}

std::uint64_t total(const std::vector<KeyCount>& rows) {
  std::uint64_t t = 0;
  for (const KeyCount& r : rows) t += r.packets;
  return t;
}

DailySeries make_series(const std::string& key, const std::vector<KeyDaily>& rows,
                        const Extended& ext, std::size_t period_days) {
  DailySeries s;
  s.key = key;
  std::vector<std::uint64_t> all(ext.lead + period_days, 0);
  for (const KeyDaily& r : rows) {
    if (r.key != key) continue;
    for (std::size_t i = 0; i < r.daily.size() && i < all.size(); ++i) all[i] += r.daily[i];
  }
  std::vector<std::uint64_t> lead(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(ext.lead));
  s.daily.assign(all.begin() + static_cast<std::ptrdiff_t>(ext.lead), all.end());
  // The lead-in starts at the store's first day: days before it are unknown, not zero.
  s.moving_average_7d = moving_average_7d(s.daily, lead);
  return s;
}

std::vector<RankedRow> ranked_rows(const std::vector<KeyCount>& ranked, std::uint64_t denominator,
                                   const std::vector<KeyCount>& previous_ranked,
                                   std::size_t limit, bool ports) {
  std::vector<RankedRow> out;
  for (std::size_t i = 0; i < ranked.size() && out.size() < limit; ++i) {
    RankedRow row;
    row.rank = static_cast<int>(i + 1);
    row.key = ranked[i].key;
    row.packets = ranked[i].packets;
    row.share = denominator ? static_cast<double>(row.packets) / static_cast<double>(denominator) : 0;
    row.previous_rank = rank_of(previous_ranked, row.key);
    if (row.previous_rank) row.previous_packets = previous_ranked[*row.previous_rank - 1].packets;
    if (ports) {
      if (const auto p = parse_port_key(row.key)) {
        row.proto = p->proto;
        row.port = p->port;
        if (p->protocol != 1) row.service = std::string(service_name(p->protocol, p->port));
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

// Countries: the unknown country ("") counts in the denominator but is not a region to rank.
std::vector<KeyCount> known_countries(std::vector<KeyCount> rows) {
  std::erase_if(rows, [](const KeyCount& r) { return r.key.empty(); });
  return rank(std::move(rows));
}

}  // namespace

ReportModel build_report(const ReportSource& source, const ReportRequest& request) {
  ReportModel m;
  m.period = request.period;
  m.previous = request.previous.value_or(request.period.preceding());
  m.sensor = request.sensor;
  m.top_n = request.top_n;
  const std::size_t days = static_cast<std::size_t>(m.period.days());
  const auto first_data_day = source.first_day();
  const Extended ext = extend_for_average(m.period, first_data_day);

  // Totals.
  ReportTotals& t = m.totals;
  t.packets = total(period_counts(source.daily(Measure::kAll, m.period), 0));
  t.previous_packets = total(period_counts(source.daily(Measure::kAll, m.previous), 0));
  m.previous_has_data = t.previous_packets > 0;
  m.capture_loss = source.capture_loss(m.period);
  t.sources = source.unique_sources(m.period, false, "");
  t.darknet_addresses = source.darknet_addresses(m.period);
  t.research_packets = total(period_counts(source.daily(Measure::kResearch, m.period), 0));
  if (t.darknet_addresses > 0) {
    t.packets_per_address = static_cast<double>(t.packets) / static_cast<double>(t.darknet_addresses);
  }
  if (t.packets > 0 && t.darknet_addresses > 0) {
    t.seconds_between_packets_per_address =
        static_cast<double>(m.period.days()) * 86400.0 / t.packets_per_address;
  }
  if (t.packets > 0) {
    t.research_share = static_cast<double>(t.research_packets) / static_cast<double>(t.packets);
  }
  if (t.previous_packets > 0) {
    t.change_vs_previous = (static_cast<double>(t.packets) - static_cast<double>(t.previous_packets)) /
                           static_cast<double>(t.previous_packets);
  }

  // Ports.
  const auto port_daily = source.daily(Measure::kPorts, ext.range);
  const auto ports_now = rank(period_counts(port_daily, ext.lead));
  const auto ports_before = rank(period_counts(source.daily(Measure::kPorts, m.previous), 0));
  m.top_ports = ranked_rows(ports_now, total(ports_now), ports_before, request.top_n, true);
  for (std::size_t i = 0; i < m.top_ports.size() && i < kFigureSeries; ++i) {
    m.port_series.push_back(make_series(m.top_ports[i].key, port_daily, ext, days));
  }

  // Countries.
  const auto country_daily = source.daily(Measure::kCountries, ext.range);
  const auto countries_all = period_counts(country_daily, ext.lead);
  const auto countries_now = known_countries(countries_all);
  const auto countries_before =
      known_countries(period_counts(source.daily(Measure::kCountries, m.previous), 0));
  m.top_countries =
      ranked_rows(countries_now, total(countries_all), countries_before, request.top_n, false);
  for (std::size_t i = 0; i < m.top_countries.size() && i < kFigureSeries; ++i) {
    m.country_series.push_back(
        make_series(m.top_countries[i].key, country_daily, ext, days));
  }

  // Mirai-type packets.
  MiraiSection& mi = m.mirai;
  const auto mirai_daily = source.daily(Measure::kMirai, ext.range);
  mi.daily = make_series("mirai", mirai_daily, ext, days);
  mi.packets = sum(mi.daily.daily);
  mi.sources = source.unique_sources(m.period, true, "");
  if (t.packets > 0) mi.share_of_all = static_cast<double>(mi.packets) / static_cast<double>(t.packets);
  const auto mirai_country_daily = source.daily(Measure::kMiraiCountries, ext.range);
  const auto mirai_countries_all = period_counts(mirai_country_daily, ext.lead);
  const auto mirai_now = known_countries(mirai_countries_all);
  const auto mirai_before =
      known_countries(period_counts(source.daily(Measure::kMiraiCountries, m.previous), 0));
  mi.top_countries =
      ranked_rows(mirai_now, total(mirai_countries_all), mirai_before, request.top_n, false);
  for (std::size_t i = 0; i < mi.top_countries.size() && i < kFigureSeries; ++i) {
    mi.country_series.push_back(
        make_series(mi.top_countries[i].key, mirai_country_daily, ext, days));
  }
  CountryTrend& f = mi.focus_country;
  f.country = request.focus_country;
  f.series = make_series(f.country, mirai_country_daily, ext, days);
  f.packets = sum(f.series.daily);
  f.sources = f.country.empty() ? 0 : source.unique_sources(m.period, true, f.country);
  f.share = mi.packets ? static_cast<double>(f.packets) / static_cast<double>(mi.packets) : 0;
  f.rank = rank_of(mirai_now, f.country);
  f.previous_rank = rank_of(mirai_before, f.country);
  if (f.previous_rank) f.previous_packets = mirai_before[*f.previous_rank - 1].packets;

  // Destination ports with research scanning left out: the ten largest and the rest.
  const auto excl = rank(period_counts(source.daily(Measure::kPortsExcludingResearch, m.period), 0));
  const std::uint64_t excl_total = total(excl);
  std::uint64_t shown = 0;
  for (std::size_t i = 0; i < excl.size() && i < kDistributionSlices; ++i) {
    DistributionSlice s;
    s.key = excl[i].key;
    if (const auto p = parse_port_key(s.key); p && p->protocol != 1) {
      s.service = std::string(service_name(p->protocol, p->port));
    }
    s.packets = excl[i].packets;
    s.share = static_cast<double>(s.packets) / static_cast<double>(excl_total);
    shown += s.packets;
    m.port_distribution_excluding_research.push_back(std::move(s));
  }
  if (excl_total > shown) {
    m.port_distribution_excluding_research.push_back(
        {"other", "", excl_total - shown,
         static_cast<double>(excl_total - shown) / static_cast<double>(excl_total)});
  }

  // Events.
  m.surges = source.surges(m.period, request.events_limit);
  m.dos_attacks = source.dos_attacks(m.period, request.events_limit);
  m.scans = source.scans(m.period, request.events_limit);
  return m;
}

}  // namespace darkscope
