#include "analyze/dos_detector.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>

namespace darkscope {

namespace {

constexpr double kTwoTo32 = 4294967296.0;

bool is_icmp_error(const PacketRecord& r) noexcept {
  if (r.protocol == kProtoIcmp) {
    return r.icmp_type == 3 || r.icmp_type == 4 || r.icmp_type == 5 || r.icmp_type == 11 ||
           r.icmp_type == 12;
  }
  if (r.protocol == kProtoIcmpv6) return r.icmp_type >= 1 && r.icmp_type <= 4;
  return false;
}

std::size_t ring_index(std::int64_t step) noexcept {
  return static_cast<std::size_t>(((step % kDosWindowSteps) + kDosWindowSteps) % kDosWindowSteps);
}

std::int64_t step_of(std::int64_t ns) noexcept {
  constexpr std::int64_t step_ns = kDosWindowStepSeconds * 1'000'000'000LL;
  return ns >= 0 ? ns / step_ns : (ns - step_ns + 1) / step_ns;
}

}  // namespace

DosVictim dos_victim_of(const PacketRecord& r) noexcept {
  DosVictim v;
  if (!r.observed || !r.source_known()) return v;
  if (r.traffic_class == TrafficClass::kTcpBackscatter) {
    v.victim = r.src;
    v.protocol = kProtoTcp;
    v.port = r.src_port;
    v.has_port = true;
    v.valid = true;
  } else if (r.traffic_class == TrafficClass::kIcmpBackscatter) {
    if (is_icmp_error(r)) {
      // Without the quoted header the victim is unknown: the sender is only a router.
      if (!r.quoted.present) return v;
      v.victim = r.quoted.dst;
      v.protocol = r.quoted.protocol;
      v.has_port = r.quoted.protocol == kProtoTcp || r.quoted.protocol == kProtoUdp;
      v.port = v.has_port ? r.quoted.dst_port : 0;
    } else {
      // Echo, timestamp, info and mask replies come from the flooded host itself.
      v.victim = r.src;
      v.protocol = r.protocol;
    }
    v.valid = true;
  }
  return v;
}

DosDetector::DosDetector(DosOptions options, double darknet_ipv4_size, EventCallback on_event)
    : options_(options),
      scale_(darknet_ipv4_size > 0 ? kTwoTo32 / darknet_ipv4_size : 1.0),
      ipv4_addresses_(darknet_ipv4_size > 0 ? static_cast<std::uint64_t>(darknet_ipv4_size) : 0),
      on_event_(std::move(on_event)) {}

void DosDetector::on_packet(const PacketRecord& r) {
  const DosVictim v = dos_victim_of(r);
  if (!v.valid) return;
  const std::int64_t now = r.ts_ns;
  if (last_sweep_ns_ == INT64_MIN) last_sweep_ns_ = now;
  if (now - last_sweep_ns_ >= options_.sweep_interval_ns) advance(now);
  if (table_.size() >= options_.max_active || pool_.blocks_in_use() >= options_.max_blocks) {
    const std::size_t before = table_.size();
    do {
      end_oldest(table_, room_target(table_.size(), options_.max_active),
                 [](const Entry& e) { return e.last_ns; }, [this](std::int64_t c) { sweep(c); });
    } while (pool_.blocks_in_use() >= options_.max_blocks && table_.size() > 0);
    ended_early_ += before - table_.size();
  }

  const Key key{v.victim, v.protocol};
  bool inserted = false;
  Entry* e = &table_.find_or_insert(key, inserted);
  if (!inserted && now - e->last_ns > options_.idle_timeout_ns) {
    finish(*e);
    inserted = true;
  }
  const std::int64_t step = step_of(now);
  if (inserted) {
    *e = Entry{};
    e->k = key;
    e->in_use = true;
    e->first_ns = now;
    e->last_ns = now;
    e->window_step = step;
  }
  ++e->packets;
  e->bytes += r.ip_total_len != 0 ? r.ip_total_len : r.wire_len;
  if (now > e->last_ns) e->last_ns = now;
  if (now < e->first_ns) e->first_ns = now;
  if (step > e->window_step) {
    const std::int64_t advance_by = std::min<std::int64_t>(step - e->window_step, kDosWindowSteps);
    for (std::int64_t s = step - advance_by + 1; s <= step; ++s) {
      e->buckets[ring_index(s)] = 0;
    }
    e->window_step = step;
  }
  if (e->window_step - step < kDosWindowSteps) {
    ++e->buckets[ring_index(step)];
    const std::uint32_t in_window =
        std::accumulate(e->buckets.begin(), e->buckets.end(), std::uint32_t{0});
    if (in_window > e->peak_window) e->peak_window = in_window;
  }
  e->addresses.insert(distinct_value(r.dst), pool_);
  if (v.has_port) e->ports.insert(v.port, pool_);
}

void DosDetector::finish(Entry& e) {
  const std::int64_t duration = e.last_ns - e.first_ns;
  if (e.packets >= options_.min_packets && duration >= options_.min_duration_ns &&
      e.peak_window >= options_.min_window_packets) {
    DosEvent ev;
    ev.victim = e.k.victim;
    ev.protocol = e.k.protocol;
    ev.start_ns = e.first_ns;
    ev.end_ns = e.last_ns;
    ev.packets = e.packets;
    ev.bytes = e.bytes;
    // Past 130 both counts are estimates (about 5% off): never more addresses than
    // the darknet has, nor more than 65,536 ports.
    ev.darknet_addresses = e.addresses.value(pool_);
    if (e.k.victim.is_v4() && ipv4_addresses_ > 0) {
      ev.darknet_addresses = std::min(ev.darknet_addresses, ipv4_addresses_);
    }
    ev.ports = std::min<std::uint64_t>(e.ports.value(pool_), 65536);
    ev.peak_window_packets = e.peak_window;
    ev.peak_pps = static_cast<double>(e.peak_window) / 60.0;
    ev.estimated_pps = static_cast<double>(e.packets) * scale_ /
                       (duration < 1'000'000'000 ? 1.0 : static_cast<double>(duration) / 1e9);
    ++attacks_;
    if (on_event_) on_event_(ev);
  } else {
    ++below_threshold_;
  }
  e.addresses.release(pool_);
  e.ports.release(pool_);
}

void DosDetector::sweep(std::int64_t cutoff_ns) {
  table_.remove_if([&](Entry& e) {
    if (e.last_ns >= cutoff_ns) return false;
    finish(e);
    return true;
  });
}

void DosDetector::advance(std::int64_t now_ns) {
  last_sweep_ns_ = now_ns;
  sweep(now_ns - options_.idle_timeout_ns);
}

void DosDetector::flush() { sweep(std::numeric_limits<std::int64_t>::max()); }

}  // namespace darkscope
