#include "analyze/scan_detector.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace darkscope {

namespace {

constexpr double kTwoTo32 = 4294967296.0;

std::uint8_t scan_protocol(const PacketRecord& r) noexcept {
  // ICMP and ICMPv6 requests share one key per source, as in the port rankings.
  return r.traffic_class == TrafficClass::kIcmpRequest ? kProtoIcmp : r.protocol;
}

}  // namespace

ScanDetector::ScanDetector(ScanOptions options, double darknet_ipv4_size,
                           EventCallback on_event)
    : options_(options),
      scale_(darknet_ipv4_size > 0 ? kTwoTo32 / darknet_ipv4_size : 1.0),
      ipv4_addresses_(darknet_ipv4_size > 0 ? static_cast<std::uint64_t>(darknet_ipv4_size) : 0),
      on_event_(std::move(on_event)) {}

namespace {

/// The compact key of an IPv4 source's scan (never 0: the protocol is not 0).
std::uint64_t first_key(std::uint32_t source, std::uint16_t port, std::uint8_t protocol, TrafficClass cls) noexcept {
  return (std::uint64_t{source} << 32) | (std::uint64_t{port} << 16) | (std::uint64_t{protocol} << 8) |
         static_cast<std::uint64_t>(cls);
}

/// One packet more in a scan (also used to replay a scan's first packet).
void add_packet(ScanDetector::Entry& e, std::int64_t now, std::uint16_t fingerprints, std::uint32_t destination,
                DistinctPool& pool) {
  ++e.packets;
  if (now > e.last_ns) e.last_ns = now;
  if (now < e.first_ns) e.first_ns = now;  // captures can be slightly out of order
  e.fingerprints |= fingerprints;
  e.destinations.insert(destination, pool);
}

void start_scan(ScanDetector::Entry& e, const ScanDetector::Key& key, std::int64_t now) {
  e = ScanDetector::Entry{};
  e.k = key;
  e.in_use = true;
  e.first_ns = now;
}

constexpr std::size_t kTableBits = std::size_t{1} << 20;  // 128 KiB: stays in cache

std::size_t table_bit(std::size_t hash) noexcept { return (hash >> 7) & (kTableBits - 1); }

}  // namespace

void ScanDetector::prefetch(const PacketRecord& r) const noexcept {
  if (!r.observed || !r.source_known() || !is_scan_class(r.traffic_class)) return;
  const std::uint16_t port = r.traffic_class == TrafficClass::kIcmpRequest ? std::uint16_t{0} : r.dst_port;
  if (r.src.is_v4()) {
    first_.prefetch(first_key(r.src.v4_value(), port, scan_protocol(r), r.traffic_class));
  } else {
    table_.prefetch(Key{r.src, port, scan_protocol(r), r.traffic_class});
  }
}

void ScanDetector::on_packet(const PacketRecord& r) {
  if (!r.observed || !r.source_known() || !is_scan_class(r.traffic_class)) return;
  const std::int64_t now = r.ts_ns;
  if (last_sweep_ns_ == INT64_MIN) last_sweep_ns_ = now;
  if (now - last_sweep_ns_ >= options_.sweep_interval_ns) advance(now);
  if (active() >= options_.max_active || pool_.blocks_in_use() >= options_.max_blocks) {
    make_room(now);
  }

  const Key key{r.src, r.traffic_class == TrafficClass::kIcmpRequest ? std::uint16_t{0} : r.dst_port,
                scan_protocol(r), r.traffic_class};
  const std::uint32_t destination = distinct_value(r.dst);
  if (in_table_.empty()) in_table_.assign(kTableBits / 64, 0);
  const std::size_t bit = table_bit(KeyHash{}(key));
  Entry* e = (in_table_[bit >> 6] >> (bit & 63)) & 1 ? table_.find(key) : nullptr;
  if (e == nullptr && key.source.is_v4()) {
    // Not a scan of several packets: the first-packet table.
    const std::uint64_t k = first_key(key.source.v4_value(), key.port, key.protocol, key.traffic_class);
    bool fresh = false;
    FirstEntry& f = first_.find_or_insert(k, fresh);
    if (!fresh && now - f.ts_ns > options_.idle_timeout_ns) {
      finish_first(f);  // a gap longer than the timeout: that scan is over
      fresh = true;
    }
    if (fresh) {
      f.k = k;
      f.ts_ns = now;
      f.destination = destination;
      f.fingerprints = r.fingerprints;
      return;
    }
    // The second packet: the scan moves to a full entry, its first packet replayed.
    const FirstEntry first = f;
    first_.erase(k);
    bool inserted = false;
    e = &table_.find_or_insert(key, inserted);
    in_table_[bit >> 6] |= std::uint64_t{1} << (bit & 63);
    start_scan(*e, key, first.ts_ns);
    add_packet(*e, first.ts_ns, first.fingerprints, first.destination, pool_);
    add_packet(*e, now, r.fingerprints, destination, pool_);
    return;
  }
  bool inserted = false;
  if (e == nullptr) {
    e = &table_.find_or_insert(key, inserted);
    in_table_[bit >> 6] |= std::uint64_t{1} << (bit & 63);
  }
  // A gap longer than the idle timeout ends the scan even if no sweep ran in
  // between, so the split does not depend on the sweep interval.
  if (!inserted &&
      (now - e->last_ns > options_.idle_timeout_ns ||
       e->packets == std::numeric_limits<std::uint32_t>::max())) {
    finish(*e);
    inserted = true;
  }
  if (inserted) start_scan(*e, key, now);
  add_packet(*e, now, r.fingerprints, destination, pool_);
}

