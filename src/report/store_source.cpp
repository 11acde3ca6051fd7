#include "report/store_source.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "analyze/bins.hpp"
#include "analyze/port_key.hpp"
#include "store/events_store.hpp"
#include "store/schema.hpp"
#include "store/sqlite_db.hpp"

namespace darkscope {
namespace {

constexpr std::int64_t kDay = 86400;

// The store keys unknown countries as "unknown"; the report model as "".
std::string model_country(std::string key) { return key == "unknown" ? std::string() : key; }

class StoreReportSource final : public ReportSource {
 public:
  StoreReportSource(const std::string& path, const std::string& sensor)
      : path_(path), db_(path, Database::Mode::kReadOnly) {
    prepare_schema(db_, false);
    if (!sensor.empty()) {
      auto st = db_.prepare("SELECT id FROM sensors WHERE name = ?");
      st.bind(1, std::string_view(sensor));
      if (!st.step()) throw std::runtime_error(path + ": no sensor named '" + sensor + "'");
      sensor_id_ = st.column_int(0);
      sensor_name_ = sensor;
    }
  }

  std::vector<KeyDaily> daily(Measure m, DayRange days) const override {
    std::string sql;
    switch (m) {
      case Measure::kAll:
        sql = "SELECT start / 86400, 'all', SUM(packets) FROM bins WHERE bin_s = 86400 AND dim = 0";
        break;
      case Measure::kResearch:
        sql = "SELECT start / 86400, 'research', SUM(packets) FROM bins WHERE bin_s = 86400 AND "
              "dim = 6";
        break;
      case Measure::kPorts:
        sql = "SELECT start / 86400, key, SUM(packets) FROM bins WHERE bin_s = 86400 AND dim = 1";
        break;
      case Measure::kCountries:
        sql = "SELECT start / 86400, key, SUM(packets) FROM bins WHERE bin_s = 86400 AND dim = 4";
        break;
      case Measure::kMirai:
        sql = "SELECT start / 86400, 'mirai', SUM(packets) FROM bins WHERE bin_s = 86400 AND "
              "dim = 3 AND key = 'mirai'";
        break;
      case Measure::kMiraiCountries:
        // The store keeps fingerprints per source and day, not per packet and country:
        // these are the packets of the sources that sent Mirai-type packets that day.
        sql = "SELECT day / 86400, country, SUM(packets) FROM source_days WHERE (fingerprints & 1) "
              "!= 0";
        break;
      case Measure::kPortsExcludingResearch:
        // The research sources of each day first (few), then an anti-join: a correlated
        // NOT EXISTS per port row costs about twice the CPU.
        sql = "WITH r AS MATERIALIZED (SELECT DISTINCT day, sensor_id, src FROM source_days "
              "WHERE org <> '' AND day >= ?1 AND day < ?2 AND (?3 = 0 OR sensor_id = ?3)) "
              "SELECT p.day / 86400, p.port, SUM(p.packets) FROM source_day_ports p LEFT JOIN r "
              "ON r.day = p.day AND r.sensor_id = p.sensor_id AND r.src = p.src WHERE r.src IS NULL";
        break;
    }
    const bool day_column = m == Measure::kMiraiCountries || m == Measure::kPortsExcludingResearch;
    const std::string time = day_column ? (m == Measure::kPortsExcludingResearch ? "p.day" : "day")
                                        : "start";
    const std::string sensor = m == Measure::kPortsExcludingResearch ? "p.sensor_id" : "sensor_id";
    sql += " AND " + time + " >= ?1 AND " + time + " < ?2 AND (?3 = 0 OR " + sensor +
           " = ?3) GROUP BY 1, 2";
    auto st = db_.prepare(sql);
    st.bind(1, days.first_day * kDay).bind(2, (days.last_day + 1) * kDay).bind(3, sensor_id_);
    std::map<std::string, std::vector<std::uint64_t>> rows;
    const auto n = static_cast<std::size_t>(days.days());
    while (st.step()) {
      const std::int64_t day = st.column_int(0);
      std::string key;
      if (m == Measure::kPortsExcludingResearch) {
        key = PortKey::from_packed(static_cast<std::uint32_t>(st.column_int(1))).text();
      } else if (m == Measure::kCountries || m == Measure::kMiraiCountries) {
        key = model_country(st.column_text(1));
      } else {
        key = st.column_text(1);
      }
      auto& v = rows[key];
      v.resize(n, 0);
      if (days.contains(day)) {
        v[static_cast<std::size_t>(day - days.first_day)] += static_cast<std::uint64_t>(st.column_int(2));
      }
    }
    std::vector<KeyDaily> out;
    for (auto& [key, v] : rows) out.push_back({key, std::move(v)});
    return out;
  }

  std::uint64_t unique_sources(DayRange days, bool mirai_only,
                               const std::string& country) const override {
    auto st = db_.prepare(
        "SELECT COUNT(DISTINCT src) FROM source_days WHERE day >= ?1 AND day < ?2 AND (?3 = 0 OR "
        "sensor_id = ?3) AND (?4 = 0 OR (fingerprints & 1) != 0) AND (?5 = '' OR country = ?5)");
    st.bind(1, days.first_day * kDay)
        .bind(2, (days.last_day + 1) * kDay)
        .bind(3, sensor_id_)
        .bind(4, std::int64_t{mirai_only ? 1 : 0})
        .bind(5, std::string_view(country));
    return st.step() ? static_cast<std::uint64_t>(st.column_int(0)) : 0;
  }

