#include "store/events_store.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "analyze/bins.hpp"
#include "analyze/port_key.hpp"
#include "core/time.hpp"
#include "store/bin_reader.hpp"
#include "store/codec.hpp"
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

std::vector<ScanChunk> encode_scan_chunks(const EventBatch& events) {
  std::map<std::pair<std::int64_t, std::uint32_t>, std::vector<ScanEvent>> by_chunk;
  for (const ScanEvent& e : events.scans) {
    if (!e.internet_wide) by_chunk[{floor_to(e.start_ns, kNsPerDay) / kNsPerSecond, source_bucket(e.source)}].push_back(e);
  }
  std::vector<ScanChunk> out;
  out.reserve(by_chunk.size());
  for (auto& [k, scans] : by_chunk) out.push_back({k.first, k.second, encode_scans(std::move(scans), k.first, events.scale)});
  return out;
}

void write_events(Database& db, int sensor_id, std::int64_t capture_id, std::int64_t segment,
                  const EventBatch& events, const std::vector<ScanChunk>* chunks) {
  if (events.empty()) return;
  const std::int64_t sensor = sensor_id;
  std::int64_t longest = 0;
  auto wide = db.prepare(
      "INSERT OR REPLACE INTO wide_scans(sensor_id, source, proto, port, class, start_ns, end_ns, packets, "
      "destinations, destinations_exact, estimated_pps, fingerprints, capture_id) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const ScanEvent& e : events.scans) {
    longest = std::max(longest, e.end_ns - e.start_ns);
    if (!e.internet_wide) continue;
    const std::string src = events_address_blob(e.source);
    wide.bind(1, sensor)
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
        .bind(12, std::int64_t{e.fingerprints})
        .bind(13, capture_id);
    wide.run();
  }
  std::vector<ScanChunk> own;
  if (chunks == nullptr) {
    own = encode_scan_chunks(events);
    chunks = &own;
  }
  if (!chunks->empty()) {
    auto ins = db.prepare(
        "INSERT OR REPLACE INTO scan_chunks(day, sensor_id, bucket, capture_id, segment, scans) "
        "VALUES (?,?,?,?,?,?)");
    for (const ScanChunk& c : *chunks) {
      ins.bind(1, c.day)
          .bind(2, sensor)
          .bind(3, std::int64_t{c.bucket})
          .bind(4, capture_id)
          .bind(5, segment)
          .bind_blob(6, c.blob.data(), static_cast<int>(c.blob.size()));
      ins.run();
    }
  }
  if (!events.scans.empty()) {
    db.prepare("INSERT INTO scan_spans(sensor_id, max_ns) VALUES (?, ?) ON CONFLICT DO UPDATE SET "
               "max_ns = max(max_ns, excluded.max_ns)")
        .bind(1, sensor)
        .bind(2, longest)
        .run();
  }
  auto d = db.prepare(
      "INSERT OR REPLACE INTO dos_events(sensor_id, victim, protocol, start_ns, end_ns, packets, "
      "bytes, darknet_addresses, ports, peak_window_packets, peak_pps, estimated_pps, capture_id) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const DosEvent& e : events.dos) {
    const std::string victim = events_address_blob(e.victim);
    d.bind(1, sensor)
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
        .bind(12, e.estimated_pps)
        .bind(13, capture_id);
    d.run();
  }
}

void remove_capture_events(Database& db, std::int64_t capture_id, std::int64_t first_day, std::int64_t last_day) {
  // A scan ends in the capture that ended it but may have started up to the longest
  // stored scan earlier.
  const std::int64_t longest = db.query_int("SELECT coalesce(max(max_ns), 0) FROM scan_spans");
  const std::int64_t from = floor_to(first_day * kNsPerSecond - longest, kNsPerDay) / kNsPerSecond;
  db.prepare("DELETE FROM scan_chunks WHERE day >= ? AND day <= ? AND capture_id = ?")
      .bind(1, from)
      .bind(2, last_day)
      .bind(3, capture_id)
      .run();
  db.prepare("DELETE FROM wide_scans WHERE capture_id = ?").bind(1, capture_id).run();
  db.prepare("DELETE FROM dos_events WHERE capture_id = ?").bind(1, capture_id).run();
}

