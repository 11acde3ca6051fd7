#include "report/store_source.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "analyze/bins.hpp"
#include "analyze/port_key.hpp"
#include "store/bin_reader.hpp"
#include "store/codec.hpp"
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

  CaptureLossNote capture_loss(DayRange days) const override {
    const CaptureLoss loss =
        read_capture_loss(db_, days.first_day * kDay, (days.last_day + 1) * kDay, sensor_id_);
    CaptureLossNote out{loss.received, loss.dropped, {}};
    for (const std::int64_t d : loss.days_with_drops) out.days.push_back(d / kDay);
    return out;
  }

  std::vector<KeyDaily> daily(Measure m, DayRange days) const override {
    BinDimension dim = BinDimension::kTotal;
    std::optional<std::string> single;  // one key for the whole measure
    std::optional<std::uint32_t> only;  // only this stored key
    switch (m) {
      case Measure::kAll:
        single = "all";
        break;
      case Measure::kResearch:
        dim = BinDimension::kScanner;  // every organisation's packets
        single = "research";
        break;
      case Measure::kPorts:
        dim = BinDimension::kPort;
        break;
      case Measure::kPortsExcludingResearch:
        dim = BinDimension::kPortExcludingResearch;
        break;
      case Measure::kCountries:
        dim = BinDimension::kCountry;
        break;
      case Measure::kMirai:
        dim = BinDimension::kFingerprint;
        only = 0;  // fingerprint bit 0: mirai
        single = "mirai";
        break;
      case Measure::kMiraiCountries:
        dim = BinDimension::kMiraiCountry;
        break;
    }
    const auto n = static_cast<std::size_t>(days.days());
    std::map<std::string, std::vector<std::uint64_t>> rows;
    auto s = db_.prepare(
        "SELECT start, cells FROM bins WHERE span = 3 AND dim = ? AND start >= ? AND start < ? "
        "AND (?4 = 0 OR sensor_id = ?4)");
    s.bind(1, std::int64_t{static_cast<int>(dim)})
        .bind(2, days.first_day * kDay)
        .bind(3, (days.last_day + 1) * kDay)
        .bind(4, sensor_id_);
    std::vector<BinCell> cells;
    while (s.step()) {
      const std::int64_t day = s.column_int(0) / kDay;
      if (!decode_cells(s.column_blob(1), cells)) throw std::runtime_error(path_ + ": stored bin cells are damaged");
      for (const BinCell& c : cells) {
        if (only && c.key != *only) continue;
        std::string text;
        if (single) {
          text = *single;
        } else if (dim == BinDimension::kCountry || dim == BinDimension::kMiraiCountry) {
          text = model_country(bin_key_text(dim, c.key));
        } else {
          text = bin_key_text(dim, c.key);
        }
        auto& v = rows[text];
        v.resize(n, 0);
        if (days.contains(day)) v[static_cast<std::size_t>(day - days.first_day)] += c.packets;
      }
    }
    std::vector<KeyDaily> out;
    for (auto& [key, v] : rows) out.push_back({key, std::move(v)});
    return out;
  }

  std::uint64_t unique_sources(DayRange days, bool mirai_only,
                               const std::string& country) const override {
    const auto sensors = sensors_of();
    const std::int64_t from = days.first_day * kDay;
    const std::int64_t to = (days.last_day + 1) * kDay;
    std::uint32_t cc = 0;
    if (!country.empty() && !parse_bin_key(BinDimension::kCountry, country, cc)) return 0;
    if (!mirai_only && country.empty()) return count_sources(db_, BinDimension::kTotal, 0, from, to, sensors);
    if (!mirai_only) return count_sources(db_, BinDimension::kCountry, cc, from, to, sensors);
    if (country.empty()) return count_sources(db_, BinDimension::kFingerprint, 0, from, to, sensors);
    // Mirai-type senders of one country: per day (a source's country is of its day).
    SourceSet all;
    for (std::int64_t day = from; day < to; day += kDay) {
      const SourceSet mirai = source_set(db_, BinDimension::kFingerprint, 0, day, day + kDay, sensors);
      if (mirai.empty()) continue;
      unite(all, intersect(mirai, source_set(db_, BinDimension::kCountry, cc, day, day + kDay, sensors)));
    }
    return all.size();
  }

  std::uint64_t darknet_addresses(DayRange) const override {
    auto st = db_.prepare("SELECT COALESCE(SUM(ipv4_size), 0) FROM sensors WHERE ?1 = 0 OR id = ?1");
    st.bind(1, sensor_id_);
    return st.step() ? static_cast<std::uint64_t>(st.column_double(0)) : 0;
  }

  std::optional<std::int64_t> first_day() const override {
    auto st = db_.prepare(
        "SELECT MIN(start) FROM bins WHERE span = 3 AND dim = 0 AND (?1 = 0 OR sensor_id = ?1)");
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

  std::vector<std::int64_t> sensors_of() const {
    if (sensor_id_ != 0) return {sensor_id_};
    return query_sensors(db_, std::nullopt);
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
