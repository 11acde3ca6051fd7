#include "analyze/profile_tracker.hpp"

#include <limits>
#include <utility>

#include "analyze/port_key.hpp"
#include "core/time.hpp"

namespace darkscope {

SourceVerdict classify_source(std::uint16_t fingerprints, const std::string& scanner_org,
                              std::string& reason) {
  if ((fingerprints & kFpMirai) != 0) {
    reason = "mirai fingerprint (Mirai-type scanning)";
    if (!scanner_org.empty()) reason += "; address listed for " + scanner_org;
    return SourceVerdict::kMalicious;
  }
  if (!scanner_org.empty()) {
    reason = "known research scanner: " + scanner_org;
    return SourceVerdict::kBenign;
  }
  reason = "no research-scanner listing and no malicious fingerprint";
  return SourceVerdict::kUnknown;
}

ProfileTracker::ProfileTracker(ProfileOptions options, PieceCallback on_piece)
    : options_(options), on_piece_(std::move(on_piece)) {}

void ProfileTracker::on_packet(const PacketRecord& r) {
  if (!r.observed || !r.source_known()) return;
  const std::int64_t now = r.ts_ns;
  if (last_sweep_ns_ == INT64_MIN) last_sweep_ns_ = now;
  if (now - last_sweep_ns_ >= options_.sweep_interval_ns) advance(now);
  if (table_.size() >= options_.max_active) {
    const std::size_t before = table_.size();
    end_oldest(table_, options_.max_active - options_.max_active / 8,
               [](const Entry& e) { return e.p.last_ns; }, [this](std::int64_t c) { sweep(c); });
    ended_early_ += before - table_.size();
  }

  const std::int64_t day = floor_to(now, kNsPerDay) / kNsPerDay;
  bool inserted = false;
  Entry* e = &table_.find_or_insert(r.src, inserted);
  // A piece never spans two UTC days (so day queries are exact) nor an idle gap.
  if (!inserted && (e->p.day != day || now - e->p.last_ns > options_.idle_timeout_ns ||
                    e->p.packets == std::numeric_limits<std::uint32_t>::max())) {
    finish(*e);
    inserted = true;
  }
  if (inserted) {
    *e = Entry{};
    e->in_use = true;
    e->p.source = r.src;
    e->p.day = day;
    e->p.first_ns = now;
    e->p.last_ns = now;
  }
  ProfilePiece& p = e->p;
  ++p.packets;
  if (r.has_fingerprint(kFpMirai)) ++p.mirai_packets;
  if (now > p.last_ns) p.last_ns = now;
  if (now < p.first_ns) p.first_ns = now;
  p.fingerprints |= r.fingerprints;
  p.classes |= static_cast<std::uint16_t>(1u << static_cast<unsigned>(r.traffic_class));
  if (r.country[0] != 0) p.country = r.country;
  if (r.asn != 0) p.asn = r.asn;
  if (r.scanner_org != 0) p.scanner_org = r.scanner_org;
  if (const auto key = ranking_port_key(r)) {
    const std::uint32_t packed = key->packed();
    bool known = false;
    for (int i = 0; i < p.port_count; ++i) known = known || p.ports[i] == packed;
    if (!known) {
      if (p.port_count < kProfilePorts) {
        p.ports[p.port_count++] = packed;
      } else {
        p.more_ports = true;
      }
    }
  }
}

void ProfileTracker::finish(Entry& e) {
  ++pieces_;
  if (on_piece_) on_piece_(e.p);
}

void ProfileTracker::sweep(std::int64_t cutoff_ns) {
  table_.remove_if([&](Entry& e) {
    if (e.p.last_ns >= cutoff_ns) return false;
    finish(e);
    return true;
  });
}

void ProfileTracker::advance(std::int64_t now_ns) {
  last_sweep_ns_ = now_ns;
  const std::int64_t day = floor_to(now_ns, kNsPerDay) / kNsPerDay;
  table_.remove_if([&](Entry& e) {
    if (e.p.last_ns >= now_ns - options_.idle_timeout_ns && e.p.day == day) return false;
    finish(e);
    return true;
  });
}

void ProfileTracker::flush() { sweep(std::numeric_limits<std::int64_t>::max()); }

}  // namespace darkscope