void EventsStore::add(int sensor_id, const std::vector<ScanEvent>& scans, const std::vector<DosEvent>& dos,
                      double scale) {
  if (scans.empty() && dos.empty()) return;
  Transaction t(db_);
  EventBatch batch;
  batch.scans = scans;
  batch.dos = dos;
  batch.scale = scale;
  // Outside any capture: each call is its own segment, later ones replace earlier ones.
  const std::int64_t segment = db_.query_int("SELECT coalesce(max(segment), 0) + 1 FROM scan_chunks");
  write_events(db_, sensor_id, 0, segment, batch);
  t.commit();
}

namespace {

/// Per source record of `day`, the packets it sent to `port` (packed), with the
/// record: who made a surge.
struct PortShare {
  std::string country;
  std::uint16_t fingerprints;
  std::uint64_t packets;
};

std::vector<PortShare> port_shares(Database& db, int sensor_id, std::int64_t day, std::uint32_t port) {
  std::vector<PortShare> out;
  for_each_source_record(db, day, {sensor_id}, std::nullopt, [&](std::int64_t, const SourceRecord& r) {
    const auto it = std::lower_bound(r.ports.begin(), r.ports.end(), port,
                                     [](const PortCount& p, std::uint32_t v) { return p.port < v; });
    if (it == r.ports.end() || it->port != port) return;
    out.push_back({country_key(r.country), r.fingerprints, it->packets});
  });
  return out;
}

}  // namespace

