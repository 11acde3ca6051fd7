#include "store/events_store.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

#include "analyze/bins.hpp"
#include "analyze/port_key.hpp"
#include "core/time.hpp"
#include "store/schema.hpp"

namespace darkscope {

std::string events_address_blob(const IpAddress& a) {
  if (a.is_v4()) return std::string(reinterpret_cast<const char*>(a.bytes.data() + 12), 4);
  return std::string(reinterpret_cast<const char*>(a.bytes.data()), 16);
}

IpAddress events_blob_address(const std::string& blob) {
  IpAddress a;
  if (blob.size() == 4) {
    a = IpAddress::v4(0);
    std::memcpy(a.bytes.data() + 12, blob.data(), 4);
  } else if (blob.size() == 16) {
    std::memcpy(a.bytes.data(), blob.data(), 16);
  }
  return a;
}

namespace {

// "mirai:120,zmap:3" <-> pairs (the names contain neither ':' nor ',').
std::string encode_counts(const std::vector<std::pair<std::string, std::uint64_t>>& counts) {
  std::string out;
  for (const auto& [name, n] : counts) {
    if (!out.empty()) out += ',';
    out += name + ':' + std::to_string(n);
  }
  return out;
}
std::vector<std::pair<std::string, std::uint64_t>> decode_counts(const std::string& text) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(pos, end - pos);
    const std::size_t colon = item.rfind(':');
    if (colon != std::string::npos) {
      out.emplace_back(item.substr(0, colon), std::stoull(item.substr(colon + 1)));
    }
    pos = end + 1;
  }
  return out;
}

void sort_counts(std::vector<std::pair<std::string, std::uint64_t>>& v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
}

// The WHERE fragment and bounds for "overlaps [from, to)" on start/end columns.
struct Range {
  std::int64_t from = INT64_MIN;
  std::int64_t to = INT64_MAX;
};
Range range_of(const std::optional<std::int64_t>& from, const std::optional<std::int64_t>& to) {
  Range r;
  if (from) r.from = *from;
  if (to) r.to = *to;
  return r;
}

}  // namespace

EventsStore::EventsStore(const std::string& path, bool writable)
    : db_(path, writable ? Database::Mode::kReadWrite : Database::Mode::kReadOnly) {
  prepare_schema(db_, writable);
}

