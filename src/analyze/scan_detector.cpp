#include "analyze/scan_detector.hpp"

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
      on_event_(std::move(on_event)) {}

void ScanDetector::prefetch(const PacketRecord& r) const noexcept {
  if (!r.observed || !r.source_known() || !is_scan_class(r.traffic_class)) return;
  table_.prefetch(Key{r.src, r.traffic_class == TrafficClass::kIcmpRequest ? std::uint16_t{0} : r.dst_port,
                      scan_protocol(r), r.traffic_class});
}

void ScanDetector::on_packet(const PacketRecord& r) {
  if (!r.observed || !r.source_known() || !is_scan_class(r.traffic_class)) return;
  const std::int64_t now = r.ts_ns;
  if (last_sweep_ns_ == INT64_MIN) last_sweep_ns_ = now;
  if (now - last_sweep_ns_ >= options_.sweep_interval_ns) advance(now);
  if (table_.size() >= options_.max_active || pool_.blocks_in_use() >= options_.max_blocks) {
    make_room(now);
  }

  const Key key{r.source_known() ? r.src : IpAddress{},
                r.traffic_class == TrafficClass::kIcmpRequest ? std::uint16_t{0} : r.dst_port,
                scan_protocol(r), r.traffic_class};
  bool inserted = false;
  Entry* e = &table_.find_or_insert(key, inserted);
  // A gap longer than the idle timeout ends the scan even if no sweep ran in
  // between, so the split does not depend on the sweep interval.
  if (!inserted &&
      (now - e->last_ns > options_.idle_timeout_ns ||
       e->packets == std::numeric_limits<std::uint32_t>::max())) {
    finish(*e);
    inserted = true;
  }
  if (inserted) {
    *e = Entry{};
    e->k = key;
    e->in_use = true;
    e->first_ns = now;
  }
  ++e->packets;
  if (now > e->last_ns) e->last_ns = now;
  if (now < e->first_ns) e->first_ns = now;  // captures can be slightly out of order
  e->fingerprints |= r.fingerprints;
  e->destinations.insert(distinct_value(r.dst), pool_);
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
}

void ScanDetector::advance(std::int64_t now_ns) {
  last_sweep_ns_ = now_ns;
  // Strictly more than the timeout: a packet exactly idle_timeout after the last
  // one still continues the scan, as in on_packet.
  sweep(now_ns - options_.idle_timeout_ns);
}

void ScanDetector::make_room(std::int64_t now_ns) {
  // End the scans seen longest ago until an eighth of the table is free; they are
  // complete events, only shorter than they could have been.
  (void)now_ns;
  const std::size_t before = table_.size();
  // Each round ends at least an eighth of the scans, so the pool bound is met too.
  do {
    end_oldest(table_, room_target(table_.size(), options_.max_active),
               [](const Entry& e) { return e.last_ns; }, [this](std::int64_t c) { sweep(c); });
  } while (pool_.blocks_in_use() >= options_.max_blocks && table_.size() > 0);
  ended_early_ += before - table_.size();
}

void ScanDetector::flush() {
  sweep(std::numeric_limits<std::int64_t>::max());
}

}  // namespace darkscope