  std::uint64_t darknet_addresses(DayRange) const override {
    auto st = db_.prepare("SELECT COALESCE(SUM(ipv4_size), 0) FROM sensors WHERE ?1 = 0 OR id = ?1");
    st.bind(1, sensor_id_);
    return st.step() ? static_cast<std::uint64_t>(st.column_double(0)) : 0;
  }

  std::optional<std::int64_t> first_day() const override {
    auto st = db_.prepare(
        "SELECT MIN(start) FROM bins WHERE bin_s = 86400 AND dim = 0 AND (?1 = 0 OR sensor_id = ?1)");
    st.bind(1, sensor_id_);
    if (!st.step() || st.column_is_null(0)) return std::nullopt;
    return st.column_int(0) / kDay;
  }

  EventSection<SurgeRow> surges(DayRange days, std::size_t limit) const override {
    EventSection<SurgeRow> out;
    for (const StoredSurge& s : events().surges(query(days))) {
      const SurgeEvent& e = s.event;
      if (!days.contains(e.finding.day)) continue;
      SurgeRow r;
      r.day = e.finding.day;
      r.port_key = PortKey{e.protocol, e.port}.text();
      r.packets = e.finding.packets;
      r.baseline = e.finding.baseline;
      r.factor = e.finding.factor;
      r.sources = e.finding.sources;
      if (!e.fingerprints.empty()) r.fingerprint = e.fingerprints.front().first;
      out.largest.push_back(std::move(r));
    }
    return finish(std::move(out), limit, [](const SurgeRow& r) { return static_cast<double>(r.packets); });
  }

  EventSection<DosRow> dos_attacks(DayRange days, std::size_t limit) const override {
    EventSection<DosRow> out;
    for (const StoredDos& s : events().dos(query(days))) {
      const DosEvent& e = s.event;
      if (!days.contains(e.start_ns / (kDay * 1'000'000'000LL))) continue;
      DosRow r;
      r.victim = e.victim.to_string();
      r.protocol = PortKey{e.protocol == kProtoIcmpv6 ? kProtoIcmp : e.protocol, 0}.protocol_name();
      r.start_ns = e.start_ns;
      r.end_ns = e.end_ns;
      r.packets = e.packets;
      r.bytes = e.bytes;
      r.ports = e.ports;
      r.darknet_addresses = e.darknet_addresses;
      r.peak_pps = e.peak_pps;
      r.estimated_pps = e.estimated_pps;
      out.largest.push_back(std::move(r));
    }
    return finish(std::move(out), limit, [](const DosRow& r) { return static_cast<double>(r.packets); });
  }

  EventSection<ScanRow> scans(DayRange days, std::size_t limit) const override {
    EventSection<ScanRow> out;
    for (const StoredScan& s : events().scans(query(days))) {
      const ScanEvent& e = s.event;
      if (!e.internet_wide || !days.contains(e.start_ns / (kDay * 1'000'000'000LL))) continue;
      ScanRow r;
      r.source = e.source.to_string();
      r.port_key = PortKey{e.protocol, e.port}.text();
      r.traffic_class = std::string(to_string(e.traffic_class));
      r.first_ns = e.start_ns;
      r.last_ns = e.end_ns;
      r.packets = e.packets;
      r.destinations = e.destinations;
      r.estimated_pps = e.estimated_pps;
      out.largest.push_back(std::move(r));
    }
    return finish(std::move(out), limit, [](const ScanRow& r) { return static_cast<double>(r.packets); });
  }

 private:
  EventQuery query(DayRange days) const {
    EventQuery q;
    q.from_ns = days.first_day * kDay * 1'000'000'000LL;
    q.to_ns = (days.last_day + 1) * kDay * 1'000'000'000LL;
    if (!sensor_name_.empty()) q.sensor = sensor_name_;
    return q;
  }

  EventsStore& events() const {
    if (!events_) events_ = std::make_unique<EventsStore>(path_, false);
    return *events_;
  }

  // Largest first by `size`; equal sizes keep the store's order.
  template <class Row, class Size>
  static EventSection<Row> finish(EventSection<Row> s, std::size_t limit, Size size) {
    s.count = s.largest.size();
    std::stable_sort(s.largest.begin(), s.largest.end(),
                     [&](const Row& a, const Row& b) { return size(a) > size(b); });
    if (s.largest.size() > limit) s.largest.resize(limit);
    return s;
  }

  std::string path_;
  mutable Database db_;
  std::int64_t sensor_id_ = 0;
  std::string sensor_name_;
  mutable std::unique_ptr<EventsStore> events_;
};

}  // namespace

std::unique_ptr<ReportSource> open_store_report_source(const std::string& db_path,
                                                       const std::string& sensor) {
  return std::make_unique<StoreReportSource>(db_path, sensor);
}

ReportModel build_report(const std::string& db_path, const ReportRequest& request) {
  const auto source = open_store_report_source(db_path, request.sensor);
  return build_report(*source, request);
}

}  // namespace darkscope
