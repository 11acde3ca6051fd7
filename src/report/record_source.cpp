#include "report/record_source.hpp"

#include <algorithm>

#include "analyze/port_key.hpp"
#include "core/time.hpp"

namespace darkscope {
namespace {

bool any_day_in(const std::set<std::int64_t>& days, DayRange r) {
  const auto it = days.lower_bound(r.first_day);
  return it != days.end() && *it <= r.last_day;
}

std::int64_t day_of(std::int64_t ns) { return floor_to(ns, kNsPerDay) / kNsPerDay; }

template <class Row, class Day, class Packets>
EventSection<Row> largest(const std::vector<Row>& all, DayRange days, std::size_t limit, Day day,
                          Packets packets) {
  EventSection<Row> out;
  for (const Row& r : all) {
    if (days.contains(day(r))) out.largest.push_back(r);
  }
  out.count = out.largest.size();
  std::stable_sort(out.largest.begin(), out.largest.end(),
                   [&](const Row& a, const Row& b) { return packets(a) > packets(b); });
  if (out.largest.size() > limit) out.largest.resize(limit);
  return out;
}

}  // namespace

void RecordReportSource::add(const PacketRecord& r) {
  if (!r.observed) return;
  const std::int64_t day = day_of(r.ts_ns);
  Day& d = days_[day];
  const bool research = r.scanner_org != 0;
  const bool mirai = r.has_fingerprint(kFpMirai);
  auto bump = [&](Measure m, const std::string& key) { ++d.by_measure[static_cast<int>(m)][key]; };
  bump(Measure::kAll, "all");
  if (research) bump(Measure::kResearch, "research");
  if (const auto key = ranking_port_key(r)) {
    const std::string text = key->protocol == kProtoIcmp
                                 ? std::string("icmp")
                                 : std::string(key->protocol == kProtoTcp ? "tcp/" : "udp/") +
                                       std::to_string(key->port);
    bump(Measure::kPorts, text);
    if (!research) bump(Measure::kPortsExcludingResearch, text);
  }
  if (mirai) bump(Measure::kMirai, "mirai");
  destinations_[r.dst].insert(day);
  if (!r.source_known()) return;
  const std::string country =
      r.country[0] ? std::string(r.country.data(), r.country[1] ? 2 : 1) : std::string();
  bump(Measure::kCountries, country);
  if (mirai) bump(Measure::kMiraiCountries, country);
  Source& s = sources_[r.src];
  s.country = country;
  s.days.insert(day);
  if (mirai) s.mirai_days.insert(day);
}

std::vector<KeyDaily> RecordReportSource::daily(Measure m, DayRange days) const {
  std::map<std::string, std::vector<std::uint64_t>> rows;
  const auto n = static_cast<std::size_t>(days.days());
  for (auto it = days_.lower_bound(days.first_day); it != days_.end() && it->first <= days.last_day;
       ++it) {
    for (const auto& [key, packets] : it->second.by_measure[static_cast<int>(m)]) {
      auto& v = rows[key];
      v.resize(n, 0);
      v[static_cast<std::size_t>(it->first - days.first_day)] += packets;
    }
  }
  std::vector<KeyDaily> out;
  for (auto& [key, v] : rows) out.push_back({key, std::move(v)});
  return out;
}

std::uint64_t RecordReportSource::unique_sources(DayRange days, bool mirai_only,
                                                 const std::string& country) const {
  std::uint64_t n = 0;
  for (const auto& [addr, s] : sources_) {
    if (!country.empty() && s.country != country) continue;
    if (any_day_in(mirai_only ? s.mirai_days : s.days, days)) ++n;
  }
  return n;
}

std::uint64_t RecordReportSource::darknet_addresses(DayRange days) const {
  if (darknet_addresses_ != 0) return darknet_addresses_;
  return static_cast<std::uint64_t>(std::count_if(
      destinations_.begin(), destinations_.end(),
      [&](const auto& kv) { return any_day_in(kv.second, days); }));
}

std::optional<std::int64_t> RecordReportSource::first_day() const {
  if (days_.empty()) return std::nullopt;
  return days_.begin()->first;
}

EventSection<SurgeRow> RecordReportSource::surges(DayRange days, std::size_t limit) const {
  return largest(
      surges_, days, limit, [](const SurgeRow& r) { return r.day; },
      [](const SurgeRow& r) { return r.packets; });
}

EventSection<DosRow> RecordReportSource::dos_attacks(DayRange days, std::size_t limit) const {
  return largest(
      dos_, days, limit, [](const DosRow& r) { return day_of(r.start_ns); },
      [](const DosRow& r) { return r.packets; });
}

EventSection<ScanRow> RecordReportSource::scans(DayRange days, std::size_t limit) const {
  return largest(
      scans_, days, limit, [](const ScanRow& r) { return day_of(r.first_ns); },
      [](const ScanRow& r) { return r.packets; });
}

}  // namespace darkscope