std::size_t detect_surges(Database& db, int sensor_id, std::int64_t first_day_s, std::int64_t last_day_s,
                          const SurgeOptions& options) {
  first_day_s = floor_to(first_day_s, kBin1d);
  last_day_s = floor_to(last_day_s, kBin1d);
  const std::int64_t history_from = first_day_s - (options.baseline_days + 1) * kBin1d;
  const std::int64_t until = last_day_s + kBin1d;
  const std::vector<std::int64_t> sensors = {sensor_id};

  // Days the sensor recorded anything: on those, a port without a row had zero packets.
  std::vector<std::int64_t> covered;
  for (const std::int64_t d : stored_days(db, history_from, until, sensors)) covered.push_back(d / kBin1d);
  // Daily port rows of the window, day by day (one row per capture).
  struct PortDay {
    std::vector<std::pair<BinRow, std::vector<BinCell>>> rows;
  };
  std::map<std::int64_t, PortDay> window;
  for_each_bin(
      db, BinDimension::kPort, history_from, until, sensors,
      [&](const BinRow& row, const std::vector<BinCell>& cells) { window[row.start].rows.emplace_back(row, cells); },
      true);
  // Only a port with the minimum volume on a checked day can surge on it (sources
  // summed over captures are an upper bound of the exact count).
  std::set<std::uint32_t> candidates;
  for (auto it = window.lower_bound(first_day_s); it != window.end() && it->first < until; ++it) {
    std::map<std::uint32_t, std::pair<std::uint64_t, std::uint64_t>> day;
    for (const auto& [row, cells] : it->second.rows) {
      for (const BinCell& c : cells) {
        day[c.key].first += c.packets;
        day[c.key].second += c.sources;
      }
    }
    for (const auto& [key, v] : day) {
      if (v.first >= options.min_packets || v.second >= options.min_sources) candidates.insert(key);
    }
  }
  std::vector<SurgeEvent> found;
  for (const std::uint32_t packed : candidates) {
    std::vector<SurgeDay> series;
    for (const auto& [day_s, pd] : window) {
      SurgeDay sd{day_s / kBin1d, 0, 0};
      std::vector<const BinRow*> with;
      for (const auto& [row, cells] : pd.rows) {
        const BinCell* c = find_cell(cells, packed);
        if (c == nullptr) continue;
        sd.packets += c->packets;
        sd.sources += c->sources;
        with.push_back(&row);
      }
      if (with.empty()) continue;
      if (with.size() > 1) {
        SourceSet all;
        for (const BinRow* row : with) unite(all, row_set(db, BinDimension::kPort, packed, *row));
        sd.sources = all.size();
      }
      series.push_back(sd);
    }
    for (SurgeFinding& f : find_surges(covered, series, options)) {
      if (f.day < first_day_s / kBin1d || f.day > last_day_s / kBin1d) continue;
      SurgeEvent e;
      const PortKey key = PortKey::from_packed(packed);
      e.protocol = key.protocol;
      e.port = key.port;
      e.finding = std::move(f);
      const std::int64_t day_s = e.finding.day * kBin1d;
      std::map<std::string, std::uint64_t> countries;
      std::array<std::uint64_t, kFingerprintCount> fp{};
      for (const PortShare& share : port_shares(db, sensor_id, day_s, packed)) {
        countries[share.country] += share.packets;
        for (int i = 0; i < kFingerprintCount; ++i) {
          if ((share.fingerprints & (1u << i)) != 0) fp[static_cast<std::size_t>(i)] += share.packets;
        }
      }
      for (const auto& [cc, n] : countries) e.countries.emplace_back(cc, n);
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
  db.prepare("DELETE FROM surge_events WHERE sensor_id = ? AND day >= ? AND day <= ?")
      .bind(1, std::int64_t{sensor_id})
      .bind(2, first_day_s)
      .bind(3, last_day_s)
      .run();
  auto ins = db.prepare(
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
  return found.size();
}

std::size_t EventsStore::detect_surges(int sensor_id, std::int64_t first_day_s, std::int64_t last_day_s,
                                       const SurgeOptions& options) {
  Transaction t(db_);
  const std::size_t n = darkscope::detect_surges(db_, sensor_id, first_day_s, last_day_s, options);
  t.commit();
  return n;
}

namespace {

bool scan_key_less(const StoredScan& a, const StoredScan& b) {
  return std::tie(a.sensor, a.event.source, a.event.protocol, a.event.port, a.event.traffic_class,
                  a.event.start_ns) < std::tie(b.sensor, b.event.source, b.event.protocol, b.event.port,
                                                b.event.traffic_class, b.event.start_ns);
}
bool same_scan(const StoredScan& a, const StoredScan& b) { return !scan_key_less(a, b) && !scan_key_less(b, a); }

std::map<std::int64_t, std::string> sensor_names(Database& db) {
  std::map<std::int64_t, std::string> out;
  auto s = db.prepare("SELECT id, name FROM sensors");
  while (s.step()) out[s.column_int(0)] = s.column_text(1);
  return out;
}

}  // namespace

std::vector<StoredScan> EventsStore::scans(const EventQuery& q) {
  const auto sensor = sensor_filter(q.sensor);
  const Range r = range_of(q.from_ns, q.to_ns);
  auto names = sensor_names(db_);
  const std::int64_t sid = sensor.value_or(-1);
  std::vector<StoredScan> out;
  {
    auto s = db_.prepare(
        "SELECT sensor_id, source, proto, port, class, start_ns, end_ns, packets, destinations, "
        "destinations_exact, estimated_pps, fingerprints FROM wide_scans "
        "WHERE end_ns >= ? AND start_ns < ? AND (? < 0 OR sensor_id = ?)");
    s.bind(1, r.from).bind(2, r.to).bind(3, sid).bind(4, sid);
    while (s.step()) {
      StoredScan x;
      x.sensor = names[s.column_int(0)];
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
      e.internet_wide = true;
      e.fingerprints = static_cast<std::uint16_t>(s.column_int(11));
      out.push_back(std::move(x));
    }
  }
  const std::size_t wide = out.size();
  {
    // Chunks are by the day a scan started: look back as far as the longest scan.
    const std::int64_t longest = db_.query_int("SELECT coalesce(max(max_ns), 0) FROM scan_spans");
    const std::int64_t from_day =
        r.from == INT64_MIN ? INT64_MIN : floor_to(r.from - longest, kNsPerDay) / kNsPerSecond;
    const std::int64_t to_day = r.to == INT64_MAX ? INT64_MAX : r.to / kNsPerSecond;
    auto s = db_.prepare(
        "SELECT day, sensor_id, scans FROM scan_chunks WHERE day >= ? AND day < ? AND (? < 0 OR sensor_id = ?) "
        "ORDER BY day, sensor_id, bucket, capture_id, segment");
    s.bind(1, from_day).bind(2, to_day).bind(3, sid).bind(4, sid);
    std::vector<ScanEvent> scans;
    while (s.step()) {
      if (!decode_scans(s.column_blob(2), s.column_int(0), scans)) {
        throw StoreError(db_.path() + ": stored scans are damaged");
      }
      const std::string& name = names[s.column_int(1)];
      for (const ScanEvent& e : scans) {
        if (e.end_ns >= r.from && e.start_ns < r.to) out.push_back({name, e});
      }
    }
  }
  // The same scan written twice (a capture ingested again): the last one written
  // wins; a row of an Internet-wide scan wins over a chunk.
  std::vector<std::size_t> order(out.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return scan_key_less(out[a], out[b]); });
  std::vector<StoredScan> unique;
  unique.reserve(out.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    std::size_t last = i;
    std::size_t pick = order[i];
    while (last + 1 < order.size() && same_scan(out[order[last + 1]], out[order[i]])) {
      ++last;
      if (pick >= wide) pick = order[last];
    }
    unique.push_back(std::move(out[pick]));
    i = last;
  }
  std::sort(unique.begin(), unique.end(), [](const StoredScan& a, const StoredScan& b) {
    return std::tie(a.event.start_ns, a.event.source, a.event.protocol, a.event.port, a.event.traffic_class,
                    a.sensor) < std::tie(b.event.start_ns, b.event.source, b.event.protocol, b.event.port,
                                          b.event.traffic_class, b.sensor);
  });
  return unique;
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
  const auto sensors = query_sensors(db_, sensor_name);
  const auto scanners = scanner_names(db_);
  SourceProfile p;
  p.source = source;
  bool any = false;
  std::map<std::uint32_t, std::uint64_t> ports;
  std::vector<std::pair<std::int64_t, std::int64_t>> seen;  // (day, sensor)
  for (const std::int64_t day : stored_days(db_, INT64_MIN, INT64_MAX, sensors)) {
    bool today = false;
    for_each_source_record(db_, day, sensors, source, [&](std::int64_t sensor, const SourceRecord& r) {
      if (!any || r.first_ns < p.first_ns) p.first_ns = r.first_ns;
      if (!any || r.last_ns > p.last_ns) p.last_ns = r.last_ns;
      any = true;
      if (!today) {
        ++p.days;
        today = true;
      }
      seen.emplace_back(day, sensor);
      p.packets += r.packets;
      p.bytes += r.bytes;
      p.classes |= r.classes;
      p.fingerprints |= r.fingerprints;
      // The latest day's enrichment wins: addresses move between networks.
      const std::string country = country_key(r.country);
      if (country != "unknown" || p.country.empty()) p.country = country;
      if (r.asn != 0) p.asn = r.asn;
      if (r.scanner != 0) p.org = stored_key_text(BinDimension::kScanner, r.scanner, scanners);
      for (const PortCount& pc : r.ports) ports[pc.port] += pc.packets;
    });
  }
  if (!any) return std::nullopt;
  for (const auto& [port, n] : ports) p.ports.emplace_back(PortKey::from_packed(port).text(), n);
  sort_counts(p.ports);
  // Scans: the chunks of the source's bucket on the days it was seen, and the rows
  // of Internet-wide ones.
  std::set<std::tuple<std::int64_t, std::uint8_t, std::uint16_t, std::uint8_t, std::int64_t>> scans;
  std::set<std::tuple<std::int64_t, std::uint8_t, std::uint16_t, std::uint8_t, std::int64_t>> wide;
  {
    auto s = db_.prepare("SELECT scans FROM scan_chunks WHERE day = ? AND sensor_id = ? AND bucket = ?");
    std::vector<ScanEvent> decoded;
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (const auto& [day, sensor] : seen) {
      s.bind(1, day).bind(2, sensor).bind(3, std::int64_t{source_bucket(source)});
      while (s.step()) {
        if (!decode_scans(s.column_blob(0), day, decoded)) throw StoreError(db_.path() + ": stored scans are damaged");
        for (const ScanEvent& e : decoded) {
          if (e.source == source) {
            scans.emplace(sensor, e.protocol, e.port, static_cast<std::uint8_t>(e.traffic_class), e.start_ns);
          }
        }
      }
      s.reset();
    }
    const std::string src = events_address_blob(source);
    auto w = db_.prepare("SELECT sensor_id, proto, port, class, start_ns FROM wide_scans WHERE source = ?");
    w.bind_blob(1, src.data(), static_cast<int>(src.size()));
    while (w.step()) {
      if (std::find(sensors.begin(), sensors.end(), w.column_int(0)) == sensors.end()) continue;
      const auto k = std::make_tuple(w.column_int(0), static_cast<std::uint8_t>(w.column_int(1)),
                                     static_cast<std::uint16_t>(w.column_int(2)),
                                     static_cast<std::uint8_t>(w.column_int(3)), w.column_int(4));
      wide.insert(k);
      scans.insert(k);
    }
  }
  p.scans = scans.size();
  p.internet_wide_scans = wide.size();
  p.verdict = classify_source(p.fingerprints, p.org, p.reason);
  return p;
}

std::vector<FeedRecord> EventsStore::feed(const FeedQuery& q) {
  const auto sensors = query_sensors(db_, q.sensor);
  const std::int64_t from_day = q.from_ns ? floor_to(*q.from_ns / kNsPerSecond, kBin1d) : INT64_MIN;
  const std::int64_t to_s = q.to_ns ? *q.to_ns / kNsPerSecond : INT64_MAX;
  std::string tag;
  for (int i = 0; i < kFingerprintCount; ++i) {
    if (q.fingerprint == (1u << i)) tag = std::string(kFingerprintNames[static_cast<std::size_t>(i)]);
  }
  // Only the days on which the host showed the fingerprint count.
  struct Host {
    FeedRecord record;
    std::int64_t latest_day = INT64_MIN;
    std::map<std::uint32_t, std::uint64_t> ports;
  };
  std::map<IpAddress, Host> hosts;
  for (const std::int64_t day : stored_days(db_, from_day, to_s, sensors)) {
    for_each_source_record(db_, day, sensors, std::nullopt, [&](std::int64_t, const SourceRecord& r) {
      if ((r.fingerprints & q.fingerprint) == 0) return;
      auto [it, fresh] = hosts.try_emplace(r.src);
      Host& h = it->second;
      FeedRecord& f = h.record;
      if (fresh) {
        f.ip = r.src;
        f.tag = tag;
        f.first_seen_ns = r.first_ns;
        f.last_seen_ns = r.last_ns;
      }
      f.first_seen_ns = std::min(f.first_seen_ns, r.first_ns);
      f.last_seen_ns = std::max(f.last_seen_ns, r.last_ns);
      f.packets += r.packets;
      if (day >= h.latest_day) {
        h.latest_day = day;
        f.country = country_key(r.country);
        f.asn = r.asn;
      }
      for (const PortCount& pc : r.ports) h.ports[pc.port] += pc.packets;
    });
  }
  std::vector<FeedRecord> out;
  out.reserve(hosts.size());
  for (auto& [ip, h] : hosts) {
    std::vector<std::pair<std::uint32_t, std::uint64_t>> ports(h.ports.begin(), h.ports.end());
    std::stable_sort(ports.begin(), ports.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [port, n] : ports) h.record.ports.push_back(PortKey::from_packed(port).text());
    out.push_back(std::move(h.record));
  }
  std::sort(out.begin(), out.end(), [&](const FeedRecord& a, const FeedRecord& b) {
    if (q.by == "asn" && a.asn != b.asn) return a.asn < b.asn;
    if (q.by == "country" && a.country != b.country) return a.country < b.country;
    if (a.packets != b.packets) return a.packets > b.packets;
    return a.ip < b.ip;
  });
  return out;
}

namespace {

/// Idle scans are looked for once per idle timeout rather than every minute: a gap
/// longer than the timeout ends a scan whether or not a sweep ran (docs/EVENTS.md),
/// so only the moment an event is handed over changes, and a sweep walks the whole
/// table.
ScanOptions recorder_scan_options(ScanOptions o) {
  o.sweep_interval_ns = std::max(o.sweep_interval_ns, o.idle_timeout_ns);
  return o;
}

}  // namespace

void RecordBlock::push(const PacketRecord& r, std::uint64_t position, std::uint64_t serial) noexcept {
  PositionedRecord* to = items_.get() + size_++;
#if defined(__SSE2__)
  static_assert(alignof(PositionedRecord) == 16 && sizeof(PositionedRecord) % 16 == 0);
  const PositionedRecord item{r, position, serial};
  const auto* from = reinterpret_cast<const __m128i*>(&item);
  auto* dst = reinterpret_cast<__m128i*>(to);
  for (std::size_t i = 0; i < sizeof(PositionedRecord) / 16; ++i) _mm_stream_si128(dst + i, _mm_load_si128(from + i));
#else
  *to = PositionedRecord{r, position, serial};
#endif
}

void RecordBlock::publish() const noexcept {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

/// The detectors' thread and the blocks waiting for it.
struct EventRecorder::Worker {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::shared_ptr<const RecordBlock>> blocks;
  std::uint64_t done = 0;  // serial of the last packet run
  bool busy = false;
  bool stop = false;
  std::thread thread;
};

EventRecorder::EventRecorder(double darknet_ipv4_size, const EventOptions& options, bool threaded)
    : scale_(darknet_ipv4_size > 0 ? 4294967296.0 / darknet_ipv4_size : 1.0),
      scan_(recorder_scan_options(options.scan), darknet_ipv4_size,
            [this](const ScanEvent& e) {
              scans_.fresh.emplace_back(serial_, e);
              ++scans_found_;
            }),
      dos_(options.dos, darknet_ipv4_size, [this](const DosEvent& e) {
        dos_events_.fresh.emplace_back(serial_, e);
        ++dos_found_;
      }) {
  if (!threaded) return;
  worker_ = std::make_unique<Worker>();
  worker_->thread = std::thread([this] {
    pthread_setname_np(pthread_self(), "ds-events");
    Worker& w = *worker_;
    std::unique_lock<std::mutex> lock(w.mutex);
    for (;;) {
      w.changed.wait(lock, [&] { return w.stop || !w.blocks.empty(); });
      if (w.blocks.empty()) return;
      std::shared_ptr<const RecordBlock> block = std::move(w.blocks.front());
      w.blocks.pop_front();
      w.busy = true;
      w.changed.notify_all();
      lock.unlock();
      run_block(*block);
      const std::uint64_t last = block->empty() ? 0 : block->back().serial;
      block.reset();
      lock.lock();
      publish();
      w.done = std::max(w.done, last);
      w.busy = false;
      w.changed.notify_all();
    }
  });
}

EventRecorder::~EventRecorder() {
  if (!worker_) return;
  {
    std::lock_guard<std::mutex> lock(worker_->mutex);
    worker_->stop = true;
  }
  worker_->changed.notify_all();
  worker_->thread.join();
}

void EventRecorder::detect(const Waiting& w) {
  serial_ = w.serial;
  scan_.on_packet(w.record);
  dos_.on_packet(w.record);
}

template <typename Event>
void EventRecorder::Ended<Event>::publish() {
  if (fresh.empty()) return;
  published.push_back(std::move(fresh));
  fresh.clear();
}

template <typename Event>
void EventRecorder::Ended<Event>::take(std::uint64_t serial, std::vector<Event>& to) {
  std::size_t n = 0;
  for (const auto& chunk : published) {
    for (const auto& [s, e] : chunk) n += s <= serial ? 1 : 0;
  }
  to.reserve(to.size() + n);
  std::size_t kept_chunks = 0;
  for (std::size_t c = 0; c < published.size(); ++c) {
    auto& chunk = published[c];
    std::size_t kept = 0;
    for (auto& item : chunk) {
      if (item.first <= serial) {
        to.push_back(std::move(item.second));
      } else {
        chunk[kept++] = std::move(item);
      }
    }
    chunk.resize(kept);
    if (kept == 0) continue;
    if (c != kept_chunks) published[kept_chunks] = std::move(chunk);
    ++kept_chunks;
  }
  published.resize(kept_chunks);
}

void EventRecorder::publish() {
  scans_.publish();
  dos_events_.publish();
}

void EventRecorder::queue(const PacketRecord& r, std::uint64_t serial) {
  // Only what some detector looks at: probes for scans, backscatter for attacks.
  if (!r.observed || !r.source_known()) return;
  if (ring_count_ == kRing) detect(ring_[ring_next_]);
  ring_[ring_next_] = {r, serial};
  scan_.prefetch(r);
  ring_next_ = (ring_next_ + 1) % kRing;
  if (ring_count_ < kRing) ++ring_count_;
}

void EventRecorder::on_packet(const PacketRecord& r, std::uint64_t serial) { queue(r, serial); }

void EventRecorder::run_block(const RecordBlock& block) {
  // The block stays put while it runs: the records are read in place (no copy
  // into the ring), each after a prefetch of its scan-table slot kAhead earlier.
  drain();
  constexpr std::size_t kAhead = 32;
  const std::size_t n = block.size();
  for (std::size_t i = 0; i < std::min(n, kAhead); ++i) {
    const PacketRecord& r = block[i].record;
    if (r.observed && r.source_known()) scan_.prefetch(r);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) {
      const PacketRecord& a = block[i + kAhead].record;
      if (a.observed && a.source_known()) scan_.prefetch(a);
    }
    const PacketRecord& r = block[i].record;
    if (!r.observed || !r.source_known()) continue;
    serial_ = block[i].serial;
    scan_.on_packet(r);
    dos_.on_packet(r);
  }
}

void EventRecorder::submit(std::shared_ptr<const RecordBlock> block) {
  if (!worker_) {
    for (const PositionedRecord& p : *block) queue(p.record, p.serial);
    return;
  }
  // A slower detector thread holds the feeder back.
  std::unique_lock<std::mutex> lock(worker_->mutex);
  worker_->changed.wait(lock, [&] { return worker_->blocks.size() < kMaxBlocksWaiting; });
  worker_->blocks.push_back(std::move(block));
  worker_->changed.notify_all();
}

void EventRecorder::drain() {
  std::size_t i = (ring_next_ + kRing - ring_count_) % kRing;
  for (; ring_count_ > 0; --ring_count_, i = (i + 1) % kRing) detect(ring_[i]);
  ring_next_ = 0;
}

void EventRecorder::wait_for(std::uint64_t serial) {
  Worker& w = *worker_;
  std::unique_lock<std::mutex> lock(w.mutex);
  w.changed.wait(lock, [&] { return w.done >= serial || (w.blocks.empty() && !w.busy); });
}

void EventRecorder::advance(std::int64_t now_ns) {
  // Threaded: once the worker is idle (no block may come meanwhile: the caller
  // feeds it), the detectors are this thread's.
  if (worker_) wait_for(UINT64_MAX);
  drain();
  serial_ = 0;  // taken by the next take(), whatever it asks for
  scan_.advance(now_ns);
  dos_.advance(now_ns);
  if (worker_) {
    std::lock_guard<std::mutex> lock(worker_->mutex);
    publish();
  }
}

void EventRecorder::finish() {
  if (worker_) wait_for(UINT64_MAX);
  drain();
  serial_ = 0;
  scan_.flush();
  dos_.flush();
  if (worker_) {
    std::lock_guard<std::mutex> lock(worker_->mutex);
    publish();
  }
}

std::unique_lock<std::mutex> EventRecorder::hold_published() {
  if (worker_) return std::unique_lock<std::mutex>(worker_->mutex);
  drain();
  publish();
  return {};
}

bool EventRecorder::has_ended() {
  const auto lock = hold_published();
  return !scans_.published.empty() || !dos_events_.published.empty();
}

void EventRecorder::take(EventBatch& batch, std::uint64_t serial) {
  if (worker_) wait_for(serial);
  const auto lock = hold_published();
  batch.scale = scale_;
  scans_.take(serial, batch.scans);
  dos_events_.take(serial, batch.dos);
}

}  // namespace darkscope