void ScanDetector::finish_first(const FirstEntry& f) {
  if (options_.min_packets > 1) {
    ++suppressed_;
    return;
  }
  // What finish() makes of a scan of one packet.
  ScanEvent ev;
  ev.source = IpAddress::v4(static_cast<std::uint32_t>(f.k >> 32));
  ev.protocol = static_cast<std::uint8_t>(f.k >> 8);
  ev.port = static_cast<std::uint16_t>(f.k >> 16);
  ev.traffic_class = static_cast<TrafficClass>(f.k & 0xff);
  ev.start_ns = f.ts_ns;
  ev.end_ns = f.ts_ns > 0 ? f.ts_ns : 0;
  ev.packets = 1;
  ev.destinations = 1;
  ev.destinations_exact = true;
  ev.estimated_pps = 1.0 * scale_ / rate_duration_seconds(ev.start_ns, ev.end_ns);
  ev.internet_wide = ev.destinations >= options_.internet_wide_destinations &&
                     ev.estimated_pps >= options_.internet_wide_pps;
  ev.fingerprints = f.fingerprints;
  ++emitted_;
  if (on_event_) on_event_(ev);
}

void ScanDetector::finish(Entry& e) {
  if (e.packets >= options_.min_packets) {
    ScanEvent ev;
    ev.source = e.k.source;
    ev.protocol = e.k.protocol;
    ev.port = e.k.port;
    ev.traffic_class = e.k.traffic_class;
    ev.start_ns = e.first_ns;
    ev.end_ns = e.last_ns;
    ev.packets = e.packets;
    ev.destinations = e.destinations.value(pool_);
    // Past 130 the count is an estimate (about 5% off): a small darknet would
    // otherwise show a scan reaching more addresses than it has.
    if (e.k.source.is_v4() && ipv4_addresses_ > 0) ev.destinations = std::min(ev.destinations, ipv4_addresses_);
    ev.destinations_exact = e.destinations.exact();
    ev.estimated_pps = static_cast<double>(e.packets) * scale_ /
                       rate_duration_seconds(e.first_ns, e.last_ns);
    ev.internet_wide = ev.destinations >= options_.internet_wide_destinations &&
                       ev.estimated_pps >= options_.internet_wide_pps;
    ev.fingerprints = e.fingerprints;
    ++emitted_;
    if (on_event_) on_event_(ev);
  } else {
    ++suppressed_;
  }
  e.destinations.release(pool_);
}

void ScanDetector::sweep(std::int64_t cutoff_ns) {
  table_.remove_if([&](Entry& e) {
    if (e.last_ns >= cutoff_ns) return false;
    finish(e);
    return true;
  });
  first_.remove_if([&](FirstEntry& f) {
    if (f.ts_ns >= cutoff_ns) return false;
    finish_first(f);
    return true;
  });
  if (!in_table_.empty()) {
    std::fill(in_table_.begin(), in_table_.end(), 0);
    table_.for_each([&](Entry& e) {
      const std::size_t bit = table_bit(KeyHash{}(e.k));
      in_table_[bit >> 6] |= std::uint64_t{1} << (bit & 63);
    });
  }
}

void ScanDetector::advance(std::int64_t now_ns) {
  last_sweep_ns_ = now_ns;
  // Strictly more than the timeout: a packet exactly idle_timeout after the last
  // one still continues the scan, as in on_packet.
  sweep(now_ns - options_.idle_timeout_ns);
}

void ScanDetector::make_room(std::int64_t now_ns) {
  // End the scans seen longest ago until an eighth of the table is free; they are
  // complete events, only shorter than they could have been. The cutoff comes from
  // a sample of the larger of the two tables; sweep() ends the older entries of both.
  (void)now_ns;
  const std::size_t before = active();
  const std::size_t target = room_target(active(), options_.max_active);
  for (int attempt = 1; attempt <= 4 && active() > target; ++attempt) {
    const double q = std::min(1.0, static_cast<double>(active() - target) / static_cast<double>(active()) * attempt);
    const std::int64_t cutoff = first_.size() >= table_.size()
                                    ? first_.sample_quantile([](const FirstEntry& f) { return f.ts_ns; }, q)
                                    : table_.sample_quantile([](const Entry& e) { return e.last_ns; }, q);
    sweep(cutoff + 1);
  }
  if (active() > target) sweep(std::numeric_limits<std::int64_t>::max());
  // Each round ends at least an eighth of the full entries, so the pool bound is met too.
  while (pool_.blocks_in_use() >= options_.max_blocks && table_.size() > 0) {
    end_oldest(table_, room_target(table_.size(), options_.max_active),
               [](const Entry& e) { return e.last_ns; }, [this](std::int64_t c) { sweep(c); });
  }
  ended_early_ += before - active();
}

void ScanDetector::flush() {
  sweep(std::numeric_limits<std::int64_t>::max());
}

}  // namespace darkscope