std::optional<int> EventsStore::sensor_id(const std::string& name) {
  auto s = db_.prepare("SELECT id FROM sensors WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return static_cast<int>(s.column_int(0));
}

std::optional<int> EventsStore::sensor_filter(const std::optional<std::string>& sensor) {
  if (!sensor) return std::nullopt;
  const auto id = sensor_id(*sensor);
  if (!id) throw StoreError(db_.path() + ": no sensor named '" + *sensor + "'");
  return id;
}

void EventsStore::add(int sensor_id, const std::vector<ScanEvent>& scans,
                      const std::vector<DosEvent>& dos) {
  if (scans.empty() && dos.empty()) return;
  Transaction t(db_);
  auto s = db_.prepare(
      "INSERT OR REPLACE INTO scan_events(sensor_id, source, proto, port, class, start_ns, "
      "end_ns, packets, destinations, destinations_exact, estimated_pps, internet_wide, "
      "fingerprints) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const ScanEvent& e : scans) {
    const std::string src = events_address_blob(e.source);
    s.bind(1, std::int64_t{sensor_id})
        .bind_blob(2, src.data(), static_cast<int>(src.size()))
        .bind(3, std::int64_t{e.protocol})
        .bind(4, std::int64_t{e.port})
        .bind(5, static_cast<std::int64_t>(e.traffic_class))
        .bind(6, e.start_ns)
        .bind(7, e.end_ns)
        .bind(8, static_cast<std::int64_t>(e.packets))
        .bind(9, static_cast<std::int64_t>(e.destinations))
        .bind(10, std::int64_t{e.destinations_exact ? 1 : 0})
        .bind(11, e.estimated_pps)
        .bind(12, std::int64_t{e.internet_wide ? 1 : 0})
        .bind(13, std::int64_t{e.fingerprints});
    s.run();
  }
  auto d = db_.prepare(
      "INSERT OR REPLACE INTO dos_events(sensor_id, victim, protocol, start_ns, end_ns, packets, "
      "bytes, darknet_addresses, ports, peak_window_packets, peak_pps, estimated_pps) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const DosEvent& e : dos) {
    const std::string victim = events_address_blob(e.victim);
    d.bind(1, std::int64_t{sensor_id})
        .bind_blob(2, victim.data(), static_cast<int>(victim.size()))
        .bind(3, std::int64_t{e.protocol})
        .bind(4, e.start_ns)
        .bind(5, e.end_ns)
        .bind(6, static_cast<std::int64_t>(e.packets))
        .bind(7, static_cast<std::int64_t>(e.bytes))
        .bind(8, static_cast<std::int64_t>(e.darknet_addresses))
        .bind(9, static_cast<std::int64_t>(e.ports))
        .bind(10, static_cast<std::int64_t>(e.peak_window_packets))
        .bind(11, e.peak_pps)
        .bind(12, e.estimated_pps);
    d.run();
  }
  t.commit();
}

std::size_t EventsStore::detect_surges(int sensor_id, std::int64_t first_day_s,
                                       std::int64_t last_day_s, const SurgeOptions& options) {
  first_day_s = floor_to(first_day_s, kBin1d);
  last_day_s = floor_to(last_day_s, kBin1d);
  const std::int64_t history_from = first_day_s - (options.baseline_days + 1) * kBin1d;
  const std::int64_t until = last_day_s + kBin1d;

  // Days the sensor recorded anything: on those, a port without a row had zero packets.
  std::vector<std::int64_t> covered;
  {
    auto s = db_.prepare(
        "SELECT DISTINCT start FROM bins WHERE bin_s = 86400 AND dim = 0 AND sensor_id = ? "
        "AND start >= ? AND start < ? ORDER BY start");
    s.bind(1, std::int64_t{sensor_id}).bind(2, history_from).bind(3, until);
    while (s.step()) covered.push_back(s.column_int(0) / kBin1d);
  }
  std::unordered_map<std::uint32_t, std::map<std::int64_t, SurgeDay>> ports;
  {
    auto s = db_.prepare(
        "SELECT key, start, SUM(packets) FROM bins WHERE bin_s = 86400 AND dim = 1 "
        "AND sensor_id = ? AND start >= ? AND start < ? GROUP BY key, start");
    s.bind(1, std::int64_t{sensor_id}).bind(2, history_from).bind(3, until);
    while (s.step()) {
      const auto key = PortKey::parse(s.column_text(0));
      if (!key) continue;
      const std::int64_t day = s.column_int(1) / kBin1d;
      SurgeDay& d = ports[key->packed()][day];
      d.day = day;
      d.packets = static_cast<std::uint64_t>(s.column_int(2));
    }
  }
  {
    auto s = db_.prepare(
        "SELECT port, day, COUNT(DISTINCT src) FROM source_day_ports WHERE sensor_id = ? "
        "AND day >= ? AND day < ? GROUP BY port, day");
    s.bind(1, std::int64_t{sensor_id}).bind(2, history_from).bind(3, until);
    while (s.step()) {
      const std::int64_t day = s.column_int(1) / kBin1d;
      SurgeDay& d = ports[static_cast<std::uint32_t>(s.column_int(0))][day];
      d.day = day;
      d.sources = static_cast<std::uint64_t>(s.column_int(2));
    }
  }

  auto by_country = db_.prepare(
      "SELECT d.country, SUM(p.packets) FROM source_day_ports p JOIN source_days d "
      "ON d.day = p.day AND d.sensor_id = p.sensor_id AND d.src = p.src "
      "AND d.capture_id = p.capture_id WHERE p.sensor_id = ? AND p.day = ? AND p.port = ? "
      "GROUP BY d.country");
  auto by_fingerprints = db_.prepare(
      "SELECT d.fingerprints, SUM(p.packets) FROM source_day_ports p JOIN source_days d "
      "ON d.day = p.day AND d.sensor_id = p.sensor_id AND d.src = p.src "
      "AND d.capture_id = p.capture_id WHERE p.sensor_id = ? AND p.day = ? AND p.port = ? "
      "AND d.fingerprints != 0 GROUP BY d.fingerprints");

  std::vector<SurgeEvent> found;
  for (const auto& [packed, days] : ports) {
    std::vector<SurgeDay> series;
    series.reserve(days.size());
    for (const auto& [day, d] : days) series.push_back(d);
    for (SurgeFinding& f : find_surges(covered, series, options)) {
      if (f.day < first_day_s / kBin1d || f.day > last_day_s / kBin1d) continue;
      SurgeEvent e;
      const PortKey key = PortKey::from_packed(packed);
      e.protocol = key.protocol;
      e.port = key.port;
      e.finding = std::move(f);
      const std::int64_t day_s = e.finding.day * kBin1d;
      by_country.bind(1, std::int64_t{sensor_id}).bind(2, day_s).bind(3, std::int64_t{packed});
      while (by_country.step()) {
        e.countries.emplace_back(by_country.column_text(0),
                                 static_cast<std::uint64_t>(by_country.column_int(1)));
      }
      by_country.reset();
      std::array<std::uint64_t, kFingerprintCount> fp{};
      by_fingerprints.bind(1, std::int64_t{sensor_id}).bind(2, day_s).bind(3, std::int64_t{packed});
      while (by_fingerprints.step()) {
        const auto bits = static_cast<std::uint16_t>(by_fingerprints.column_int(0));
        for (int i = 0; i < kFingerprintCount; ++i) {
          if ((bits & (1u << i)) != 0) fp[static_cast<std::size_t>(i)] += static_cast<std::uint64_t>(by_fingerprints.column_int(1));
        }
      }
      by_fingerprints.reset();
      for (int i = 0; i < kFingerprintCount; ++i) {
        if (fp[static_cast<std::size_t>(i)] != 0) {
          e.fingerprints.emplace_back(std::string(kFingerprintNames[static_cast<std::size_t>(i)]),
                                      fp[static_cast<std::size_t>(i)]);
        }
      }
      sort_counts(e.countries);
      sort_counts(e.fingerprints);
      found.push_back(std::move(e));
    }
  }

  Transaction t(db_);
  db_.prepare("DELETE FROM surge_events WHERE sensor_id = ? AND day >= ? AND day <= ?")
      .bind(1, std::int64_t{sensor_id})
      .bind(2, first_day_s)
      .bind(3, last_day_s)
      .run();
  auto ins = db_.prepare(
      "INSERT OR REPLACE INTO surge_events(sensor_id, proto, port, day, packets, sources, metric, "
      "baseline, factor, fingerprints, countries) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  for (const SurgeEvent& e : found) {
    ins.bind(1, std::int64_t{sensor_id})
        .bind(2, std::int64_t{e.protocol})
        .bind(3, std::int64_t{e.port})
        .bind(4, e.finding.day * kBin1d)
        .bind(5, static_cast<std::int64_t>(e.finding.packets))
        .bind(6, static_cast<std::int64_t>(e.finding.sources))
        .bind(7, e.finding.metric)
        .bind(8, e.finding.baseline)
        .bind(9, e.finding.factor)
        .bind(10, encode_counts(e.fingerprints))
        .bind(11, encode_counts(e.countries));
    ins.run();
  }
  t.commit();
  return found.size();
}

std::vector<StoredScan> EventsStore::scans(const EventQuery& q) {
  const auto sensor = sensor_filter(q.sensor);
  const Range r = range_of(q.from_ns, q.to_ns);
  auto s = db_.prepare(
      "SELECT n.name, e.source, e.proto, e.port, e.class, e.start_ns, e.end_ns, e.packets, "
      "e.destinations, e.destinations_exact, e.estimated_pps, e.internet_wide, e.fingerprints "
      "FROM scan_events e JOIN sensors n ON n.id = e.sensor_id "
      "WHERE e.end_ns >= ? AND e.start_ns < ? AND (? < 0 OR e.sensor_id = ?) "
      "ORDER BY e.start_ns, e.source, e.proto, e.port, e.class");
  s.bind(1, r.from).bind(2, r.to).bind(3, std::int64_t{sensor.value_or(-1)})
      .bind(4, std::int64_t{sensor.value_or(-1)});
  std::vector<StoredScan> out;
  while (s.step()) {
    StoredScan x;
    x.sensor = s.column_text(0);
    ScanEvent& e = x.event;
    e.source = events_blob_address(s.column_blob(1));
    e.protocol = static_cast<std::uint8_t>(s.column_int(2));
    e.port = static_cast<std::uint16_t>(s.column_int(3));
    e.traffic_class = static_cast<TrafficClass>(s.column_int(4));
    e.start_ns = s.column_int(5);
    e.end_ns = s.column_int(6);
    e.packets = static_cast<std::uint64_t>(s.column_int(7));
    e.destinations = static_cast<std::uint64_t>(s.column_int(8));
    e.destinations_exact = s.column_int(9) != 0;
    e.estimated_pps = s.column_double(10);
    e.internet_wide = s.column_int(11) != 0;
    e.fingerprints = static_cast<std::uint16_t>(s.column_int(12));
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<StoredDos> EventsStore::dos(const EventQuery& q) {
  const auto sensor = sensor_filter(q.sensor);
  const Range r = range_of(q.from_ns, q.to_ns);
  auto s = db_.prepare(
      "SELECT n.name, e.victim, e.protocol, e.start_ns, e.end_ns, e.packets, e.bytes, "
      "e.darknet_addresses, e.ports, e.peak_window_packets, e.peak_pps, e.estimated_pps "
      "FROM dos_events e JOIN sensors n ON n.id = e.sensor_id "
      "WHERE e.end_ns >= ? AND e.start_ns < ? AND (? < 0 OR e.sensor_id = ?) "
      "ORDER BY e.start_ns, e.victim, e.protocol");
  s.bind(1, r.from).bind(2, r.to).bind(3, std::int64_t{sensor.value_or(-1)})
      .bind(4, std::int64_t{sensor.value_or(-1)});
  std::vector<StoredDos> out;
  while (s.step()) {
    StoredDos x;
    x.sensor = s.column_text(0);
    DosEvent& e = x.event;
    e.victim = events_blob_address(s.column_blob(1));
    e.protocol = static_cast<std::uint8_t>(s.column_int(2));
    e.start_ns = s.column_int(3);
    e.end_ns = s.column_int(4);
    e.packets = static_cast<std::uint64_t>(s.column_int(5));
    e.bytes = static_cast<std::uint64_t>(s.column_int(6));
    e.darknet_addresses = static_cast<std::uint64_t>(s.column_int(7));
    e.ports = static_cast<std::uint64_t>(s.column_int(8));
    e.peak_window_packets = static_cast<std::uint64_t>(s.column_int(9));
    e.peak_pps = s.column_double(10);
    e.estimated_pps = s.column_double(11);
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<StoredSurge> EventsStore::surges(const EventQuery& q) {
  const auto sensor = sensor_filter(q.sensor);
  const Range r = range_of(q.from_ns, q.to_ns);
  // A day is in the range when it overlaps [from, to).
  const std::int64_t from_s = r.from == INT64_MIN ? INT64_MIN : floor_to(r.from / kNsPerSecond, kBin1d);
  const std::int64_t to_s = r.to == INT64_MAX ? INT64_MAX : r.to / kNsPerSecond;
  auto s = db_.prepare(
      "SELECT n.name, e.proto, e.port, e.day, e.packets, e.sources, e.metric, e.baseline, "
      "e.factor, e.fingerprints, e.countries FROM surge_events e JOIN sensors n "
      "ON n.id = e.sensor_id WHERE e.day >= ? AND e.day < ? AND (? < 0 OR e.sensor_id = ?) "
      "ORDER BY e.day, e.proto, e.port");
  s.bind(1, from_s).bind(2, to_s).bind(3, std::int64_t{sensor.value_or(-1)})
      .bind(4, std::int64_t{sensor.value_or(-1)});
  std::vector<StoredSurge> out;
  while (s.step()) {
    StoredSurge x;
    x.sensor = s.column_text(0);
    SurgeEvent& e = x.event;
    e.protocol = static_cast<std::uint8_t>(s.column_int(1));
    e.port = static_cast<std::uint16_t>(s.column_int(2));
    e.finding.day = s.column_int(3) / kBin1d;
    e.finding.packets = static_cast<std::uint64_t>(s.column_int(4));
    e.finding.sources = static_cast<std::uint64_t>(s.column_int(5));
    e.finding.metric = s.column_text(6);
    e.finding.baseline = s.column_double(7);
    e.finding.factor = s.column_double(8);
    e.fingerprints = decode_counts(s.column_text(9));
    e.countries = decode_counts(s.column_text(10));
    out.push_back(std::move(x));
  }
  return out;
}

std::optional<SourceProfile> EventsStore::profile(const IpAddress& source,
                                                  const std::optional<std::string>& sensor_name) {
  const auto sensor = sensor_filter(sensor_name);
  const std::string src = events_address_blob(source);
  const std::int64_t sid = sensor.value_or(-1);
  SourceProfile p;
  p.source = source;
  {
    auto s = db_.prepare(
        "SELECT day, packets, bytes, classes, fingerprints, country, asn, org, first_ns, last_ns "
        "FROM source_days WHERE src = ? AND (? < 0 OR sensor_id = ?) ORDER BY day, first_ns");
    s.bind_blob(1, src.data(), static_cast<int>(src.size())).bind(2, sid).bind(3, sid);
    std::int64_t last_day = INT64_MIN;
    bool any = false;
    while (s.step()) {
      const std::int64_t day = s.column_int(0);
      if (!any || s.column_int(8) < p.first_ns) p.first_ns = s.column_int(8);
      if (!any || s.column_int(9) > p.last_ns) p.last_ns = s.column_int(9);
      any = true;
      if (day != last_day) ++p.days;
      last_day = day;
      p.packets += static_cast<std::uint64_t>(s.column_int(1));
      p.bytes += static_cast<std::uint64_t>(s.column_int(2));
      p.classes |= static_cast<std::uint16_t>(s.column_int(3));
      p.fingerprints |= static_cast<std::uint16_t>(s.column_int(4));
      // The latest day's enrichment wins: addresses move between networks.
      const std::string country = s.column_text(5);
      if (country != "unknown" || p.country.empty()) p.country = country;
      if (s.column_int(6) != 0) p.asn = static_cast<std::uint32_t>(s.column_int(6));
      if (!s.column_text(7).empty()) p.org = s.column_text(7);
    }
    if (!any) return std::nullopt;
  }
  {
    auto s = db_.prepare(
        "SELECT port, SUM(packets) FROM source_day_ports WHERE src = ? AND (? < 0 OR sensor_id = ?) "
        "GROUP BY port");
    s.bind_blob(1, src.data(), static_cast<int>(src.size())).bind(2, sid).bind(3, sid);
    while (s.step()) {
      p.ports.emplace_back(PortKey::from_packed(static_cast<std::uint32_t>(s.column_int(0))).text(),
                           static_cast<std::uint64_t>(s.column_int(1)));
    }
    sort_counts(p.ports);
  }
  {
    auto s = db_.prepare(
        "SELECT COUNT(*), COALESCE(SUM(internet_wide), 0) FROM scan_events WHERE source = ? "
        "AND (? < 0 OR sensor_id = ?)");
    s.bind_blob(1, src.data(), static_cast<int>(src.size())).bind(2, sid).bind(3, sid);
    if (s.step()) {
      p.scans = static_cast<std::uint64_t>(s.column_int(0));
      p.internet_wide_scans = static_cast<std::uint64_t>(s.column_int(1));
    }
  }
  p.verdict = classify_source(p.fingerprints, p.org, p.reason);
  return p;
}

std::vector<FeedRecord> EventsStore::feed(const FeedQuery& q) {
  const auto sensor = sensor_filter(q.sensor);
  const std::int64_t sid = sensor.value_or(-1);
  const std::int64_t from_day = q.from_ns ? floor_to(*q.from_ns / kNsPerSecond, kBin1d) : INT64_MIN;
  const std::int64_t to_s = q.to_ns ? *q.to_ns / kNsPerSecond : INT64_MAX;
  std::string tag;
  for (int i = 0; i < kFingerprintCount; ++i) {
    if (q.fingerprint == (1u << i)) tag = std::string(kFingerprintNames[static_cast<std::size_t>(i)]);
  }
  // Only the days on which the host showed the fingerprint count.
  auto s = db_.prepare(
      "SELECT src, MIN(first_ns), MAX(last_ns), SUM(packets), "
      "(SELECT country FROM source_days x WHERE x.src = d.src AND (fingerprints & ?) != 0 "
      " AND x.day >= ? AND x.day < ? AND (? < 0 OR x.sensor_id = ?) ORDER BY day DESC LIMIT 1), "
      "(SELECT asn FROM source_days x WHERE x.src = d.src AND (fingerprints & ?) != 0 "
      " AND x.day >= ? AND x.day < ? AND (? < 0 OR x.sensor_id = ?) ORDER BY day DESC LIMIT 1) "
      "FROM source_days d WHERE (fingerprints & ?) != 0 AND day >= ? AND day < ? "
      "AND (? < 0 OR sensor_id = ?) GROUP BY src");
  for (int sub = 0; sub < 3; ++sub) {
    const int base = sub * 5;
    s.bind(base + 1, std::int64_t{q.fingerprint})
        .bind(base + 2, from_day)
        .bind(base + 3, to_s)
        .bind(base + 4, sid)
        .bind(base + 5, sid);
  }
  std::vector<FeedRecord> out;
  std::unordered_map<std::string, std::size_t> index;
  while (s.step()) {
    FeedRecord r;
    const std::string blob = s.column_blob(0);
    r.ip = events_blob_address(blob);
    r.first_seen_ns = s.column_int(1);
    r.last_seen_ns = s.column_int(2);
    r.packets = static_cast<std::uint64_t>(s.column_int(3));
    r.country = s.column_text(4);
    r.asn = static_cast<std::uint32_t>(s.column_int(5));
    r.tag = tag;
    index.emplace(blob, out.size());
    out.push_back(std::move(r));
  }
  auto ports = db_.prepare(
      "SELECT p.src, p.port, SUM(p.packets) FROM source_day_ports p JOIN source_days d "
      "ON d.day = p.day AND d.sensor_id = p.sensor_id AND d.src = p.src "
      "AND d.capture_id = p.capture_id WHERE (d.fingerprints & ?) != 0 AND p.day >= ? "
      "AND p.day < ? AND (? < 0 OR p.sensor_id = ?) GROUP BY p.src, p.port "
      "ORDER BY p.src, SUM(p.packets) DESC, p.port");
  ports.bind(1, std::int64_t{q.fingerprint}).bind(2, from_day).bind(3, to_s).bind(4, sid).bind(5, sid);
  while (ports.step()) {
    const auto it = index.find(ports.column_blob(0));
    if (it == index.end()) continue;
    out[it->second].ports.push_back(
        PortKey::from_packed(static_cast<std::uint32_t>(ports.column_int(1))).text());
  }
  std::sort(out.begin(), out.end(), [&](const FeedRecord& a, const FeedRecord& b) {
    if (q.by == "asn" && a.asn != b.asn) return a.asn < b.asn;
    if (q.by == "country" && a.country != b.country) return a.country < b.country;
    if (a.packets != b.packets) return a.packets > b.packets;
    return a.ip < b.ip;
  });
  return out;
}

EventRecorder::EventRecorder(EventsStore& store, int sensor_id, double darknet_ipv4_size,
                             const EventOptions& options)
    : store_(store),
      sensor_id_(sensor_id),
      options_(options),
      scan_(options.scan, darknet_ipv4_size,
            [this](const ScanEvent& e) { scan_buffer_.push_back(e); }),
      dos_(options.dos, darknet_ipv4_size,
           [this](const DosEvent& e) { dos_buffer_.push_back(e); }) {}

void EventRecorder::on_packet(const PacketRecord& r) {
  if (!r.observed) return;
  const std::int64_t day = floor_to(r.ts_ns, kNsPerDay) / kNsPerSecond;
  if (day < first_day_s_) first_day_s_ = day;
  if (day > last_day_s_) last_day_s_ = day;
  scan_.on_packet(r);
  dos_.on_packet(r);
  if (last_commit_ns_ == INT64_MIN) last_commit_ns_ = r.ts_ns;
  if (scan_buffer_.size() + dos_buffer_.size() >= options_.max_buffered ||
      r.ts_ns - last_commit_ns_ >= options_.commit_interval_ns) {
    commit();
    last_commit_ns_ = r.ts_ns;
  }
}

void EventRecorder::advance(std::int64_t now_ns) {
  scan_.advance(now_ns);
  dos_.advance(now_ns);
  commit();
}

void EventRecorder::commit() {
  store_.add(sensor_id_, scan_buffer_, dos_buffer_);
  scans_written_ += scan_buffer_.size();
  dos_written_ += dos_buffer_.size();
  scan_buffer_.clear();
  dos_buffer_.clear();
}

void EventRecorder::finish() {
  scan_.flush();
  dos_.flush();
  commit();
  if (first_day_s_ <= last_day_s_) {
    surges_found_ += store_.detect_surges(sensor_id_, first_day_s_, last_day_s_, options_.surge);
  }
}

}  // namespace darkscope
